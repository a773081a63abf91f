"""Gunicorn's settings for production: `gunicorn --config deploy/gunicorn.conf.py`.

The app runs behind nginx (deploy/nginx/), which terminates TLS and reads every request whole
before passing it on, so the few threads here only ever see complete requests. Each value can be
changed with the environment variable named beside it, without editing this file.
"""

import os

# The app to serve: the factory in forms_app/__init__.py.
wsgi_app = "forms_app:create_app()"

# Only on the loopback address: nginx is the one way in.
bind = [os.environ.get("FORMS_APP_BIND", "127.0.0.1:8000")]

# A few processes, each with a few threads: the work is short reads and appends to files under a
# lock, and the slow part (people typing, slow networks) is absorbed by nginx. More workers than
# cores buys nothing on a small server.
workers = int(os.environ.get("GUNICORN_WORKERS", max(2, min(4, os.cpu_count() or 1))))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"

# A request that takes longer than this is stuck: the worker is restarted.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# On a restart or stop, requests in flight get this long to finish (a submission is appended and
# fsynced in well under a second).
graceful_timeout = 20
# nginx keeps idle connections to the app open (its upstream keepalive); a little longer here than
# there would be pointless, shorter makes nginx reconnect more often.
keepalive = 15

# Recycle workers now and then, so a slow leak in any library cannot grow without bound.
max_requests = 5000
max_requests_jitter = 500

# Request limits: a form page's headers are small; the body limit is the app's own
# (MAX_CONTENT_LENGTH) and nginx's (client_max_body_size).
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190

# X-Forwarded-Proto (and so https URLs and secure cookies) is believed only from the proxy's own
# address; the app trusts X-Forwarded-For for exactly FORMS_APP_PROXY_COUNT hops.
forwarded_allow_ips = os.environ.get("FORMS_APP_PROXY_IPS", "127.0.0.1,::1")

# The control socket (gunicorn's `gunicornc` status and reload commands) in the service's runtime
# folder rather than in the home folder, which the service user may not have.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "/run/feedback/gunicorn.ctl")

# No access log here: nginx writes one (without query strings) and the app logs each request
# itself. Gunicorn's own messages (start, stop, worker restarts) go to standard error, which
# systemd's journal or podman's log collects.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# The heartbeat file of each worker in memory: a busy or slow disk must not make the master
# think a healthy worker has hung.
worker_tmp_dir = "/dev/shm"

# Prometheus metrics from every worker (forms_app/observing/multiprocess.py): when
# PROMETHEUS_MULTIPROC_DIR is set, the master empties it at start and folds a stopped worker's
# figures into the archive, so /metrics counts across workers and restarts.
from forms_app.observing.multiprocess import child_exit, on_starting  # noqa: E402, F401
