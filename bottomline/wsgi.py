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

    # Every URL module (and so every view and the API's routers) imported before the first request, not by it:
    # a worker started or recycled by gunicorn (max_requests) otherwise answered its first requests in 0.7-2.4 s,
    # which made W6's p99 (docs/benchmarks.md).
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018  (read for its import)

    from bottomline.web.worker import worker_settle

    worker_settle()
