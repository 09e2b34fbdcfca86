"""gunicorn's settings for `gunicorn statuspage.wsgi` (read from the working directory).

One process per core, four threads each. Cached pages are answered in tens of microseconds
before Django (incidents.cache.CachedAnswers), so a process is busy on its own core rather than
waiting; more processes than cores only take turns and lengthen the slowest answers (`make
bench` measured p99 under load: 30-40 ms this way, 60-80 ms with two per core). The threads keep
a render, a database round trip or a slow client from holding up a whole process.
WEB_CONCURRENCY sets the number of processes; flags on the command line win over this file.
"""

import multiprocessing
import os

wsgi_app = "statuspage.wsgi"
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
threads = 4
# The access log (off unless asked for: `--access-logfile -`) in gunicorn's format, with API
# keys, subscriber links and credential headers redacted (statuspage/gunicorn_logging.py).
logger_class = "statuspage.gunicorn_logging.RedactingLogger"
