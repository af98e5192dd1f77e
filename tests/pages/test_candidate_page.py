"""The candidate page: profile, skills, CV, shortlists, timeline and the Save button."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from candidates import selectors_pages
from candidates.models import Candidate
from candidates.signals import candidate_saved
from requisitions.models import Activity, Placement
from tests.candidates.factories import CandidateFactory, CandidateSkillFactory, QuickSkillFactory
from tests.requisitions.factories import ActivityFactory, PlacementFactory
from tests.tracker_rsc.factories import enabled_integration

pytestmark = pytest.mark.django_db


def test_page_shows_profile_skills_cv_and_shortlists(seated_client):
    candidate = CandidateFactory(
        first_name="Ada",
        last_name="Lovelace",
        current_title="Analyst",
        current_company="Engines Ltd",
        cv_text="Worked on the Analytical Engine.",
    )
    candidate.cv_file.save("ada-cv.pdf", ContentFile(b"%PDF-1.4 cv"), save=True)
    CandidateSkillFactory(candidate=candidate, skill=QuickSkillFactory(name="Mathematics"))
    placement = PlacementFactory(
        candidate=candidate, stage=Placement.Stage.INTERVIEW, rank=Placement.Rank.QUALIFIED
    )
    response = seated_client.get(f"/candidates/{candidate.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Ada Lovelace" in html and "Engines Ltd" in html
    assert "Mathematics" in html
    assert f'href="/candidates/{candidate.pk}/cv/"' in html
    assert "Worked on the Analytical Engine." in html
    assert placement.requisition.title in html
    assert "Interview" in html and "Qualified" in html


def test_cv_download_serves_the_file(seated_client):
    candidate = CandidateFactory()
    candidate.cv_file.save("cv.pdf", ContentFile(b"%PDF-1.4 the cv"), save=True)
    response = seated_client.get(f"/candidates/{candidate.pk}/cv/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 the cv"
    assert "attachment" in response["Content-Disposition"]


def test_cv_download_404_without_a_file(seated_client):
    candidate = CandidateFactory()
    assert seated_client.get(f"/candidates/{candidate.pk}/cv/").status_code == 404


def test_missing_candidate_is_404(seated_client):
    assert seated_client.get("/candidates/999999/").status_code == 404


def test_timeline_is_newest_first_and_pages_by_keyset(seated_client):
    candidate = CandidateFactory()
    now = timezone.now()
    per_page = selectors_pages.TIMELINE_PER_PAGE
    for i in range(per_page + 3):
        ActivityFactory(
            candidate=candidate,
            kind=Activity.Kind.SYSTEM,
            subject=f"event-{i:03d}",
            occurred_at=now - timedelta(minutes=i),
        )
    html = seated_client.get(f"/candidates/{candidate.pk}/").content.decode()
    positions = [html.index(f"event-{i:03d}") for i in range(per_page)]
    assert positions == sorted(positions)
    assert f"event-{per_page:03d}" not in html
    older = html.split('href="?activities=')[1].split("#")[0]
    page_two = seated_client.get(f"/candidates/{candidate.pk}/?activities={older}")
    text = page_two.content.decode()
    assert all(f"event-{i:03d}" in text for i in range(per_page, per_page + 3))
    assert f"event-{per_page - 1:03d}" not in text


def test_save_sends_candidate_saved_and_flashes(seated_client):
    candidate = CandidateFactory()
    received = []

    def receiver(sender, candidate, created, changed_fields, **kwargs):
        received.append((candidate.pk, created, changed_fields))

    candidate_saved.connect(receiver, dispatch_uid="test-pages-save")
    try:
        response = seated_client.post(f"/candidates/{candidate.pk}/save/", follow=True)
    finally:
        candidate_saved.disconnect(dispatch_uid="test-pages-save")
    assert received == [(candidate.pk, False, [])]
    html = response.content.decode()
    assert f"Saved {candidate}" in html
    assert response.redirect_chain == [(f"/candidates/{candidate.pk}/", 302)]


def test_save_with_integration_enabled_shows_queued_state(seated_client):
    enabled_integration()
    candidate = CandidateFactory(linkedin_synced_at=timezone.now() - timedelta(days=3))
    response = seated_client.post(f"/candidates/{candidate.pk}/save/", follow=True)
    html = response.content.decode()
    assert "Tracker will send this record to LinkedIn and look for this candidate" in html
    assert 'data-sync-state="queued"' in html
    candidate.refresh_from_db()
    assert candidate.updated_at > candidate.linkedin_synced_at


def test_sync_state_synced_and_error(seated_client):
    enabled_integration()
    now = timezone.now()
    synced = CandidateFactory(updated_at=now - timedelta(minutes=5), linkedin_synced_at=now)
    failed = CandidateFactory(linkedin_sync_error="LinkedIn refused the email address")
    assert (
        'data-sync-state="synced"'
        in seated_client.get(f"/candidates/{synced.pk}/").content.decode()
    )
    html = seated_client.get(f"/candidates/{failed.pk}/").content.decode()
    assert 'data-sync-state="error"' in html
    assert "LinkedIn refused the email address" in html


def test_sync_state_off_without_integration(seated_client):
    candidate = CandidateFactory()
    html = seated_client.get(f"/candidates/{candidate.pk}/").content.decode()
    assert 'data-sync-state="off"' in html


def test_save_of_an_old_record_with_values_refused_today_still_queues_the_matching(
    seated_client, unseated_client
):
    """A record older than two years, stored before today's validation, is saved as it is."""
    enabled_integration()
    three_years_ago = timezone.now() - timedelta(days=3 * 365)
    candidate = CandidateFactory(
        first_name="Ada",
        last_name="Byron",
        updated_at=three_years_ago,
        created_at=three_years_ago,
    )
    # As an old import left it: an address without a top-level domain (the form refuses it,
    # LinkedIn can still match on it) and a profile URL that is not a LinkedIn one.
    Candidate.objects.filter(pk=candidate.pk).update(
        email="ada.byron@analytical", linkedin_profile_url="www.example.com/ada"
    )
    html = seated_client.get(f"/candidates/{candidate.pk}/").content.decode()
    assert 'data-sync-state="outside_history"' in html
    assert "Click Save to send it to LinkedIn and look for its LinkedIn member" in html
    assert "two calendar years before the day the integration was enabled" in html
    received = []

    def receiver(sender, candidate, created, changed_fields, **kwargs):
        received.append((candidate.pk, changed_fields))

    candidate_saved.connect(receiver, dispatch_uid="test-pages-save-old")
    try:
        response = unseated_client.post(f"/candidates/{candidate.pk}/save/", follow=True)
    finally:
        candidate_saved.disconnect(dispatch_uid="test-pages-save-old")

    html = response.content.decode()
    assert "Not saved" not in html
    assert (
        "Saved Ada Byron. Tracker will send this record to LinkedIn and look for this "
        "candidate&#x27;s LinkedIn member" in html
    )
    assert received == [(candidate.pk, [])]
    stored = Candidate.objects.get(pk=candidate.pk)
    assert stored.updated_at > three_years_ago
    assert (stored.email, stored.linkedin_profile_url) == (
        "ada.byron@analytical",
        "www.example.com/ada",
    )
    assert 'data-sync-state="queued"' in html


def test_save_says_when_linkedin_cannot_look_for_the_member(seated_client):
    enabled_integration()
    candidate = CandidateFactory(first_name="Ada", last_name="Byron")
    Candidate.objects.filter(pk=candidate.pk).update(email="ada at home")

    response = seated_client.post(f"/candidates/{candidate.pk}/save/", follow=True)

    html = response.content.decode()
    assert "Saved Ada Byron, but LinkedIn cannot look for its member" in html
    assert "the stored email “ada at home” is not an address" in html


def test_save_needs_post(seated_client):
    candidate = CandidateFactory()
    assert seated_client.get(f"/candidates/{candidate.pk}/save/").status_code == 405


def test_detail_queries_stay_bounded(seated_client, django_assert_max_num_queries):
    candidate = CandidateFactory()
    for i in range(10):
        CandidateSkillFactory(candidate=candidate)
        placement = PlacementFactory(candidate=candidate)
        ActivityFactory(candidate=candidate, placement=placement, requisition=placement.requisition)
        ActivityFactory(candidate=candidate, kind=Activity.Kind.INMAIL, subject=f"inmail {i}")
    with django_assert_max_num_queries(12):
        response = seated_client.get(f"/candidates/{candidate.pk}/")
    assert response.content.decode().count('class="k-') == selectors_pages.TIMELINE_PER_PAGE
