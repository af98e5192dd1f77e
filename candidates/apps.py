from django.apps import AppConfig
from django.db.models.signals import pre_save

from candidates.derived import apply_on_pre_save


class CandidatesConfig(AppConfig):
    name = "candidates"

    def ready(self) -> None:
        # Derived keys are set on every save, raw ones (fixtures) and data migrations'
        # historical models included; the receiver finds a model's derivations by its label.
        pre_save.connect(apply_on_pre_save, dispatch_uid="candidates.derived.apply_on_pre_save")

        # The admin's CSV uploads run as these tasks (the requisitions app adds its own).
        from candidates import tasks
        from candidates.importing import register_import_task
        from candidates.models import ImportRun

        register_import_task(ImportRun.Kind.CANDIDATES, tasks.candidate_import_run)
        register_import_task(ImportRun.Kind.QUICK_SKILLS, tasks.quick_skill_import_run)
