from django.apps import AppConfig


class SyncjobsConfig(AppConfig):
    name = "syncjobs"
    verbose_name = "Sync jobs"

    def ready(self) -> None:
        # ``receivers`` turns the domain signals into outbox writes (docs/architecture.md §2).
        # ``tasks`` imports every flow module, so that their signal receivers (enabling starts the
        # setup), outbox and push handlers and sync runners are registered in every process (web,
        # manage.py commands, worker), not only where Celery's autodiscovery imports them.
        from syncjobs import receivers, tasks  # noqa: F401
