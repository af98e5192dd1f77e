from django.apps import AppConfig


class RequisitionsConfig(AppConfig):
    name = "requisitions"

    def ready(self) -> None:
        # Connects attach_member_activities to candidates.signals.candidates_linked.
        from requisitions import services  # noqa: F401
