"""Fixtures for the recruiter pages: signed-in clients with and without a Recruiter seat."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.tracker_rsc.factories import LinkedInSeatFactory, UserFactory


@pytest.fixture
def seated_user(db):
    user = UserFactory(username="seated", first_name="Sam", last_name="Seated")
    LinkedInSeatFactory(user=user)
    return user


@pytest.fixture
def unseated_user(db):
    return UserFactory(username="unseated", first_name="Una", last_name="Unseated")


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def seated_client(seated_user) -> Client:
    return _client_for(seated_user)


@pytest.fixture
def unseated_client(unseated_user) -> Client:
    return _client_for(unseated_user)


@pytest.fixture
def admin_client_(admin_user) -> Client:
    return _client_for(admin_user)
