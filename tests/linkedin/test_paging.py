"""Finders: start/count paging, query strings and time windows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import responses
from responses import matchers

from tests.linkedin.helpers import API, ORG, add_token, query_of
from tracker_rsc.linkedin import PayloadError, PermanentError, Unreadable

CONTRACT = "urn:li:contract:100"
SEAT = "urn:li:seat:5001"
START = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)


def seat(number: int) -> dict:
    return {
        "id": f"urn:li:seat:{number}",
        "contract": CONTRACT,
        "person": f"urn:li:person:P{number}",
        "firstName": "Rita",
        "lastName": "Book",
        "product": "RECRUITER",
        "role": "RECRUITER_USER",
        "permissions": [],
        "hiringAssistant": False,
        "active": True,
    }


def page(start: int, count: int, total: int | None) -> dict:
    paging = {"start": start, "count": count}
    if total is not None:
        paging["total"] = total
    return {"elements": [seat(n) for n in range(start, start + count)], "paging": paging}


def add_seat_page(rsps, start: int, body: dict) -> None:
    rsps.add(
        responses.GET,
        f"{API}/v2/seatsV2",
        json=body,
        match=[
            matchers.query_param_matcher(
                {"q": "attributes", "contracts": CONTRACT, "start": str(start), "count": "100"}
            )
        ],
    )


def test_seats_are_read_through_three_pages_until_the_total(rsps, client):
    add_token(rsps)
    add_seat_page(rsps, 0, page(0, 100, 237))
    add_seat_page(rsps, 100, page(100, 100, 237))
    add_seat_page(rsps, 200, page(200, 37, 237))

    seats = list(client.iter_seats(CONTRACT))

    assert [s.seat_urn for s in seats] == [f"urn:li:seat:{n}" for n in range(237)]
    assert query_of(rsps.calls[1]) == "q=attributes&contracts=urn:li:contract:100&start=0&count=100"
    assert len(rsps.calls) == 4


def test_a_short_page_ends_the_paging_when_there_is_no_total(rsps, client):
    add_token(rsps)
    add_seat_page(rsps, 0, page(0, 100, None))
    add_seat_page(rsps, 100, page(100, 3, None))

    assert len(list(client.iter_seats(CONTRACT))) == 103


def test_a_full_last_page_stops_at_the_total_without_another_request(rsps, client):
    add_token(rsps)
    add_seat_page(rsps, 0, page(0, 100, 100))

    assert len(list(client.iter_seats(CONTRACT))) == 100


def test_a_page_cut_short_by_the_server_is_followed_when_the_total_says_more(rsps, client):
    add_token(rsps)
    add_seat_page(rsps, 0, page(0, 50, 120))  # LinkedIn caps count at 50
    add_seat_page(rsps, 50, page(50, 50, 120))
    add_seat_page(rsps, 100, page(100, 20, 120))

    assert len(list(client.iter_seats(CONTRACT))) == 120


def test_an_empty_page_ends_the_paging_even_if_the_total_overstates(rsps, client):
    add_token(rsps)
    add_seat_page(rsps, 0, page(0, 100, 500))
    add_seat_page(rsps, 100, {"elements": [], "paging": {"start": 100, "count": 0, "total": 500}})

    assert len(list(client.iter_seats(CONTRACT))) == 100


def test_a_bad_element_names_its_position(rsps, client):
    add_token(rsps)
    body = page(0, 3, 3)
    del body["elements"][2]["person"]
    add_seat_page(rsps, 0, body)

    with pytest.raises(PayloadError, match=r"^seatsV2\[2\]\.person: missing$"):
        list(client.iter_seats(CONTRACT))


def test_a_finder_answer_without_elements_is_a_payload_error(rsps, client):
    add_token(rsps)
    add_seat_page(rsps, 0, {"paging": {"total": 0}})

    with pytest.raises(PayloadError, match=r"seatsV2\.elements: missing"):
        list(client.iter_seats(CONTRACT))


def test_mail_stub_window_is_sent_in_epoch_milliseconds(rsps, client):
    add_token(rsps)
    rsps.add(responses.GET, f"{API}/v2/mailStubs", json={"elements": [], "paging": {"total": 0}})

    list(client.iter_mail_stubs(CONTRACT, START, START + timedelta(days=3)))

    assert query_of(rsps.calls[1]) == (
        "q=contract&contract=urn:li:contract:100&createdDateStart=1772323200000"
        "&createdDateEnd=1772582400000&start=0&count=50"
    )


def stub_element(number: int) -> dict:
    return {
        "id": f"stub-{number}",
        "contract": CONTRACT,
        "owner": SEAT,
        "createdAt": 1772323200000 + number,
        "member": f"urn:li:person:M{number}",
        "firstName": "Ada",
        "lastName": "Stub",
        "emailAddress": f"ada{number}@mail.example",
        "profileUrl": f"https://www.linkedin.com/in/ada-{number}",
    }


def test_an_unreadable_stub_is_yielded_whole_when_tolerated_and_raises_otherwise(rsps, client):
    broken = {**stub_element(1), "createdAt": "yesterday"}
    nameless = {"contract": CONTRACT}
    body = {"elements": [stub_element(0), broken, nameless], "paging": {"total": 3}}
    add_token(rsps)
    rsps.add(responses.GET, f"{API}/v2/mailStubs", json=body)
    rsps.add(responses.GET, f"{API}/v2/mailStubs", json=body)

    good, unreadable, junk = client.iter_mail_stubs(
        CONTRACT, START, START + timedelta(days=1), tolerate_malformed=True
    )

    assert good.id == "stub-0"
    assert isinstance(unreadable, Unreadable) and unreadable.element == broken
    assert unreadable.id == "stub-1" and "mailStubs[1].createdAt" in unreadable.error
    assert isinstance(junk, Unreadable) and junk.id.startswith("unreadable:")
    assert junk.element == nameless
    with pytest.raises(PayloadError, match=r"mailStubs\[1\]\.createdAt"):
        list(client.iter_mail_stubs(CONTRACT, START, START + timedelta(days=1)))


def test_conversation_events_query(rsps, client):
    add_token(rsps)
    rsps.add(
        responses.GET, f"{API}/v2/conversationEvents", json={"elements": [], "paging": {"total": 0}}
    )

    list(client.iter_conversation_events(SEAT, START, START + timedelta(hours=12)))

    assert query_of(rsps.calls[1]) == (
        "q=criteria&viewer=urn:li:seat:5001&timeRange.start=1772323200000"
        "&timeRange.end=1772366400000&start=0&count=50"
    )


def test_prospect_notes_query_repeats_owners(rsps, client):
    add_token(rsps)
    rsps.add(
        responses.GET, f"{API}/v2/prospectNotes", json={"elements": [], "paging": {"total": 0}}
    )

    list(
        client.iter_prospect_notes(
            CONTRACT, ["urn:li:seat:1", "urn:li:seat:2"], START, START + timedelta(hours=1)
        )
    )

    assert query_of(rsps.calls[1]) == (
        "q=criteria&contract=urn:li:contract:100&owners=urn:li:seat:1&owners=urn:li:seat:2"
        "&cutoffDate=1772323200000&beforeDate=1772326800000&start=0&count=100"
    )


@pytest.mark.parametrize(
    ("method", "args"),
    [
        ("iter_conversation_events", (SEAT, START, START + timedelta(hours=12, seconds=1))),
        (
            "iter_prospect_notes",
            (CONTRACT, ["urn:li:seat:1"], START, START + timedelta(hours=13)),
        ),
    ],
)
def test_windows_over_12_hours_are_refused(rsps, client, method, args):
    with pytest.raises(ValueError, match="at most 12:00:00"):
        getattr(client, method)(*args)

    assert len(rsps.calls) == 0


def test_naive_or_backwards_windows_are_refused(rsps, client):
    with pytest.raises(ValueError, match="aware"):
        client.iter_mail_stubs(CONTRACT, datetime(2026, 3, 1), datetime(2026, 3, 2))  # noqa: DTZ001
    with pytest.raises(ValueError, match="after start"):
        client.iter_mail_stubs(CONTRACT, START, START)
    with pytest.raises(ValueError, match="at least one seat"):
        client.iter_prospect_notes(CONTRACT, [], START, START + timedelta(hours=1))
    assert len(rsps.calls) == 0


def test_rest_finders_encode_urns_and_send_the_version(rsps, client):
    add_token(rsps)
    rsps.add(
        responses.GET,
        f"{API}/rest/atsPurgedExportedCandidates",
        json={
            "elements": [{"id": "p1", "member": "urn:li:person:Xy12", "purgedAt": 1772323200000}],
            "paging": {"start": 0, "count": 1, "total": 1},
        },
    )

    purged = list(client.iter_purged_exports(ORG, START))

    assert purged[0].person_urn == "urn:li:person:Xy12"
    assert purged[0].purged_at == START
    call = rsps.calls[1]
    assert query_of(call) == (
        "q=integrationContext&integrationContext=urn%3Ali%3Aorganization%3A2414183"
        "&purgedAfter=1772323200000&start=0&count=100"
    )
    assert call.request.headers["LinkedIn-Version"] == "202604"
    assert call.request.headers["X-Restli-Protocol-Version"] == "2.0.0"


def test_single_element_finders_read_the_first_element(rsps, client):
    add_token(rsps)
    rsps.add(
        responses.GET,
        f"{API}/rest/hiringProjectConnections",
        json={
            "elements": [
                {
                    "hiringProject": "urn:li:hiringProject:77",
                    "externalJobRequisitionId": "12",
                    "owner": "urn:li:seat:5001",
                    "state": "CONNECTED",
                    "hiringAssistantAutomation": True,
                    "changedAt": 1772323200000,
                }
            ]
        },
    )
    rsps.add(
        responses.GET,
        f"{API}/v2/atsIntegrations",
        json={
            "elements": [
                {
                    "integrationContext": ORG,
                    "integrationType": "ONE_CLICK_EXPORT",
                    "status": "ENABLED",
                }
            ]
        },
    )

    change = client.get_connection_change("req-9")
    status = client.get_integration_status("req 10")

    assert (change.requisition_id, change.state, change.changed_at) == ("12", "CONNECTED", START)
    assert query_of(rsps.calls[1]) == "q=request&requestId=req-9"
    assert status.request_id == "req 10"
    assert status.status == "ENABLED"
    assert query_of(rsps.calls[2]) == "q=request&requestId=req%2010"


def test_an_unknown_request_id_is_a_permanent_error(rsps, client):
    add_token(rsps)
    rsps.add(responses.GET, f"{API}/v2/exportedCandidates", json={"elements": []})

    with pytest.raises(PermanentError, match="no exported candidate gone-1"):
        client.get_exported_candidate("gone-1")
