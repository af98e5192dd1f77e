"""Log context and the optional JSON log format (``LOG_FORMAT=json``).

Every log record gets three attributes, whatever the format: ``task_id`` and ``task_name`` of
the Celery task the process is running (empty outside a task), and ``sync_run_id``, the
``SyncRun`` the code is working on (set by ``bind_sync_run`` when a run is claimed, or passed
as ``extra={"sync_run_id": ...}``). With ``LOG_FORMAT=json`` each line is one JSON object
carrying them, so a log search for one task or one run finds every line it wrote, on whichever
worker it ran.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from typing import Any

from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

_sync_run_id: ContextVar[int | None] = ContextVar("tracker_sync_run_id", default=None)

JSON_FIELDS = (
    "%(asctime)s %(levelname)s %(name)s %(message)s %(process)d "
    "%(task_id)s %(task_name)s %(sync_run_id)s"
)
JSON_RENAMED = {"asctime": "time", "levelname": "level", "name": "logger"}


def bind_sync_run(run_id: int | None) -> None:
    """Tag the log lines that follow (in this task or thread) with ``run_id``."""
    _sync_run_id.set(run_id)


def clear_context(**_: Any) -> None:
    """Forget the bound run; connected to Celery's task_prerun/task_postrun signals."""
    _sync_run_id.set(None)


def _current_task() -> tuple[str, str]:
    try:
        from celery import current_task
    except ImportError:  # pragma: no cover - celery is a dependency
        return "", ""
    task = current_task
    if not task or task.request is None or task.request.id is None:
        return "", ""
    return str(task.request.id), str(task.name or "")


class ContextFilter(logging.Filter):
    """Adds ``task_id``, ``task_name`` and ``sync_run_id`` to every record (never filters)."""

    def filter(self, record: logging.LogRecord) -> bool:
        task_id, task_name = _current_task()
        if not getattr(record, "task_id", None):
            record.task_id = task_id
        if not getattr(record, "task_name", None):
            record.task_name = task_name
        if getattr(record, "sync_run_id", None) is None:
            record.sync_run_id = _sync_run_id.get()
        return True


class JsonFormatter(_JsonFormatter):
    """One JSON object per line: time, level, logger, message, process, task and run ids."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("rename_fields", JSON_RENAMED)
        super().__init__(JSON_FIELDS, *args, **kwargs)
