from django.apps import AppConfig


class RequisitionsConfig(AppConfig):
    name = "requisitions"

    def ready(self) -> None:
        # Connects attach_member_activities to candidates.signals.candidates_linked.
        from candidates.importing import register_import_task
        from candidates.models import ImportRun
        from requisitions import (
            services,  # noqa: F401
            tasks,
        )

        # The admin's CSV upload of requisitions runs as this task.
        register_import_task(ImportRun.Kind.REQUISITIONS, tasks.requisition_import_run)
