"""Who sees what on the recruiter pages (tracker_rsc.access): each kind of data for a user with
a Recruiter seat and one without, on the candidate page, the LinkedIn panel, the candidate list
and the requisition page's shortlist cards."""

from __future__ import annotations

import pytest

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


def test_synced_records_show_to_both_users_and_widget_data_to_the_seated_one(
    seated_client, unseated_client, world
):
    seated, unseated = _page(seated_client, world), _page(unseated_client, world)

    # (a) InMail, note, evaluation summary and the rank on the shortlist: everyone.
    for html in (seated, unseated):
        for record in (*SYNCED_RECORDS, INMAIL_SUBJECT):
            assert record in html, record
        for kind in ("inmail", "note", "evaluation_summary", "export"):
            assert f'data-kind="{kind}"' in html
        assert 'class="rank rank-TOP"' in html
        # The widget's entry is offered to everyone.
        assert 'id="linkedin-panel-button"' in html
    # (b) Link events and the match story: the seated user only.
    assert 'data-kind="link"' in seated and PERSON_URN in seated
    assert f"score {MATCH_SCORE}" in seated
    assert 'data-kind="link"' not in unseated
    for secret in (*WIDGET_SECRETS, f"score {MATCH_SCORE}"):
        assert secret not in unseated, secret


def test_the_panel_opens_for_the_seated_user_and_prompts_the_unseated_one(
    seated_client, unseated_client, world
):
    seated = _panel(seated_client, world)
    unseated = {
        "fragment": _panel(unseated_client, world),
        "page": unseated_client.get(f"/candidates/{world.candidate.pk}/linkedin/").content.decode(),
    }

    for secret in (PERSON_URN, OLD_URN, LINK_REASON):
        assert secret in seated, secret
    assert "Profile URL" in seated and MATCH_SCORE in seated
    assert 'id="link-button"' in seated and 'id="unlink-button"' in seated
    for html in unseated.values():
        assert 'data-testid="recruiter-prompt"' in html
        assert 'id="link-button"' not in html
        for secret in WIDGET_SECRETS:
            assert secret not in html, secret
    # The unseated user reads the InMail and the note on the candidate page instead.
    page = _page(unseated_client, world)
    assert INMAIL_BODY in page and NOTE_BODY in page


def test_the_shortlist_card_shows_rank_and_summary_to_both_with_urns_redacted_unseated(
    seated_client, unseated_client, world
):
    world.evaluation.body = f"Evaluated {PERSON_URN}: {EVAL_SUMMARY}"
    world.evaluation.save(update_fields=["body"])
    url = f"/requisitions/{world.requisition.pk}/"

    unseated = unseated_client.get(url).content.decode()
    seated = seated_client.get(url).content.decode()

    for html in (seated, unseated):
        assert 'data-rank="TOP"' in html and "Top candidate" in html
        assert "Resume and LinkedIn profile" in html  # the evaluation basis
    assert PERSON_URN not in unseated and f"[LinkedIn member]: {EVAL_SUMMARY}" in unseated
    assert f"Evaluated {PERSON_URN}" in seated


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
def test_filtering_the_list_by_link_status_is_refused_without_a_seat(
    seated_client, unseated_client, world, value
):
    other = CandidateFactory()

    refused = unseated_client.get("/candidates/", {"linked": value})
    answered = seated_client.get("/candidates/", {"linked": value}).content.decode()

    assert refused.status_code == 403
    html = refused.content.decode()
    assert "LinkedIn Recruiter seat" in html
    assert "data-candidate-id=" not in html
    expected, excluded = (world.candidate, other) if value == "linked" else (other, world.candidate)
    assert f'data-candidate-id="{expected.pk}"' in answered
    assert f'data-candidate-id="{excluded.pk}"' not in answered
