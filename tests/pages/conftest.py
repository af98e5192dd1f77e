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


@pytest.fixture(autouse=True)
def small_pages(monkeypatch):
    """Pages of six rows, so pagination is exercised with a handful of rows (the machine is
    slow; the selectors read these sizes at call time)."""
    from candidates import selectors_pages as candidate_pages
    from requisitions import selectors_pages as requisition_pages

    monkeypatch.setattr(candidate_pages, "CANDIDATES_PER_PAGE", 6)
    monkeypatch.setattr(candidate_pages, "TIMELINE_PER_PAGE", 6)
    monkeypatch.setattr(requisition_pages, "REQUISITIONS_PER_PAGE", 6)
    monkeypatch.setattr(requisition_pages, "CARDS_PER_PAGE", 6)
