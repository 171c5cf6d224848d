"""gunicorn settings for production: ``gunicorn -c gunicorn.conf.py wsgi:app``.

Every value can be overridden from the environment (``GUNICORN_WORKERS``, ``PORT``...).
Registry's requests are short (a page, a verification); long work - printing a seminar's
certificates - runs as a background job, so a modest timeout protects the workers.
"""
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
# Two workers per core plus one: requests wait on the database more than on the CPU.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
# WORKER_CLASS_CHOICE: the worker class, chosen by bench/verification_load.py (see the end of
# bench/README.md for the figures).
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
# Threads per worker, gthread only: with more than one, gunicorn turns "sync" into gthread.
threads = int(os.environ.get("GUNICORN_THREADS", "4" if worker_class == "gthread" else "1"))
# 120 s: ample for the largest participant list (5,000 rows: ~10 s preview + import).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
# A worker is replaced after this many requests (WeasyPrint keeps memory it never returns).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
# The app is imported once, before forking: workers share its code pages.
preload_app = True
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
