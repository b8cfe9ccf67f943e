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
# The addresses whose X-Forwarded-Proto (and other forwarding headers) gunicorn
# believes: gunicorn's own default, loopback, unless FORWARDED_ALLOW_IPS names
# the load balancer (addresses or networks, comma-separated). "*" would let
# any client claim HTTPS. The client address the app's limits use is set
# apart, by TRUSTED_PROXY_COUNT (o2o.http.client_ip).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")


def post_worker_init(worker):  # type: ignore[no-untyped-def]
    """Keep the garbage collector off the objects every worker holds for good.

    A warm worker tracks about 175,000 objects: modules, models, URL patterns,
    settings. Python's full collection walks all of them, which took 73 ms of
    CPU here, a stall for the request in flight whenever one comes due (about
    every few seconds under load). Freezing what is loaded once the worker has
    imported every view (the URLconf) leaves a full collection about 56,000
    young objects (11 ms); benchmarks/README.md has the figures.
    """
    import gc

    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018  # imports every view module
    from offers import words

    words.warm_up()  # the search's dictionaries, before the first search needs them
    gc.collect()  # garbage now would otherwise be kept for good
    gc.freeze()
