from django.apps import AppConfig


class TrackerRscConfig(AppConfig):
    name = "tracker_rsc"
    verbose_name = "LinkedIn integration"

    def ready(self) -> None:
        # Registers the fail-closed system checks (DEBUG off with unsafe settings).
        from tracker_rsc import checks  # noqa: F401
