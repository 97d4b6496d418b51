import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bottomline.settings")
application = get_wsgi_application()

# gunicorn runs no system checks: a database of other keys is refused here, naming the key, before serving.
from bottomline.registry.keycheck import keys_require  # noqa: E402  (needs the apps set up above)

keys_require()
