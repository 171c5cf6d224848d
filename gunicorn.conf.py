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
# gthread, 4 threads a worker: chosen with bench/verification_load.py, which runs each worker
# class as configured here with the same client for the page and the static ceiling
# (bench/README.md, "Worker classes"). Threads keep nginx's upstream connections alive
# (keepalive 16 in deploy/nginx-registry.conf; a sync worker closes every connection after
# one response), so a verification pays no new connection: 1.2-3.3x the verifications per
# second of sync with the same 5 workers in every run (the busier the machine, the more), at a
# lower median latency. And a slow request (a long
# participant list, a large PDF) holds one thread, not a whole worker: 5 of them no longer
# leave the site unanswered. gevent is not installed (nor needed). The app is thread-safe
# where it keeps state: sessions per request, locked caches (reports, verification pages).
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
# Threads per worker, gthread only: with more than one, gunicorn turns "sync" into gthread.
threads = int(os.environ.get("GUNICORN_THREADS", "4" if worker_class == "gthread" else "1"))
# 120 s: ample for the largest participant list (5,000 rows: ~10 s preview + import). Under
# gthread it is how long a worker may stop answering gunicorn (hung), not a limit on one
# request - a request does not kill its worker by taking long.
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
