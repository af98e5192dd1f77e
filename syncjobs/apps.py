from django.apps import AppConfig


class SyncjobsConfig(AppConfig):
    name = "syncjobs"
    verbose_name = "Sync jobs"

    def ready(self) -> None:
        # Connects the receivers of the domain signals (DESIGN §2): outbox writes.
        from syncjobs import receivers  # noqa: F401
