"""gunicorn for Bottomline (deploy/systemd/bottomline-web.service): sync workers on loopback behind nginx.

Every setting can be overridden from the environment file (GUNICORN_* below, or GUNICORN_CMD_ARGS). One sync
worker is one process with one thread and one PostgreSQL connection (CONN_MAX_AGE), so a host holds at most
``workers`` web connections: size PostgreSQL's max_connections for all hosts (docs/deploy.md).
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8001")
workers = int(os.environ.get("GUNICORN_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 9)))
worker_class = "sync"
# nginx buffers whole requests and responses, so a sync worker never waits on a slow client.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))  # nginx's proxy_read_timeout
graceful_timeout = 30
# A worker is replaced after this many requests (with jitter), so that a slow leak cannot grow for months.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = 200
# X-Forwarded-Proto is believed from nginx only; the client's address is Django's work (TRUSTED_PROXIES).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# Logs go to the journal through stderr; nginx keeps the access log.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
capture_output = True
proc_name = "bottomline-web"
# No "Server: gunicorn/<version>" header reaches anyone: nginx sends its own, without a version.
