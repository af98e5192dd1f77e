from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "tracker_rsc.sandbox"
    label = "sandbox"
    verbose_name = "LinkedIn sandbox"
