from django.apps import AppConfig


class TrackerRscConfig(AppConfig):
    name = "tracker_rsc"
    verbose_name = "LinkedIn integration"
