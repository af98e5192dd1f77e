"""Gunicorn configuration for Tracker RSC: ``gunicorn tracker_rsc.wsgi -c gunicorn.conf.py``.

Every value can be overridden from the environment (the ``GUNICORN_*`` variables in the
README) or on the command line. Used as is by ``make prod-smoke``, the Dockerfile and
``compose.yaml``.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from typing import Any


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


bind = os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{os.environ.get('PORT', '8000')}"
# Sync workers: two per CPU plus one keeps the CPUs busy while some requests wait on the
# database; WEB_CONCURRENCY (the usual platform variable) or GUNICORN_WORKERS override it.
workers = _int("GUNICORN_WORKERS", _int("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = _int("GUNICORN_THREADS", 1)
# A request that takes longer than this is killed and its worker replaced; nothing in a
# request talks to LinkedIn (that is the workers' job), so 30 s is generous.
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycle workers now and then so a slow leak never grows; jitter keeps them from restarting
# together.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100)
# Heartbeat files in memory, not on a possibly slow container disk.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
# Only the proxy in front may set X-Forwarded-*; USE_X_FORWARDED_PROTO tells Django to trust it.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")

# Access and error logs to stdout/stderr (collected by the process manager or the container
# runtime), with the request duration in microseconds.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(D)sus "%(a)s"'


def _callback_token_filter() -> logging.Filter:
    """tracker_rsc.log_redaction's filter, loaded from its file: importing the tracker_rsc
    package would start Celery's app in the master process."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent / "tracker_rsc" / "log_redaction.py"
    spec = importlib.util.spec_from_file_location("tracker_log_redaction", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.CallbackTokenFilter()


# Filters attached to the access log before the first request: the callback token in
# /integrations/linkedin/callback/<token>/ request lines becomes [redacted].
ACCESS_LOG_FILTERS: list[logging.Filter] = [_callback_token_filter()]


def on_starting(server: Any) -> None:
    access = logging.getLogger("gunicorn.access")
    for log_filter in ACCESS_LOG_FILTERS:
        access.addFilter(log_filter)
