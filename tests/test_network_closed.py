"""Tests may reach loopback only: a call to any other host fails instead of leaving the machine."""

from __future__ import annotations

import socket

import pytest
import requests
from pytest_socket import SocketConnectBlockedError

from tracker_rsc.linkedin import client_from_settings

# Each refusal below also warns; the warning is the point, not noise.
pytestmark = pytest.mark.filterwarnings("ignore:A test tried to use socket:UserWarning")

# TEST-NET-1 (RFC 5737): never routed, so even a leak would not reach anyone.
OUTSIDE = "192.0.2.10"


def test_a_socket_to_a_non_loopback_address_is_refused():
    with pytest.raises(SocketConnectBlockedError, match=OUTSIDE):
        socket.create_connection((OUTSIDE, 443), timeout=1)


def test_an_http_call_to_a_real_host_is_refused():
    with pytest.raises(SocketConnectBlockedError):
        requests.get(f"https://{OUTSIDE}/v2/me", timeout=1)


def test_the_linkedin_client_cannot_reach_a_real_linkedin(settings, tmp_path):
    settings.LINKEDIN_TOKEN_URL = f"https://{OUTSIDE}/oauth/v2/accessToken"
    settings.LINKEDIN_API_URL = f"https://{OUTSIDE}/rest"
    settings.LINKEDIN_CLIENT_ID, settings.LINKEDIN_CLIENT_SECRET = "id", "secret"
    settings.LINKEDIN_RETRY_ATTEMPTS = 1
    settings.VAR_DIR = tmp_path

    # The refusal is not a network error the client would retry or report as LinkedIn's.
    with pytest.raises(SocketConnectBlockedError, match=OUTSIDE):
        client_from_settings(organization_urn="urn:li:organization:1").check_credentials()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_loopback_stays_open(host):
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        with socket.create_connection((host, port), timeout=1):
            accepted, _ = server.accept()
            accepted.close()
