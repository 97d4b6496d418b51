import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bottomline.settings")
application = get_wsgi_application()

# A WSGI server runs no system checks: a database of other keys is refused here, naming the key, before
# serving. Not under pytest, which imports this module before it has made the test database.
if settings.ENV != "test":
    from bottomline.registry.keycheck import keys_require

    keys_require()
