"""Celery tasks of the candidates app: the admin's CSV imports (ids in, one service call)."""

from __future__ import annotations

from celery import shared_task

from candidates.candidate_import import CandidateImporter
from candidates.importing import import_run_execute, import_task_time_limits
from candidates.skill_import import QuickSkillImporter

_SOFT, _HARD = import_task_time_limits()


@shared_task(name="candidates.tasks.candidate_import_run", soft_time_limit=_SOFT, time_limit=_HARD)
def candidate_import_run(run_id: int) -> str:
    """Run an uploaded candidate import; a run already claimed is left alone."""
    return import_run_execute(
        run_id=run_id,
        importer_factory=lambda run: CandidateImporter(
            overwrite=run.overwrite, actor=run.created_by
        ),
    )


@shared_task(
    name="candidates.tasks.quick_skill_import_run", soft_time_limit=_SOFT, time_limit=_HARD
)
def quick_skill_import_run(run_id: int) -> str:
    """Run an uploaded Quick Skills import; a run already claimed is left alone."""
    return import_run_execute(run_id=run_id, importer_factory=lambda run: QuickSkillImporter())
