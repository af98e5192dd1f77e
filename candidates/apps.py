from django.apps import AppConfig
from django.db.models.signals import pre_save

from candidates.derived import apply_on_pre_save


class CandidatesConfig(AppConfig):
    name = "candidates"

    def ready(self) -> None:
        # Derived keys are set on every save, raw ones (fixtures) and data migrations'
        # historical models included; the receiver finds a model's derivations by its label.
        pre_save.connect(apply_on_pre_save, dispatch_uid="candidates.derived.apply_on_pre_save")
