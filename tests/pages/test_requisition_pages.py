"""The requisition list and page: owners, sync and connection state, shortlist cards."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from requisitions import selectors_pages
from requisitions.models import Activity, Placement, ProjectConnection, Requisition
from tests.candidates.factories import CandidateFactory
from tests.requisitions.factories import (
    ActivityFactory,
    PlacementFactory,
    ProjectConnectionFactory,
    RequisitionFactory,
)
from tests.tracker_rsc.factories import LinkedInSeatFactory, UserFactory

pytestmark = pytest.mark.django_db

ROW = re.compile(r'data-requisition-id="(\d+)"')
CARD = re.compile(r'data-placement-id="(\d+)"')


def test_list_shows_owners_status_kind_and_connection(unseated_client):
    owner = UserFactory(first_name="Olive", last_name="Owner")
    requisition = RequisitionFactory(
        title="Data Engineer", kind=Requisition.Kind.EVERGREEN, owners=[owner]
    )
    ProjectConnectionFactory(requisition=requisition, project_urn="urn:li:hiringProject:77")
    PlacementFactory(requisition=requisition)
    response = unseated_client.get("/requisitions/")
    html = response.content.decode()
    assert response.status_code == 200
    assert [int(pk) for pk in ROW.findall(html)] == [requisition.pk]
    assert "Data Engineer" in html and "Olive Owner" in html and "Evergreen" in html
    assert "Connected project" in html


def test_list_filters_status_kind_mine_and_text(unseated_client, unseated_user):
    mine = RequisitionFactory(title="Python developer", owners=[unseated_user])
    closed = RequisitionFactory(title="Closed role", status=Requisition.Status.CLOSED)
    placeholder = RequisitionFactory(title="Talent pool", kind=Requisition.Kind.PLACEHOLDER)

    def ids(query: str) -> list[int]:
        return [
            int(pk)
            for pk in ROW.findall(unseated_client.get(f"/requisitions/?{query}").content.decode())
        ]

    assert ids("status=closed") == [closed.pk]
    assert ids("kind=placeholder") == [placeholder.pk]
    assert ids("mine=on") == [mine.pk]
    assert ids("q=python") == [mine.pk]
    assert unseated_client.get("/requisitions/?status=bogus").status_code == 400


def test_list_paginates_without_duplicates(unseated_client):
    base = timezone.now()
    for i in range(selectors_pages.REQUISITIONS_PER_PAGE + 2):
        RequisitionFactory(updated_at=base - timedelta(minutes=i))
    first = unseated_client.get("/requisitions/").content.decode()
    next_query = re.search(r'rel="next" href="\?([^"]*)"', first).group(1).replace("&amp;", "&")
    second = unseated_client.get(f"/requisitions/?{next_query}").content.decode()
    first_ids, second_ids = ROW.findall(first), ROW.findall(second)
    assert len(first_ids) == selectors_pages.REQUISITIONS_PER_PAGE and len(second_ids) == 2
    assert not set(first_ids) & set(second_ids)


def test_page_shows_rank_badges_to_a_user_without_any_seat(unseated_client):
    requisition = RequisitionFactory()
    ranks = {
        Placement.Rank.TOP: "Top candidate",
        Placement.Rank.QUALIFIED: "Qualified",
        Placement.Rank.MAYBE: "Maybe",
        Placement.Rank.NOT_A_FIT: "Not a fit",
    }
    for rank in ranks:
        PlacementFactory(requisition=requisition, rank=rank, evaluated_at=timezone.now())
    unranked = PlacementFactory(requisition=requisition)
    html = unseated_client.get(f"/requisitions/{requisition.pk}/").content.decode()
    for rank, label in ranks.items():
        assert f'data-rank="{rank}">{label}</span>' in html
    assert len(CARD.findall(html)) == 5
    assert unranked.candidate.full_name in html


def test_card_shows_the_latest_evaluation_summary(unseated_client):
    placement = PlacementFactory(rank=Placement.Rank.TOP)
    ActivityFactory(
        candidate=placement.candidate,
        placement=placement,
        kind=Activity.Kind.EVALUATION_SUMMARY,
        body="OLD summary text",
        occurred_at=timezone.now() - timedelta(days=2),
    )
    ActivityFactory(
        candidate=placement.candidate,
        placement=placement,
        kind=Activity.Kind.EVALUATION_SUMMARY,
        body="NEW summary: meets 5 of 5",
        occurred_at=timezone.now(),
    )
    html = unseated_client.get(f"/requisitions/{placement.requisition_id}/").content.decode()
    assert "NEW summary: meets 5 of 5" in html
    assert "OLD summary text" not in html
    assert '<details class="evaluation">' in html


def test_connection_state_with_automation_off_explains_how_to_turn_it_on(unseated_client):
    seat = LinkedInSeatFactory(first_name="Pat", last_name="Owner")
    connection = ProjectConnectionFactory(
        owner_seat=seat, hiring_assistant_automation=False, project_urn="urn:li:hiringProject:88"
    )
    html = unseated_client.get(f"/requisitions/{connection.requisition_id}/").content.decode()
    assert "urn:li:hiringProject:88" in html
    assert "Pat Owner" in html and seat.seat_urn in html
    assert 'id="automation-hint"' in html
    assert "“Hiring Assistant Automation” is turned on" in html


def test_automation_on_shows_no_hint_and_refusals_show_their_reason(unseated_client):
    connection = ProjectConnectionFactory(hiring_assistant_automation=True)
    ProjectConnectionFactory(
        requisition=connection.requisition,
        state=ProjectConnection.State.REFUSED,
        active=False,
        refusal_reason="Seat urn:li:seat:9 is not an owner of this requisition",
    )
    html = unseated_client.get(f"/requisitions/{connection.requisition_id}/").content.decode()
    assert 'id="automation-hint"' not in html
    assert "is not an owner of this requisition" in html


def test_unconnected_requisition_says_how_to_connect(unseated_client):
    requisition = RequisitionFactory()
    html = unseated_client.get(f"/requisitions/{requisition.pk}/").content.decode()
    assert 'id="not-connected"' in html
    assert "Connect ATS requisitions" in html


def test_sync_state_of_a_requisition(unseated_client):
    requisition = RequisitionFactory(linkedin_sync_error="LinkedIn: job title too long")
    from tests.tracker_rsc.factories import enabled_integration

    enabled_integration()
    html = unseated_client.get(f"/requisitions/{requisition.pk}/").content.decode()
    assert 'data-sync-state="error"' in html
    assert "LinkedIn: job title too long" in html


def test_shortlist_pages_by_keyset(unseated_client):
    requisition = RequisitionFactory()
    base = timezone.now()
    for i in range(selectors_pages.CARDS_PER_PAGE + 2):
        PlacementFactory(requisition=requisition, created_at=base - timedelta(minutes=i))
    html = unseated_client.get(f"/requisitions/{requisition.pk}/").content.decode()
    first = CARD.findall(html)
    cursor = re.search(r'href="\?cards=([^"#]+)#shortlist">More', html).group(1)
    second = CARD.findall(
        unseated_client.get(f"/requisitions/{requisition.pk}/?cards={cursor}").content.decode()
    )
    assert len(first) == selectors_pages.CARDS_PER_PAGE and len(second) == 2
    assert not set(first) & set(second)


def test_requisition_pages_queries_stay_bounded(unseated_client, django_assert_max_num_queries):
    requisition = RequisitionFactory(owners=[UserFactory(), UserFactory()])
    ProjectConnectionFactory(requisition=requisition)
    for _ in range(10):
        placement = PlacementFactory(
            requisition=requisition, candidate=CandidateFactory(), rank=Placement.Rank.MAYBE
        )
        ActivityFactory(
            candidate=placement.candidate,
            placement=placement,
            kind=Activity.Kind.EVALUATION_SUMMARY,
        )
    for _ in range(10):
        ProjectConnectionFactory(requisition=RequisitionFactory())
    with django_assert_max_num_queries(12):
        detail = unseated_client.get(f"/requisitions/{requisition.pk}/")
    with django_assert_max_num_queries(10):
        listing = unseated_client.get("/requisitions/")
    assert len(CARD.findall(detail.content.decode())) == selectors_pages.CARDS_PER_PAGE
    assert len(ROW.findall(listing.content.decode())) == selectors_pages.REQUISITIONS_PER_PAGE
