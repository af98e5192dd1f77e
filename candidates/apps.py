from django.apps import AppConfig


class CandidatesConfig(AppConfig):
    name = "candidates"

    def ready(self) -> None:
        # The admin's CSV uploads run as these tasks (the requisitions app adds its own).
        from candidates import tasks
        from candidates.importing import register_import_task
        from candidates.models import ImportRun

        register_import_task(ImportRun.Kind.CANDIDATES, tasks.candidate_import_run)
        register_import_task(ImportRun.Kind.QUICK_SKILLS, tasks.quick_skill_import_run)
