"""Export to ATS (quota, request-id expiry) and the paged finders with their time windows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from tests.sandbox.conftest import ORG
from tests.sandbox.factories import MemberFactory, SandboxSeatFactory
from tests.sandbox.helpers import job_posting, post_jobs, set_acl
from tracker_rsc.sandbox import services
from tracker_rsc.sandbox.models import (
    ExportRecord,
    MailStub,
    ProspectNote,
    Push,
    SandboxSettings,
)
from tracker_rsc.sandbox.restli import to_ms


@pytest.fixture
def listed_job(li):
    post_jobs(li, job_posting("12"))
    return "12"


def _export(li, seat, member, job_id="12", **extra):
    return li.control(
        "export", {"seat": seat.urn, "member": member.person_urn, "requisition_id": job_id, **extra}
    )


def test_export_queues_a_push_and_serves_the_profile(li, seats, member, listed_job):
    response = _export(li, seats["user"], member, email="jane@example.com")

    assert response.status_code == 200, response.content
    request_id = response.json()["request_id"]
    push = Push.objects.get(request_id=request_id)
    assert push.push_type == Push.Type.EXPORT_CANDIDATE_PROFILE
    assert push.status == Push.Status.PENDING
    element = li.get("v2/exportedCandidates", f"q=request&requestId={request_id}").json()[
        "elements"
    ][0]
    assert element["requestId"] == request_id
    assert element["integrationContext"] == ORG
    assert element["exporter"] == seats["user"].urn
    assert element["externalJobPostingId"] == "12"
    candidate = element["candidate"]
    assert candidate["member"] == member.person_urn
    assert candidate["profileUrl"] == member.profile_url
    assert candidate["emailAddresses"] == ["jane@example.com"]
    assert candidate["skills"] == ["Python", "Apache Spark", "SQL"]  # the top three
    assert len(candidate["positions"]) == 2  # the two most recent
    assert candidate["yearsOfExperience"] == "9"
    assert candidate["currentEmployerNames"] == ["Acme"]


def test_export_without_typed_email_shares_none_and_can_be_a_bare_string(
    li, seats, member, listed_job
):
    first = _export(li, seats["user"], member).json()["request_id"]
    SandboxSettings.objects.update_or_create(
        singleton=True, defaults={"export_email_as_string": True}
    )
    second = _export(li, seats["user"], member, email="j@x.org").json()["request_id"]

    def emails(request_id):
        response = li.get("v2/exportedCandidates", f"q=request&requestId={request_id}")
        return response.json()["elements"][0]["candidate"]["emailAddresses"]

    assert emails(first) == ""  # as a string now: nothing typed
    assert emails(second) == "j@x.org"


def test_the_301st_export_of_a_seat_in_a_month_is_refused(li, seats, member, listed_job):
    now = timezone.now()
    ExportRecord.objects.bulk_create(
        ExportRecord(
            seat=seats["user"],
            member=member,
            job_id="12",
            integration_context=ORG,
            created_at=now,
            expires_at=now + timedelta(hours=24),
            request_id=f"old{n}",
        )
        for n in range(300)
    )

    refused = _export(li, seats["user"], member)
    other_seat = _export(li, seats["admin"], member)

    assert refused.status_code == 429
    assert "300" in refused.json()["error"]
    assert ExportRecord.objects.filter(seat=seats["user"]).count() == 300
    assert other_seat.status_code == 200


def test_the_quota_is_per_calendar_month(li, seats, member, listed_job):
    SandboxSettings.objects.update_or_create(
        singleton=True, defaults={"exports_per_seat_per_month": 1}
    )
    with time_machine.travel(datetime(2026, 3, 31, 23, 0, tzinfo=UTC)):
        li._token = None
        assert _export(li, seats["user"], member).status_code == 200
        assert _export(li, seats["user"], member).status_code == 429
    with time_machine.travel(datetime(2026, 4, 1, 0, 30, tzinfo=UTC)):
        assert _export(li, seats["user"], member).status_code == 200


def test_request_ids_expire_after_24_hours(li, seats, member, listed_job):
    request_id = _export(li, seats["user"], member).json()["request_id"]

    with time_machine.travel(timezone.now() + timedelta(hours=23)):
        li._token = None
        fresh = li.get("v2/exportedCandidates", f"q=request&requestId={request_id}")
    with time_machine.travel(timezone.now() + timedelta(hours=24, minutes=1)):
        li._token = None
        stale = li.get("v2/exportedCandidates", f"q=request&requestId={request_id}")

    assert fresh.status_code == 200
    assert stale.status_code == 404
    assert stale.json()["status"] == 404


def test_export_refusals_change_nothing(li, seats, member, listed_job):
    post_jobs(li, job_posting("13", state="CLOSED"))
    set_acl(li, "12", [seats["admin"].person_urn])

    unknown_job = _export(li, seats["user"], member, job_id="404")
    closed_job = _export(li, seats["user"], member, job_id="13")
    hidden_by_acl = _export(li, seats["user"], member, job_id="12")
    bad_email = _export(li, seats["admin"], member, email="nope")
    admin_sees_all = _export(li, seats["admin"], member, job_id="12")

    assert [r.status_code for r in (unknown_job, closed_job, hidden_by_acl, bad_email)] == [
        404,
        400,
        400,
        400,
    ]
    assert admin_sees_all.status_code == 200
    assert ExportRecord.objects.count() == 1
    assert Push.objects.count() == 1


def test_seats_v2_requires_start_and_pages(li, seats):
    without_start = li.get("v2/seatsV2", "q=attributes&contracts=urn:li:contract:100")
    first = li.get("v2/seatsV2", "q=attributes&contracts=urn:li:contract:100&start=0&count=2")
    second = li.get(
        "v2/seatsV2", "q=attributes&contracts=List(urn%3Ali%3Acontract%3A100)&start=2&count=2"
    )

    assert without_start.status_code == 400
    assert "start" in without_start.json()["message"]
    assert first.json()["paging"] == {"start": 0, "count": 2, "total": 3}
    assert [e["id"] for e in first.json()["elements"]] == ["urn:li:seat:5001", "urn:li:seat:5002"]
    assert [e["id"] for e in second.json()["elements"]] == ["urn:li:seat:5003"]
    admin = first.json()["elements"][0]
    assert admin == {
        "id": "urn:li:seat:5001",
        "contract": "urn:li:contract:100",
        "person": "urn:li:person:admin1",
        "firstName": seats["admin"].first_name,
        "lastName": seats["admin"].last_name,
        "product": "RPS_PLUS",
        "role": "RECRUITER_ADMIN",
        "permissions": [],
        "hiringAssistant": True,
        "active": True,
    }


def test_mail_stub_windows_include_start_and_exclude_end(li, seats):
    start = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    for minutes in (0, 30, 60):
        member = MemberFactory()
        services.inmail_send(
            seat_urn=seats["user"].urn,
            person_urn=member.person_urn,
            subject="Role",
            body="Hi",
            at=start - timedelta(hours=1),
        )
        services.inmail_accept(
            seat_urn=seats["user"].urn,
            person_urn=member.person_urn,
            at=start + timedelta(minutes=minutes),
        )
    end = start + timedelta(minutes=60)

    body = li.get(
        "v2/mailStubs",
        f"q=contract&contract=urn:li:contract:100&createdDateStart={to_ms(start)}"
        f"&createdDateEnd={to_ms(end)}&start=0&count=50",
    ).json()

    assert body["paging"]["total"] == 2
    stub = body["elements"][0]
    assert stub["createdAt"] == to_ms(start)
    assert stub["owner"] == seats["user"].urn
    assert stub["emailAddresses"] == MailStub.objects.get(created_at=start).member.emails


def test_conversation_events_need_windows_of_at_most_12_hours(li, seats, member):
    at = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    services.inmail_send(
        seat_urn=seats["user"].urn, person_urn=member.person_urn, subject="S", body="B", at=at
    )
    services.inmail_accept(
        seat_urn=seats["user"].urn,
        person_urn=member.person_urn,
        at=at + timedelta(hours=1),
    )

    def window(start, end):
        return li.get(
            "v2/conversationEvents",
            f"q=criteria&viewer={seats['user'].urn}&timeRange.start={to_ms(start)}"
            f"&timeRange.end={to_ms(end)}&start=0&count=10",
        )

    too_wide = window(at, at + timedelta(hours=12, seconds=1))
    ok = window(at, at + timedelta(hours=1))

    assert too_wide.status_code == 400
    assert [e["direction"] for e in ok.json()["elements"]] == ["OUTBOUND"]
    event = ok.json()["elements"][0]
    assert event["viewer"] == seats["user"].urn
    assert event["member"] == member.person_urn
    assert event["occurredAt"] == to_ms(at)


def test_prospect_notes_carry_the_active_flag_and_filter_by_owner(li, seats, member):
    at = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    kept = services.note_add(
        seat_urn=seats["user"].urn, person_urn=member.person_urn, note="Keen", at=at
    )
    services.note_add(
        seat_urn=seats["admin"].urn, person_urn=member.person_urn, note="Other owner", at=at
    )
    with time_machine.travel(at + timedelta(hours=2)):
        services.note_deactivate(note_id=kept.note_id)
    query = (
        f"q=criteria&contract=urn:li:contract:100&owners={seats['user'].urn}"
        f"&cutoffDate={to_ms(at)}&beforeDate={to_ms(at + timedelta(hours=3))}&start=0&count=10"
    )

    elements = li.get("v2/prospectNotes", query).json()["elements"]

    assert len(elements) == 1
    assert elements[0]["id"] == kept.note_id
    assert elements[0]["active"] is False
    assert elements[0]["lastModifiedAt"] == to_ms(at + timedelta(hours=2))
    assert ProspectNote.objects.get(note_id=kept.note_id).active is False


def test_inmail_reply_needs_an_inmail_first(seats, member):
    with pytest.raises(services.Refusal):
        services.inmail_accept(seat_urn=seats["user"].urn, person_urn=member.person_urn)

    assert not MailStub.objects.exists()


def test_purged_exports_finder(li, seats, member, listed_job):
    _export(li, seats["user"], member)
    li.control("purge", {"member": member.person_urn})
    never_exported = MemberFactory()

    refused = li.control("purge", {"member": never_exported.person_urn})
    body = li.get(
        "rest/atsPurgedExportedCandidates",
        f"q=integrationContext&integrationContext={ORG}&purgedAfter=1&start=0&count=10",
        rest=True,
    ).json()

    assert refused.status_code == 400
    assert body["paging"]["total"] == 1
    assert body["elements"][0]["member"] == member.person_urn
    assert set(body["elements"][0]) == {"id", "member", "purgedAt"}


def test_finders_refuse_unknown_q_and_bad_paging(li, seats):
    unknown_q = li.get("v2/seatsV2", "q=other&contracts=urn:li:contract:100&start=0")
    bad_count = li.get("v2/seatsV2", "q=attributes&contracts=urn:li:contract:100&start=0&count=x")
    negative = li.get("v2/seatsV2", "q=attributes&contracts=urn:li:contract:100&start=-1")

    assert [r.status_code for r in (unknown_q, bad_count, negative)] == [400, 400, 400]


def test_inactive_seats_are_listed_as_inactive(li, contract):
    SandboxSeatFactory(urn="urn:li:seat:7001", active=False, contract=contract)

    element = li.get("v2/seatsV2", "q=attributes&contracts=urn:li:contract:100&start=0").json()[
        "elements"
    ][0]

    assert element["active"] is False
