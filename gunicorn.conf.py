"""gunicorn's settings for the production processes (Procfile, docker-compose,
make run-prod, make bench). gunicorn reads this file from the working
directory; flags on the command line win over it (Procfile.dev uses them)."""

import multiprocessing
import os

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"  # noqa: S104

# Sync workers by default: when the CPUs are busy, the kernel hands queued
# connections to free workers first come, first served, whereas threads
# contending for one interpreter lock let some requests wait far longer. In
# the benchmarks that halved the p99 of the API under load
# (benchmarks/README.md). A sync worker is held by a slow client for the whole
# request, so production puts a buffering proxy in front (a load balancer or
# nginx), as gunicorn's deployment guide advises. WEB_WORKER_CLASS=gthread
# with WEB_THREADS > 1 switches to threads.
worker_class = os.environ.get("WEB_WORKER_CLASS", "sync")
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count()))
threads = int(os.environ.get("WEB_THREADS", "1"))
accesslog = os.environ.get("WEB_ACCESS_LOG", "-")
forwarded_allow_ips = "*"
