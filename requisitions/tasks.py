"""Celery tasks of the requisitions app: the admin's CSV import (ids in, one service call)."""

from __future__ import annotations

from celery import shared_task

from candidates.importing import import_run_execute, import_task_time_limits
from requisitions.requisition_import import RequisitionImporter

_SOFT, _HARD = import_task_time_limits()


@shared_task(
    name="requisitions.tasks.requisition_import_run", soft_time_limit=_SOFT, time_limit=_HARD
)
def requisition_import_run(run_id: int) -> str:
    """Run an uploaded requisition import; a run already claimed is left alone."""
    return import_run_execute(
        run_id=run_id,
        importer_factory=lambda run: RequisitionImporter(
            overwrite=run.overwrite, actor=run.created_by
        ),
    )
