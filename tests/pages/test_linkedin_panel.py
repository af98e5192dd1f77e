"""The LinkedIn panel: offered to everyone, LinkedIn data only for a Recruiter seat."""

from __future__ import annotations

import pytest
from django.utils import timezone

from candidates.models import MemberLink
from requisitions.models import Activity
from tests.candidates.factories import CandidateFactory, MemberLinkFactory
from tests.requisitions.factories import ActivityFactory, PlacementFactory
from tests.tracker_rsc.factories import LinkedInSeatFactory, UserFactory

pytestmark = pytest.mark.django_db

PERSON_URN = "urn:li:person:SecretMember42"
LINK_REASON = "Matched by LinkedIn on the profile slug jane-doe-4a1b"
INMAIL_BODY = "Hi Jane, an exciting data role in Leeds"
NOTE_BODY = "Prefers hybrid work; notice period 3 months"
EVAL_BODY = "Meets 5 of 5 required qualifications"
OLD_URN = "urn:li:person:FormerMember7"
PROFILE_URL = "https://www.linkedin.com/in/jane-doe-4a1b"

# LinkedIn widget data: only a user with a Recruiter seat sees it, anywhere on the site.
WIDGET_SECRETS = (PERSON_URN, LINK_REASON, OLD_URN)
# Data synced into Tracker: a Tracker record, visible to everyone who can see the candidate.
SYNCED_RECORDS = (INMAIL_BODY, NOTE_BODY, EVAL_BODY)


@pytest.fixture
def linked_candidate(db):
    candidate = CandidateFactory(
        first_name="Jane", last_name="Doe", linkedin_profile_url=PROFILE_URL
    )
    MemberLinkFactory(
        candidate=candidate,
        person_urn=OLD_URN,
        unlinked_at=timezone.now(),
        unlink_reason="wrong person",
    )
    MemberLinkFactory(
        candidate=candidate,
        person_urn=PERSON_URN,
        method=MemberLink.Method.BULK_SYNC,
        matched_on=MemberLink.MatchedOn.PROFILE_URL,
        score=0.97,
        reason=LINK_REASON,
    )
    ActivityFactory(
        candidate=candidate,
        kind=Activity.Kind.INMAIL,
        subject="Data role",
        body=INMAIL_BODY,
        person_urn=PERSON_URN,
    )
    ActivityFactory(candidate=candidate, kind=Activity.Kind.NOTE, body=NOTE_BODY)
    placement = PlacementFactory(candidate=candidate)
    ActivityFactory(
        candidate=candidate,
        placement=placement,
        requisition=placement.requisition,
        kind=Activity.Kind.EVALUATION_SUMMARY,
        subject="Evaluation: Qualified",
        body=EVAL_BODY,
    )
    ActivityFactory(candidate=candidate, kind=Activity.Kind.LINK, subject=f"Linked to {PERSON_URN}")
    ActivityFactory(
        candidate=candidate,
        kind=Activity.Kind.EXPORT,
        subject=f"Exported from LinkedIn ({PERSON_URN})",
        body=f"duplicate check: {LINK_REASON}",
    )
    return candidate


def _all_html(client, candidate) -> dict[str, str]:
    return {
        "page": client.get(f"/candidates/{candidate.pk}/").content.decode(),
        "page_open": client.get(f"/candidates/{candidate.pk}/?panel=linkedin").content.decode(),
        "panel_page": client.get(f"/candidates/{candidate.pk}/linkedin/").content.decode(),
        "panel_fragment": client.get(
            f"/candidates/{candidate.pk}/linkedin/", HTTP_X_REQUESTED_WITH="fetch"
        ).content.decode(),
    }


def test_unseated_user_sees_the_prompt_and_no_linkedin_data(unseated_client, linked_candidate):
    pages = _all_html(unseated_client, linked_candidate)
    for name, html in pages.items():
        for secret in WIDGET_SECRETS:
            assert secret not in html, f"{secret!r} leaked into {name}"
        assert "0.97" not in html and "Bulk sync" not in html, name
    assert "Open LinkedIn panel" in pages["page"]
    for name in ("panel_page", "panel_fragment"):
        assert "Sign in with LinkedIn" in pages[name]
        assert 'action="/accounts/linkedin/signin/"' in pages[name]
        assert 'data-seated="false"' in pages[name]
        assert 'id="link-button"' not in pages[name] and 'id="unlink-button"' not in pages[name]
    # The fragment is a fragment; the plain visit a whole page.
    assert "<html" not in pages["panel_fragment"]
    assert "<html" in pages["panel_page"]


def test_unseated_user_sees_inmails_notes_and_evaluation_summaries(
    unseated_client, linked_candidate
):
    """FAQ: InMails sent via a Recruiter account "will be visible to anyone with access to
    that record"; they are Tracker records, not the widget's."""
    html = unseated_client.get(f"/candidates/{linked_candidate.pk}/").content.decode()
    for record in SYNCED_RECORDS:
        assert record in html, record
    for kind in ("inmail", "note", "evaluation_summary"):
        assert f'data-kind="{kind}"' in html
    assert "Data role" in html and "Evaluation: Qualified" in html


def test_unseated_timeline_omits_link_events_and_redacts_audit_entries(
    unseated_client, linked_candidate
):
    ActivityFactory(candidate=linked_candidate, kind=Activity.Kind.SYSTEM, subject="Record merged")
    html = unseated_client.get(f"/candidates/{linked_candidate.pk}/").content.decode()
    assert "Record merged" in html
    assert 'data-kind="export"' in html  # shown, but redacted and without its body
    assert "[LinkedIn member]" in html
    assert 'data-kind="link"' not in html
    assert "duplicate check:" not in html


def test_inactive_seat_counts_as_no_seat(linked_candidate, client):
    user = UserFactory(username="lapsed")
    LinkedInSeatFactory(user=user, active=False)
    client.force_login(user)
    html = client.get(f"/candidates/{linked_candidate.pk}/linkedin/").content.decode()
    assert PERSON_URN not in html
    assert "Recruiter access needed" in html


def test_seated_user_sees_member_link_history_inmails_notes_and_evaluations(
    seated_client, linked_candidate
):
    html = seated_client.get(
        f"/candidates/{linked_candidate.pk}/linkedin/", HTTP_X_REQUESTED_WITH="fetch"
    ).content.decode()
    for secret in (*WIDGET_SECRETS, *SYNCED_RECORDS, PROFILE_URL):
        assert secret in html, secret
    assert "Bulk sync" in html and "Profile URL" in html and "0.97" in html
    assert 'data-seated="true"' in html
    page = seated_client.get(f"/candidates/{linked_candidate.pk}/").content.decode()
    for kind in ("inmail", "note", "evaluation_summary", "link", "export"):
        assert f'data-kind="{kind}"' in page
    assert INMAIL_BODY in page and PERSON_URN in page and LINK_REASON in page


def test_seated_user_links_a_candidate_manually(seated_client, seated_user):
    candidate = CandidateFactory()
    response = seated_client.post(
        f"/candidates/{candidate.pk}/linkedin/link/",
        {"person_urn": "urn:li:person:NewOne9", "reason": "Confirmed by phone"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/candidates/{candidate.pk}/?panel=linkedin#linkedin"
    link = MemberLink.objects.get(candidate=candidate, unlinked_at__isnull=True)
    assert (link.person_urn, link.method, link.matched_on) == (
        "urn:li:person:NewOne9",
        MemberLink.Method.MANUAL,
        MemberLink.MatchedOn.MEMBER,
    )
    assert link.linked_by == seated_user
    assert link.reason == "Confirmed by phone"


def test_manual_link_replaces_the_current_link(seated_client, linked_candidate):
    seated_client.post(
        f"/candidates/{linked_candidate.pk}/linkedin/link/", {"person_urn": "urn:li:person:Right1"}
    )
    active = MemberLink.objects.get(candidate=linked_candidate, unlinked_at__isnull=True)
    assert active.person_urn == "urn:li:person:Right1"
    assert MemberLink.objects.get(person_urn=PERSON_URN).unlinked_at is not None


def test_link_with_a_bad_urn_shows_the_error_and_changes_nothing(seated_client):
    candidate = CandidateFactory()
    response = seated_client.post(
        f"/candidates/{candidate.pk}/linkedin/link/",
        {"person_urn": "https://linkedin.com/in/someone"},
    )
    assert response.status_code == 400
    assert "Enter a person URN" in response.content.decode()
    assert not MemberLink.objects.filter(candidate=candidate).exists()


def test_link_to_a_member_of_another_candidate_is_refused(seated_client, linked_candidate):
    other = CandidateFactory()
    response = seated_client.post(
        f"/candidates/{other.pk}/linkedin/link/", {"person_urn": PERSON_URN}
    )
    assert response.status_code == 400
    assert "already linked to candidate" in response.content.decode()
    assert not MemberLink.objects.filter(candidate=other).exists()


def test_unlink_ends_the_active_link(seated_client, seated_user, linked_candidate):
    response = seated_client.post(
        f"/candidates/{linked_candidate.pk}/linkedin/unlink/", {"reason": "Different person"}
    )
    assert response.status_code == 302
    link = MemberLink.objects.get(person_urn=PERSON_URN)
    assert link.unlinked_at is not None
    assert (link.unlinked_by, link.unlink_reason) == (seated_user, "Different person")


def test_unlink_without_a_link_is_an_error(seated_client):
    candidate = CandidateFactory()
    response = seated_client.post(f"/candidates/{candidate.pk}/linkedin/unlink/", {})
    assert response.status_code == 400
    assert "not linked to a LinkedIn member" in response.content.decode()


def test_unseated_user_cannot_link_or_unlink(unseated_client, linked_candidate):
    other = CandidateFactory()
    assert (
        unseated_client.post(
            f"/candidates/{other.pk}/linkedin/link/", {"person_urn": "urn:li:person:X1"}
        ).status_code
        == 403
    )
    assert (
        unseated_client.post(f"/candidates/{linked_candidate.pk}/linkedin/unlink/").status_code
        == 403
    )
    assert not MemberLink.objects.filter(candidate=other).exists()
    assert MemberLink.objects.get(person_urn=PERSON_URN).unlinked_at is None


def test_panel_queries_stay_bounded(seated_client, linked_candidate, django_assert_max_num_queries):
    for i in range(15):
        ActivityFactory(candidate=linked_candidate, kind=Activity.Kind.INMAIL, body=f"m{i}")
    with django_assert_max_num_queries(10):
        seated_client.get(
            f"/candidates/{linked_candidate.pk}/linkedin/", HTTP_X_REQUESTED_WITH="fetch"
        )
