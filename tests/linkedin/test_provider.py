"""The one seam to LinkedIn: ``get_client()`` and the ``LinkedInAPI`` Protocol it returns."""

from __future__ import annotations

import inspect
from typing import cast

import pytest

import syncjobs.seat_sync
from tracker_rsc import linkedin
from tracker_rsc.linkedin import LinkedInAPI, LinkedInClient, client_override, get_client


def protocol_members() -> set[str]:
    return {
        name
        for name in vars(LinkedInAPI)
        if not name.startswith("_") and name not in {"_is_protocol", "_is_runtime_protocol"}
    }


def test_without_an_override_the_client_comes_from_settings(settings, tmp_path):
    settings.LINKEDIN_API_URL = "https://api.example.test/rest"
    settings.LINKEDIN_VERSION = "202604"
    settings.VAR_DIR = tmp_path

    client = get_client(organization_urn="urn:li:organization:1")

    assert type(client) is LinkedInClient
    assert client.organization_urn == "urn:li:organization:1"
    assert isinstance(client, LinkedInAPI)


def test_an_override_reaches_flows_that_imported_get_client_by_name():
    fake = cast(LinkedInAPI, object())

    with client_override(fake):
        assert syncjobs.seat_sync.get_client() is fake
        assert linkedin.get_client(organization_urn="urn:li:organization:9") is fake

    assert syncjobs.seat_sync.get_client() is not fake


def test_the_override_ends_when_the_block_raises():
    fake = cast(LinkedInAPI, object())

    with pytest.raises(LookupError), client_override(fake):
        raise LookupError("the test failed inside the block")

    assert get_client() is not fake


def test_a_second_override_is_refused_rather_than_stacked():
    first, second = cast(LinkedInAPI, object()), cast(LinkedInAPI, object())

    with client_override(first):
        with pytest.raises(RuntimeError, match="already active"), client_override(second):
            pass
        assert get_client() is first


def test_the_protocol_names_every_public_call_of_the_client_with_its_signature():
    public = {
        name
        for name, value in vars(LinkedInClient).items()
        if not name.startswith("_") and (callable(value) or isinstance(value, property))
    }

    assert public == protocol_members()
    for name in public - {"organization_urn"}:
        expected = inspect.signature(getattr(LinkedInClient, name))
        assert inspect.signature(getattr(LinkedInAPI, name)) == expected, name
