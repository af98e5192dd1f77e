from django.apps import AppConfig


class SyncjobsConfig(AppConfig):
    name = "syncjobs"
    verbose_name = "Sync jobs"

    def ready(self) -> None:
        # Connects the receivers of the domain signals (DESIGN §2): outbox writes.
        from syncjobs import receivers  # noqa: F401

        # Every flow module: their signal receivers (enabling starts the setup), outbox and
        # push handlers and sync runners must be registered in every process (web, manage.py
        # commands, worker), not only where Celery's autodiscovery happens to import them.
        from syncjobs import tasks  # noqa: F401
