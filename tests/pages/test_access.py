"""Every recruiter page needs a signed-in user; the dashboard needs a staff user."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.candidates.factories import CandidateFactory
from tests.requisitions.factories import RequisitionFactory

pytestmark = pytest.mark.django_db


def _page_urls() -> list[tuple[str, str]]:
    candidate = CandidateFactory()
    requisition = RequisitionFactory()
    return [
        ("get", "/candidates/"),
        ("get", f"/candidates/{candidate.pk}/"),
        ("get", f"/candidates/{candidate.pk}/linkedin/"),
        ("get", f"/candidates/{candidate.pk}/cv/"),
        ("post", f"/candidates/{candidate.pk}/save/"),
        ("post", f"/candidates/{candidate.pk}/linkedin/link/"),
        ("post", f"/candidates/{candidate.pk}/linkedin/unlink/"),
        ("get", "/requisitions/"),
        ("get", f"/requisitions/{requisition.pk}/"),
    ]


def test_every_recruiter_page_redirects_anonymous_users_to_sign_in():
    client = Client()
    for method, url in _page_urls():
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"] == f"/accounts/login/?next={url}", url


def test_anonymous_save_changes_nothing():
    candidate = CandidateFactory()
    before = candidate.updated_at
    Client().post(f"/candidates/{candidate.pk}/save/")
    candidate.refresh_from_db()
    assert candidate.updated_at == before


def test_root_redirects_to_the_candidate_list(unseated_client):
    response = unseated_client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/candidates/"


def test_login_page_renders_the_sign_in_form():
    response = Client().get("/accounts/login/?next=/candidates/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="username"' in html and 'name="password"' in html
    assert 'value="/candidates/"' in html


def test_sign_in_with_a_password_lands_on_the_candidate_list(unseated_user):
    client = Client()
    response = client.post(
        "/accounts/login/",
        {"username": "unseated", "password": "pass-word-123", "next": "/candidates/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/candidates/"
    assert client.get("/candidates/").status_code == 200


def test_dashboard_is_for_staff_only(unseated_client):
    for url in ("/admin/dashboard/", "/admin/dashboard/progress.json"):
        response = unseated_client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/admin/login/"), url
        assert Client().get(url).status_code == 302


def test_dashboard_opens_for_staff(admin_client_):
    response = admin_client_.get("/admin/dashboard/")
    assert response.status_code == 200
    assert b"Bulk sync" in response.content


def test_admin_index_links_to_the_dashboard(admin_client_):
    response = admin_client_.get("/admin/")
    html = response.content.decode()
    assert 'href="/admin/dashboard/"' in html
    assert "Tracker RSC · administration" in html
