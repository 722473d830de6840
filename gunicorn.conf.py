"""gunicorn settings for cookieconsent: ``gunicorn -c gunicorn.conf.py wsgi:app``.

Sized for a small VM; set WEB_CONCURRENCY for the number of worker processes. Every setting
can be overridden on the command line (``--bind 127.0.0.1:8001``) or in GUNICORN_CMD_ARGS.

gunicorn listens on loopback only and must never face the internet: a thread is held until
its request is read, so a dozen clients that send their bodies slowly leave no thread for
anyone else. nginx in front (deploy/nginx/, docs/deploy.md) reads each request in full first.
"""

import multiprocessing
import os

# Loopback: nginx on the same host is the only client (GUNICORN_BIND to change the port).
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Processes: a crash or a SIGKILL of one loses only its own in-flight requests, which were
# never acknowledged (a 201 is sent after the commit). Threads: requests mostly wait on the
# database, so a few per process keep the CPU busy without many processes.
workers = int(os.environ.get("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 8)))
worker_class = "gthread"
threads = 4
# A request that waits on the database longer than COOKIECONSENT_DB_TIMEOUT already got a
# 503; this only ends workers that are truly stuck.
timeout = 30
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then, so a slow leak never grows into an outage.
max_requests = 20000
max_requests_jitter = 2000

# Access log on stdout, without a full IP, query string or referrer path.
accesslog = "-"
errorlog = "-"
loglevel = "info"
logger_class = "cookieconsent.accesslog.PrivateLogger"
access_log_format = '%(h)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
# Behind a reverse proxy, the app reads X-Forwarded-* itself (COOKIECONSENT_PROXY_COUNT).
forwarded_allow_ips = "127.0.0.1,::1"


def post_worker_init(worker):
    """Warm each worker before its first request: a new or recycled worker's first banner is
    then about as quick as its hundredth (bench/RESULTS.md, cold start)."""
    from flask import Flask

    from cookieconsent.embed import payload

    if isinstance(worker.wsgi, Flask):
        try:
            payload.warm_up(worker.wsgi)
        except Exception:  # the first request does the work instead
            worker.log.exception("warm-up failed")
