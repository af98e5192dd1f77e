"""The control page (HTML with CSRF) and the control JSON API; the sandbox is absent when off."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from django.test import Client

import tracker_rsc
from tests.sandbox.conftest import CLIENT_ID, CLIENT_SECRET
from tests.sandbox.factories import MemberFactory
from tracker_rsc.sandbox.models import (
    ApiCall,
    AtsCandidate,
    Fault,
    Member,
    ProspectNote,
    SandboxSettings,
)

CONTROL = "/sandbox/linkedin/control/"


def test_control_page_renders_every_section(staff_client, seats, member):
    response = staff_client.get(CONTROL)

    assert response.status_code == 200
    html = response.content.decode()
    for section in ("overview", "members", "recruiter", "projects", "ats", "pushes", "faults"):
        assert f'id="{section}"' in html
    assert member.full_name in html
    assert seats["admin"].urn in html
    assert "csrfmiddlewaretoken" in html


def test_forms_are_protected_by_csrf(sandbox_staff):
    client = Client(enforce_csrf_checks=True)
    client.force_login(sandbox_staff)

    response = client.post(f"{CONTROL}action/member-add", {"first_name": "Ann", "last_name": "Lee"})

    assert response.status_code == 403
    assert not Member.objects.exists()


def test_a_form_with_its_token_runs_the_action_and_reports(sandbox_staff):
    client = Client(enforce_csrf_checks=True)
    client.force_login(sandbox_staff)
    page = client.get(CONTROL)
    token = page.cookies["csrftoken"].value

    response = client.post(
        f"{CONTROL}action/member-add",
        {
            "csrfmiddlewaretoken": token,
            "first_name": "Ann",
            "last_name": "Lee",
            "emails": "ann@example.com, ann.lee@work.example",
            "skills": "Python, SQL",
            "next_anchor": "members",
        },
        follow=True,
    )

    assert response.status_code == 200
    member = Member.objects.get()
    assert member.emails == ["ann@example.com", "ann.lee@work.example"]
    assert member.skills == ["Python", "SQL"]
    assert "Added Ann Lee." in response.content.decode()


def test_a_refused_form_shows_the_reason_and_changes_nothing(staff_client, seats, member):
    response = staff_client.post(
        f"{CONTROL}action/export",
        {"seat": seats["user"].urn, "member": member.person_urn, "requisition_id": "404"},
        follow=True,
    )

    assert "404 is not among the jobs" in response.content.decode()


def test_json_api_members_add_validate_and_list(li):
    created = li.control(
        "members",
        {
            "first_name": "Ann",
            "last_name": "Lee",
            "emails": ["ann@example.com"],
            "profile_url": "https://uk.linkedin.com/in/ann-lee",
        },
    )
    refused = li.control(
        "members", {"first_name": "Bo", "last_name": "Ng", "profile_url": "https://x.org/ann"}
    )
    listed = li.client.get("/sandbox/linkedin/control/api/members").json()["members"]

    assert created.status_code == 200
    assert refused.status_code == 400
    assert "profile_url" in refused.json()["error"]
    assert [m["first_name"] for m in listed] == ["Ann"]
    assert listed[0]["person_urn"].startswith("urn:li:person:")


def test_a_member_without_a_profile_url_gets_one(li):
    li.control("members", {"first_name": "Zoë", "last_name": "O'Brien"})

    member = Member.objects.get()
    assert member.profile_url.startswith("https://www.linkedin.com/in/zoe-o-brien-")


def test_notes_are_added_and_deactivated_through_the_api(li, seats, member):
    note_id = li.control(
        "note-add", {"seat": seats["user"].urn, "member": member.person_urn, "note": "Call back"}
    ).json()["note_id"]

    response = li.control("note-deactivate", {"note_id": note_id})

    assert response.status_code == 200
    assert ProspectNote.objects.get(note_id=note_id).active is False


def test_inmail_and_acceptance_through_the_api(li, seats, member):
    sent = li.control(
        "inmail",
        {"seat": seats["user"].urn, "member": member.person_urn, "subject": "Hi", "body": "Chat?"},
    )
    accepted = li.control("inmail-accept", {"seat": seats["user"].urn, "member": member.person_urn})

    assert sent.status_code == 200
    assert accepted.status_code == 200
    assert member.mail_stubs.count() == 1


def test_settings_api_updates_and_validates(li):
    updated = li.control("settings", {"records_per_minute": 500, "rate_limits_enabled": False})
    refused = li.control("settings", {"records_per_minute": "many"})
    unknown = li.control("settings", {"colour": "blue"})

    assert updated.status_code == 200
    config = SandboxSettings.get()
    assert (config.records_per_minute, config.rate_limits_enabled) == (500, False)
    assert refused.status_code == 400
    assert unknown.status_code == 200  # unknown names are ignored by the page's handler
    assert SandboxSettings.get().records_per_minute == 500


def test_reset_forgets_the_ats_data_but_keeps_the_directory(li, seats, member):
    li.upsert_candidates({"1": {"firstName": "x"}})
    li.control("fault-add", {"kind": "http_500", "count": 1, "endpoint": "seatsV2"})

    response = li.control("reset")

    assert response.status_code == 200
    assert not AtsCandidate.objects.exists()
    assert not ApiCall.objects.exists()
    assert not Fault.objects.exists()
    assert Member.objects.filter(pk=member.pk).exists()


def test_full_reset_empties_the_directory_too(li, seats):
    MemberFactory()

    li.control("reset", {"keep_directory": False})

    assert not Member.objects.exists()


def test_unknown_action_and_bad_json(li):
    unknown = li.control("explode")
    bad = li.client.post(
        "/sandbox/linkedin/control/api/export", "{nope", content_type="application/json"
    )

    assert unknown.status_code == 404
    assert bad.status_code == 400


def test_state_and_candidates_inspection(li, member):
    li.upsert_candidates(
        {
            "1": {
                "firstName": "Jane",
                "lastName": "Doe",
                "emailAddresses": ["jane@example.com"],
                "externalProfileUrl": "http://testserver/candidates/1/",
                "atsCreatedAt": 1,
                "atsLastModifiedAt": 2,
            }
        }
    )

    candidates = li.client.get("/sandbox/linkedin/control/api/candidates").json()
    state = li.client.get("/sandbox/linkedin/control/api/state").json()

    assert candidates["candidates"][0]["matched_members"] == [member.person_urn]
    assert candidates["candidates"][0]["match_rule"] == "email"
    assert state["counts"]["candidates"] == 1


def test_sandbox_urls_are_absent_when_the_sandbox_is_off(client, settings, db):
    settings.LINKEDIN_SANDBOX = False
    path = Path(tracker_rsc.__file__).parent / "urls.py"
    spec = importlib.util.spec_from_file_location("tracker_rsc_urls_sandbox_off", path)
    urls_off = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(urls_off)
    settings.ROOT_URLCONF = urls_off

    assert client.get(CONTROL).status_code == 404
    assert client.post("/sandbox/linkedin/oauth/v2/accessToken").status_code == 404


# --- Only a logged-in staff user, with CSRF, acts as LinkedIn ----------------------------------

API = "/sandbox/linkedin/control/api"
MEMBER = {"first_name": "Ann", "last_name": "Lee"}


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", f"{API}/member-add", MEMBER),
        ("post", f"{API}/members", MEMBER),
        ("post", f"{API}/settings", {"records_per_minute": 1}),
        ("post", f"{API}/fault-add", {"kind": "http_500"}),
        ("delete", f"{API}/faults", None),
        ("post", f"{API}/reset", {"keep_directory": False}),
        ("get", f"{API}/state", None),
        ("get", f"{API}/members", None),
        ("get", f"{API}/pushes", None),
        ("get", f"{API}/stats", None),
        ("get", f"{API}/applications", None),
        ("get", f"{API}/candidates", None),
        ("get", f"{API}/faults", None),
        ("get", f"{API}/settings", None),
    ],
)
def test_control_api_needs_a_login_then_staff(method, path, body, db, recruiter, member):
    def call(client):
        kwargs = {"content_type": "application/json"} if body is not None else {}
        return getattr(client, method)(path, json.dumps(body) if body else None, **kwargs)

    anonymous = call(Client())
    not_staff = Client()
    not_staff.force_login(recruiter)
    refused = call(not_staff)

    assert anonymous.status_code == 401
    assert "Log in as a staff user" in anonymous.json()["error"]
    assert refused.status_code == 403
    assert "staff users only" in refused.json()["error"]
    assert list(Member.objects.all()) == [member]  # nothing added, nothing reset
    assert not Fault.objects.exists()
    assert SandboxSettings.get().records_per_minute == 10_000


def test_an_inactive_staff_user_is_refused(db, sandbox_staff):
    client = Client()
    client.force_login(sandbox_staff)
    sandbox_staff.is_active = False
    sandbox_staff.save()

    assert client.get(f"{API}/state").status_code in (401, 403)


def test_control_page_and_forms_send_a_visitor_to_log_in(db, recruiter):
    page = Client().get(CONTROL)
    form = Client().post(f"{CONTROL}action/member-add", MEMBER)
    not_staff = Client()
    not_staff.force_login(recruiter)

    assert page.status_code == 302 and page["Location"].startswith("/accounts/login/?next=")
    assert form.status_code == 302 and not Member.objects.exists()
    assert not_staff.get(CONTROL).status_code == 403
    assert not_staff.post(f"{CONTROL}action/member-add", MEMBER).status_code == 403
    assert not Member.objects.exists()


def test_control_api_writes_need_the_csrf_token(sandbox_staff):
    client = Client(enforce_csrf_checks=True)
    client.force_login(sandbox_staff)

    without = client.post(f"{API}/members", json.dumps(MEMBER), content_type="application/json")
    wrong = client.post(
        f"{API}/reset", "{}", content_type="application/json", headers={"X-CSRFToken": "x" * 32}
    )
    assert without.status_code == 403 and wrong.status_code == 403
    assert "CSRF check failed" in without.json()["error"]
    assert not Member.objects.exists()

    token = client.get(CONTROL).cookies["csrftoken"].value
    with_token = client.post(
        f"{API}/members",
        json.dumps(MEMBER),
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert with_token.status_code == 200, with_token.content
    assert Member.objects.get().first_name == "Ann"


def test_linkedin_facing_endpoints_stay_token_authenticated_without_login_or_csrf(db):
    client = Client(enforce_csrf_checks=True)  # Tracker's client: no session, no CSRF cookie

    token = client.post(
        "/sandbox/linkedin/oauth/v2/accessToken",
        {
            "grant_type": "client_credentials",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        },
    )
    seats = client.get(
        "/sandbox/linkedin/v2/seatsV2?q=contract&contract=urn:li:contract:1",
        headers={"Authorization": f"Bearer {token.json()['access_token']}"},
    )

    assert token.status_code == 200
    assert seats.status_code != 403


def test_the_challenge_action_never_fetches_a_caller_supplied_url(li):
    refused = li.control("challenge", {"url": "http://169.254.169.254/latest/meta-data/"})

    assert refused.status_code == 400
    assert "url: not accepted" in refused.json()["error"]
