"""Who sees what on the recruiter pages (tracker_rsc.access): each kind of data for a user with
a Recruiter seat and one without, on the candidate page, the LinkedIn panel, the candidate list
and the requisition page's shortlist cards."""

from __future__ import annotations

import pytest

from candidates.models import MemberLink
from tests.access_world import (
    EVAL_SUMMARY,
    INMAIL_BODY,
    INMAIL_SUBJECT,
    LINK_REASON,
    MATCH_SCORE,
    NOTE_BODY,
    OLD_URN,
    PERSON_URN,
    SYNCED_RECORDS,
    WIDGET_SECRETS,
    build_world,
)
from tests.candidates.factories import CandidateFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def _page(client, world) -> str:
    response = client.get(f"/candidates/{world.candidate.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def _panel(client, world) -> str:
    response = client.get(
        f"/candidates/{world.candidate.pk}/linkedin/", HTTP_X_REQUESTED_WITH="fetch"
    )
    assert response.status_code == 200
    return response.content.decode()


# --- (a) Data synced into Tracker ------------------------------------------------------------


@pytest.mark.parametrize("who", ["seated_client", "unseated_client"])
def test_inmail_note_and_evaluation_summary_show_on_the_candidate_page(request, world, who):
    html = _page(request.getfixturevalue(who), world)

    for record in (*SYNCED_RECORDS, INMAIL_SUBJECT):
        assert record in html, record
    for kind in ("inmail", "note", "evaluation_summary"):
        assert f'data-kind="{kind}"' in html


@pytest.mark.parametrize("who", ["seated_client", "unseated_client"])
def test_rank_shows_on_the_candidate_page_and_the_shortlist_card(request, world, who):
    client = request.getfixturevalue(who)
    candidate_page = _page(client, world)
    requisition_page = client.get(f"/requisitions/{world.requisition.pk}/").content.decode()

    assert 'class="rank rank-TOP"' in candidate_page
    assert 'data-rank="TOP"' in requisition_page and "Top candidate" in requisition_page
    assert "Resume and LinkedIn profile" in requisition_page  # the evaluation basis
    assert EVAL_SUMMARY in requisition_page


def test_the_shortlist_card_redacts_a_member_urn_for_an_unseated_user(
    seated_client, unseated_client, world
):
    world.evaluation.body = f"Evaluated {PERSON_URN}: {EVAL_SUMMARY}"
    world.evaluation.save(update_fields=["body"])
    url = f"/requisitions/{world.requisition.pk}/"

    unseated = unseated_client.get(url).content.decode()
    seated = seated_client.get(url).content.decode()

    assert PERSON_URN not in unseated and f"[LinkedIn member]: {EVAL_SUMMARY}" in unseated
    assert f"Evaluated {PERSON_URN}" in seated


# --- (b) The LinkedIn widget -------------------------------------------------------------------


def test_unseated_user_sees_no_member_match_or_link_event_anywhere(unseated_client, world):
    pages = {
        "page": _page(unseated_client, world),
        "panel": _panel(unseated_client, world),
        "panel_page": unseated_client.get(
            f"/candidates/{world.candidate.pk}/linkedin/"
        ).content.decode(),
        "list": unseated_client.get("/candidates/").content.decode(),
    }
    for name, html in pages.items():
        for secret in (*WIDGET_SECRETS, "score " + MATCH_SCORE):
            assert secret not in html, f"{secret!r} in {name}"
    assert 'data-kind="link"' not in pages["page"]
    assert 'data-testid="recruiter-prompt"' in pages["panel"]
    # The widget's entry is still offered to everyone.
    assert 'id="linkedin-panel-button"' in pages["page"]


def test_seated_user_sees_member_match_history_and_link_events(seated_client, world):
    page = _page(seated_client, world)
    panel = _panel(seated_client, world)

    assert 'data-kind="link"' in page and PERSON_URN in page
    assert f"score {MATCH_SCORE}" in page  # the export's match story
    for secret in (PERSON_URN, OLD_URN, LINK_REASON):
        assert secret in panel, secret
    assert "Profile URL" in panel and MATCH_SCORE in panel
    assert INMAIL_BODY in panel and NOTE_BODY in panel  # the panel's own history


def test_the_candidate_list_shows_link_status_to_seated_users_only(
    seated_client, unseated_client, world
):
    CandidateFactory()
    seated = seated_client.get("/candidates/").content.decode()
    unseated = unseated_client.get("/candidates/").content.decode()

    assert 'badge ok">Linked<' in seated and 'name="linked"' in seated
    assert "Linked<" not in unseated and "Not linked" not in unseated
    assert 'name="linked"' not in unseated


@pytest.mark.parametrize("value", ["linked", "unlinked"])
def test_unseated_user_filtering_the_list_by_link_status_is_refused(unseated_client, world, value):
    response = unseated_client.get("/candidates/", {"linked": value})

    assert response.status_code == 403
    html = response.content.decode()
    assert "LinkedIn Recruiter seat" in html
    assert f'data-candidate-id="{world.candidate.pk}"' not in html


def test_seated_user_filters_the_list_by_link_status(seated_client, world):
    other = CandidateFactory()

    linked = seated_client.get("/candidates/", {"linked": "linked"}).content.decode()
    unlinked = seated_client.get("/candidates/", {"linked": "unlinked"}).content.decode()

    assert f'data-candidate-id="{world.candidate.pk}"' in linked
    assert f'data-candidate-id="{other.pk}"' not in linked
    assert f'data-candidate-id="{other.pk}"' in unlinked


def test_link_and_unlink_are_seated_actions(seated_client, unseated_client, world):
    other = CandidateFactory()
    refused_link = unseated_client.post(
        f"/candidates/{other.pk}/linkedin/link/", {"person_urn": "urn:li:person:New1"}
    )
    refused_unlink = unseated_client.post(f"/candidates/{world.candidate.pk}/linkedin/unlink/")
    assert (refused_link.status_code, refused_unlink.status_code) == (403, 403)
    assert not MemberLink.objects.filter(candidate=other).exists()
    assert MemberLink.objects.get(person_urn=PERSON_URN).unlinked_at is None

    assert (
        seated_client.post(
            f"/candidates/{other.pk}/linkedin/link/", {"person_urn": "urn:li:person:New1"}
        ).status_code
        == 302
    )
    assert (
        seated_client.post(f"/candidates/{world.candidate.pk}/linkedin/unlink/").status_code == 302
    )
    assert MemberLink.objects.get(candidate=other, unlinked_at__isnull=True)
    assert MemberLink.objects.get(person_urn=PERSON_URN).unlinked_at is not None


def test_a_sync_error_naming_the_member_is_redacted_for_an_unseated_user(
    seated_client, unseated_client, world
):
    world.candidate.linkedin_sync_error = f"LinkedIn refused: {PERSON_URN} is linked elsewhere"
    world.candidate.save(update_fields=["linkedin_sync_error"])

    assert PERSON_URN not in _page(unseated_client, world)
    assert PERSON_URN in _page(seated_client, world)
