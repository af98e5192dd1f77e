"""Service ValidationErrors become DRF 400 bodies with field messages."""

from __future__ import annotations

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from rest_framework import serializers

from tracker_rsc.api.views import service_errors


@pytest.mark.parametrize(
    ("error", "detail"),
    [
        (ValidationError({"owners": "Needs one."}), {"owners": ["Needs one."]}),
        (
            ValidationError({NON_FIELD_ERRORS: ["Both wrong."]}),
            {"non_field_errors": ["Both wrong."]},
        ),
        (ValidationError("Plain message."), {"non_field_errors": ["Plain message."]}),
        (ValidationError(["One.", "Two."]), {"non_field_errors": ["One.", "Two."]}),
    ],
)
def test_service_errors_map_to_field_messages(error, detail):
    with pytest.raises(serializers.ValidationError) as raised, service_errors():
        raise error

    assert raised.value.detail == detail


def test_other_exceptions_pass_through():
    with pytest.raises(KeyError), service_errors():
        raise KeyError("not a validation error")
