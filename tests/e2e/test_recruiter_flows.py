"""End to end in headless Chromium: sign-in, search, the LinkedIn panel, Save, shortlists, and
the admin dashboard's live progress bar."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from candidates.models import MemberLink
from requisitions.models import Activity, Placement
from syncjobs.models import OutboxEvent, SyncRun
from syncjobs.outbox import outbox_claim, outbox_due_ids, outbox_process
from tests.candidates.factories import CandidateFactory, CandidateSkillFactory, MemberLinkFactory
from tests.e2e.conftest import screenshot, sign_in
from tests.requisitions.factories import (
    ActivityFactory,
    PlacementFactory,
    ProjectConnectionFactory,
    RequisitionFactory,
)
from tests.syncjobs.candidate_fakes import candidate_linkedin  # noqa: F401  (fixture)
from tests.syncjobs.factories import SyncRunFactory
from tests.tracker_rsc.factories import (
    AdminUserFactory,
    LinkedInSeatFactory,
    UserFactory,
    enabled_integration,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PERSON_URN = "urn:li:person:JaneDoeE2E"
INMAIL_BODY = "Hello Jane, would you consider a move to Leeds?"
LINK_REASON = "LinkedIn matched the profile URL"


@pytest.fixture
def jane():
    candidate = CandidateFactory(
        first_name="Jane",
        last_name="Doe",
        email="jane.doe@example.com",
        current_title="Senior Data Engineer",
        current_company="Acme",
        location="London",
        linkedin_profile_url="https://www.linkedin.com/in/jane-doe-e2e",
        cv_text="Jane Doe\nSenior Data Engineer at Acme\nPython, Spark, SQL",
    )
    for name in ("Python", "Apache Spark", "SQL"):
        CandidateSkillFactory(candidate=candidate, skill__name=name)
    MemberLinkFactory(
        candidate=candidate,
        person_urn=PERSON_URN,
        method=MemberLink.Method.BULK_SYNC,
        matched_on=MemberLink.MatchedOn.PROFILE_URL,
        score=0.98,
        reason=LINK_REASON,
    )
    ActivityFactory(
        candidate=candidate, kind=Activity.Kind.INMAIL, subject="A role in Leeds", body=INMAIL_BODY
    )
    ActivityFactory(candidate=candidate, kind=Activity.Kind.NOTE, body="Open to hybrid work")
    ActivityFactory(candidate=candidate, kind=Activity.Kind.SYSTEM, subject="Record created")
    CandidateFactory.create_batch(8)
    return candidate


def _seated(username: str):
    user = UserFactory(username=username, first_name="Sam", last_name="Seated")
    LinkedInSeatFactory(user=user)
    return user


def test_sign_in_search_and_open_a_candidate(page, jane):
    _seated("sam")
    page.goto("/candidates/")
    page.wait_for_url(re.compile(r".*/accounts/login/\?next=/candidates/$"))
    screenshot(page, "01-login")
    sign_in(page, "sam")
    assert page.locator("#candidate-list tbody tr").count() == 9
    screenshot(page, "02-candidate-list")
    page.fill("input[name=q]", "jane do")
    page.click("form[role=search] button[type=submit]")
    page.wait_for_url(re.compile(r".*q=jane\+do.*"))
    rows = page.locator("#candidate-list tbody tr")
    assert rows.count() == 1
    rows.first.locator("a.name").click()
    page.wait_for_url(f"**/candidates/{jane.pk}/")
    assert page.locator("h1").inner_text() == "Jane Doe"
    assert page.get_by_text("Apache Spark").is_visible()
    page.get_by_text("Extracted text").click()
    assert page.get_by_text("Python, Spark, SQL").is_visible()
    screenshot(page, "03-candidate-page")


def test_linkedin_panel_for_a_seated_recruiter(page, jane):
    _seated("sam")
    sign_in(page, "sam", next_url=f"/candidates/{jane.pk}/")
    assert page.locator("#linkedin-panel").is_hidden()
    page.click("#linkedin-panel-button")
    panel = page.locator("#linkedin-panel-content")
    panel.wait_for()
    assert panel.get_attribute("data-seated") == "true"
    text = panel.inner_text()
    assert PERSON_URN in text and LINK_REASON in text and INMAIL_BODY in text
    assert page.locator("#linkedin-panel-button").inner_text() == "Close LinkedIn panel"
    screenshot(page, "04-linkedin-panel-seated")


def test_linkedin_panel_for_an_unseated_recruiter(page, jane):
    UserFactory(username="una", first_name="Una", last_name="Unseated")
    sign_in(page, "una", next_url=f"/candidates/{jane.pk}/")
    page.click("#linkedin-panel-button")
    prompt = page.locator("[data-testid=recruiter-prompt]")
    prompt.wait_for()
    assert "Sign in with LinkedIn" in prompt.inner_text()
    html = page.content()
    for secret in (PERSON_URN, LINK_REASON):
        assert secret not in html
    assert "Record created" in html  # Tracker's own events stay visible
    # InMails and notes synced into Tracker are Tracker records, visible without a seat.
    assert INMAIL_BODY in html and "Open to hybrid work" in html
    screenshot(page, "05-linkedin-panel-unseated")
    # The prompt's Sign in with LinkedIn round trip is tested in test_signin_with_linkedin.py.


def test_save_shows_the_flash_the_queued_state_then_the_sync_done(page, jane, candidate_linkedin):  # noqa: F811
    integration = enabled_integration()
    SyncRunFactory(  # the bulk sync is behind us: live sync sends at once
        kind=SyncRun.Kind.BULK_SYNC,
        status=SyncRun.Status.SUCCEEDED,
        cursor={"organization_urn": integration.organization_urn},
    )
    jane.linkedin_synced_at = timezone.now()
    jane.save(update_fields=["linkedin_synced_at"])
    _seated("sam")
    sign_in(page, "sam", next_url=f"/candidates/{jane.pk}/")
    assert page.locator("[data-sync-state]").first.get_attribute("data-sync-state") == "synced"
    page.click("#save-button")
    page.wait_for_load_state()
    flash = page.locator(".msg-success")
    assert "Saved Jane Doe" in flash.inner_text()
    state = page.locator("[data-sync-state]").first
    assert state.get_attribute("data-sync-state") == "queued"
    assert state.inner_text().strip() == "Queued"
    # With no worker running, the save waits in the outbox.
    assert OutboxEvent.objects.filter(
        aggregate="candidate", object_id=str(jane.pk), status=OutboxEvent.Status.PENDING
    ).exists()
    screenshot(page, "06-candidate-saved")

    # What the worker does: send the queued save to LinkedIn (a fake one here).
    while ids := outbox_due_ids():
        outbox_process(events=outbox_claim(event_ids=ids))
    assert [str(jane.pk)] in candidate_linkedin.upsert_batches
    page.reload()
    state = page.locator("[data-sync-state]").first
    assert state.get_attribute("data-sync-state") == "synced"


def test_requisition_shortlist_cards_show_rank_badges(page):
    UserFactory(username="una")
    requisition = RequisitionFactory(title="Senior Data Engineer", client_name="Acme")
    ProjectConnectionFactory(requisition=requisition, hiring_assistant_automation=False)
    labels = {}
    for rank in Placement.Rank:
        placement = PlacementFactory(
            requisition=requisition,
            candidate=CandidateFactory(),
            rank=rank.value,
            evaluated_at=timezone.now(),
            evaluation_basis=Placement.Basis.RESUME_AND_PROFILE,
        )
        ActivityFactory(
            candidate=placement.candidate,
            placement=placement,
            kind=Activity.Kind.EVALUATION_SUMMARY,
            subject=f"Evaluation: {rank.label}",
            body=f"Summary for {rank.label}: meets the key qualifications.",
        )
        labels[placement.pk] = rank.label
    PlacementFactory(requisition=requisition, candidate=CandidateFactory())
    sign_in(page, "una", next_url="/requisitions/")
    page.get_by_role("link", name="Senior Data Engineer").click()
    page.wait_for_url(f"**/requisitions/{requisition.pk}/")
    for placement_pk, label in labels.items():
        card = page.locator(f"[data-placement-id='{placement_pk}']")
        assert card.locator(".rank").inner_text() == label
    assert page.locator("#automation-hint").is_visible()
    top = next(pk for pk, label in labels.items() if label == "Top candidate")
    card = page.locator(f"[data-placement-id='{top}']")
    summary = card.get_by_text("Summary for Top candidate")
    assert summary.is_hidden()
    card.get_by_text("Evaluation summary").click()
    assert summary.is_visible()
    screenshot(page, "07-requisition-shortlist")


def test_admin_sees_bulk_sync_progress_move_without_reloading(page):
    AdminUserFactory(username="boss")
    enabled_integration()
    run = SyncRunFactory(
        status=SyncRun.Status.RUNNING,
        total=1000,
        processed=100,
        linked=40,
        skipped={"no_email": 20},
        started_at=timezone.now(),
    )
    sign_in(page, "boss", next_url="/admin/dashboard/")
    assert page.locator("#bulk-percent").inner_text() == "12"
    page.evaluate("window.__notReloaded = true")
    SyncRun.objects.filter(pk=run.pk).update(
        processed=580, linked=333, skipped={"no_email": 20, "erased": 5}
    )
    page.wait_for_function(
        "document.querySelector('#bulk-percent').textContent === '60'", timeout=20_000
    )
    assert page.evaluate("window.__notReloaded") is True
    assert page.locator("#bulk-linked").inner_text() == "333"
    assert page.locator("#bulk-bar").get_attribute("style") == "width: 60%;"
    assert "5 erased" in page.locator("#bulk-skipped-reasons").inner_text()
    screenshot(page, "08-admin-dashboard")
    page.goto("/admin/")
    assert page.get_by_role("link", name="Open the sync dashboard").is_visible()
    screenshot(page, "09-admin-index")
