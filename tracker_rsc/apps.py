from django.apps import AppConfig
from django.db.models.signals import post_migrate, post_save


def _ensure_recruiters_group(sender, **kwargs):
    from tracker_rsc.roles import recruiters_group_ensure

    recruiters_group_ensure()


def _new_user_is_a_recruiter(sender, instance, created, raw=False, **kwargs):
    # Every new non-staff user is a recruiter (one explicit place: the Recruiters group);
    # staff get the permissions an admin grants them.
    if created and not raw and not (instance.is_staff or instance.is_superuser):
        from tracker_rsc.roles import recruiter_grant

        recruiter_grant(instance)


class TrackerRscConfig(AppConfig):
    name = "tracker_rsc"
    verbose_name = "LinkedIn integration"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model

        # Registers the fail-closed system checks (DEBUG off with unsafe settings).
        from tracker_rsc import checks  # noqa: F401

        # drf-spectacular extensions register on import, as its documentation advises here.
        from tracker_rsc.api import schema_auth  # noqa: F401

        # After the last app's permissions exist (post_migrate of every app; idempotent).
        post_migrate.connect(_ensure_recruiters_group, dispatch_uid="tracker_rsc_recruiters")
        post_save.connect(
            _new_user_is_a_recruiter,
            sender=get_user_model(),
            dispatch_uid="tracker_rsc_new_user_recruiter",
        )
