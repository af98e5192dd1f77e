"""InMail and notes sync: one cycle (InMails per seat + notes) against the in-process sandbox.

    python bench/interactions.py                      # 100 seats, 10,000 events, fresh SQLite
    python bench/interactions.py --seats 100 --events 10000 --note-share 0.5
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_tracker python bench/interactions.py

What one cycle costs, exactly as the 30-minute task runs it: the real adapter over HTTP to the
sandbox (served by a threaded WSGI server on a local port in this process), one 12-hour window,
``conversationEvents`` once per seat (pages of 50) and ``prospectNotes`` for the contract's seats
(50 owners per call, pages of 100), every item turned into an activity (external id = LinkedIn's
id), half of the members linked to candidates, the other half stored unattached and counted.

Arranged before the clock starts (LinkedIn's side): one contract with ``--seats`` seats on both
sides, 1,000 members, ``--events`` items spread over one 12-hour window (``--note-share`` of
them notes, the rest InMails, evenly over the seats). Timed: the InMail run, the notes run, and
then the same cycle again over the same window (the idempotent re-run: nothing is created).
Rate limits of the sandbox are off: the figure is the sync's own cost. Without DATABASE_URL a
fresh SQLite database is made in a temporary directory; with it, use a scratch database.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import print_figure, print_header, sandbox_environment, start_server

MEMBERS = 1_000
ORG = "urn:li:organization:2414183"
CONTRACT = "urn:li:contract:950"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seats", type=int, default=100, help="seats of the contract (100)")
    parser.add_argument("--events", type=int, default=10_000, help="InMails + notes (10,000)")
    parser.add_argument(
        "--note-share", type=float, default=0.5, help="fraction of the events that are notes"
    )
    args = parser.parse_args()
    if args.seats < 1 or args.events < 1 or not 0 <= args.note_share <= 1:
        parser.error("--seats and --events must be at least 1, --note-share within 0..1")
    return args


def prepare_environment() -> None:
    sandbox_environment("bench-interactions-")


def arrange(args: argparse.Namespace, url: str, window_start: datetime) -> object:
    """Both sides of the world; returns Tracker's contract."""
    from django.conf import settings

    from candidates.models import Candidate, MemberLink
    from tracker_rsc.models import Contract, Integration, LinkedInSeat
    from tracker_rsc.sandbox.models import Contract as SandboxContract
    from tracker_rsc.sandbox.models import (
        ConversationEvent,
        Member,
        ProspectNote,
        SandboxSettings,
        Seat,
    )

    base = f"{url}/sandbox/linkedin"
    settings.SITE_URL = url
    settings.LINKEDIN_API_URL = base
    settings.LINKEDIN_TOKEN_URL = f"{base}/oauth/v2/accessToken"
    settings.LINKEDIN_RATE_LIMIT_ENABLED = False
    SandboxSettings.objects.update_or_create(
        singleton=True, defaults={"rate_limits_enabled": False}
    )

    integration = Integration.get()
    integration.status = Integration.Status.ENABLED
    integration.organization_urn = ORG
    integration.enabled_at = window_start
    integration.save()
    contract, _ = Contract.objects.update_or_create(
        urn=CONTRACT,
        defaults={
            "access_level": Contract.AccessLevel.CONTRACT,
            "inmail_watermark": window_start,
            "note_watermark": window_start,
        },
    )
    li_contract, _ = SandboxContract.objects.get_or_create(
        urn=CONTRACT, defaults={"organization_urn": ORG}
    )
    stamp = int(time.time())
    seats = []
    for n in range(args.seats):
        urn = f"urn:li:seat:{950_000 + n}"
        seats.append(
            Seat.objects.get_or_create(
                urn=urn,
                defaults={"contract": li_contract, "person_urn": f"urn:li:person:bs{stamp}x{n}"},
            )[0]
        )
        LinkedInSeat.objects.get_or_create(seat_urn=urn, defaults={"contract": contract})
    members = Member.objects.bulk_create(
        Member(
            person_urn=f"urn:li:person:bm{stamp}x{n}",
            first_name=f"Member{n}",
            last_name="Bench",
            emails=[f"bm{stamp}.{n}@example.com"],
        )
        for n in range(MEMBERS)
    )
    # Half of the members are Tracker candidates linked to them.
    candidates = Candidate.objects.bulk_create(
        Candidate(first_name=f"Member{n}", last_name="Bench", email=f"bm{stamp}.{n}@example.com")
        for n in range(MEMBERS // 2)
    )
    MemberLink.objects.bulk_create(
        MemberLink(
            candidate=candidate,
            person_urn=members[n].person_urn,
            method=MemberLink.Method.MANUAL,
            matched_on=MemberLink.MatchedOn.MEMBER,
        )
        for n, candidate in enumerate(candidates)
    )
    notes = round(args.events * args.note_share)
    inmails = args.events - notes
    span = timedelta(hours=11, minutes=59)
    ConversationEvent.objects.bulk_create(
        ConversationEvent(
            conversation=f"urn:li:conversation:b{stamp}x{n}",
            seat=seats[n % len(seats)],
            member=members[n % len(members)],
            direction="OUTBOUND" if n % 3 else "INBOUND",
            subject=f"Role {n}",
            body="Hello, would you be open to a conversation about a role?",
            occurred_at=window_start + span * (n / max(1, inmails)),
        )
        for n in range(inmails)
    )
    ProspectNote.objects.bulk_create(
        ProspectNote(
            contract=li_contract,
            owner=seats[n % len(seats)],
            member=members[(n * 7) % len(members)],
            note=f"Screened on the phone, note {n}.",
            created_at=window_start,
            last_modified_at=window_start + span * (n / max(1, notes)),
        )
        for n in range(notes)
    )
    return contract


def main() -> None:
    args = parse_args()
    prepare_environment()
    from bench._common import setup_django

    setup_django()
    logging.disable(logging.WARNING)
    from django.core.management import call_command

    print("   migrating the bench database …", flush=True)
    call_command("migrate", verbosity=0)

    from syncjobs.interactions import SAFETY_LAG, interaction_sync_contract
    from syncjobs.models import SyncRun
    from tracker_rsc.models import Contract

    window_start = datetime.now(tz=UTC).replace(microsecond=0) - timedelta(days=2)
    now = window_start + timedelta(hours=12) + SAFETY_LAG  # exactly one 12-hour window
    server, url = start_server()
    contract = arrange(args, url, window_start)
    print_header(
        f"InMail/notes sync — {args.seats} seats, {args.events} events "
        f"({args.note_share:.0%} notes), one 12-hour window"
    )

    def cycle() -> tuple[float, float, SyncRun, SyncRun]:
        Contract.objects.filter(pk=contract.pk).update(
            inmail_watermark=window_start, note_watermark=window_start
        )
        contract.refresh_from_db()
        started = time.perf_counter()
        inmail_run = interaction_sync_contract(kind="inmail_sync", contract=contract, now=now)
        middle = time.perf_counter()
        note_run = interaction_sync_contract(kind="note_sync", contract=contract, now=now)
        ended = time.perf_counter()
        for run in (inmail_run, note_run):
            if run is None or run.status != SyncRun.Status.SUCCEEDED:
                raise SystemExit(f"run did not succeed: {run and run.error}")
        return middle - started, ended - middle, inmail_run, note_run

    inmail_s, note_s, inmail_run, note_run = cycle()
    print_figure("InMails (per seat)", inmail_s, "s", note=f"{inmail_run.total} events")
    print_figure("notes", note_s, "s", note=f"{note_run.total} notes")
    unlinked = sum(run.counters.get("unlinked_member", 0) for run in (inmail_run, note_run))
    print_figure(
        "one cycle (InMails + notes)",
        inmail_s + note_s,
        "s",
        note=f"created {inmail_run.created + note_run.created}, unlinked {unlinked}",
    )
    again_inmail, again_note, rerun_inmail, rerun_note = cycle()
    print_figure(
        "same window again (idempotent re-run)",
        again_inmail + again_note,
        "s",
        note=f"created {rerun_inmail.created + rerun_note.created}",
    )
    server.shutdown()


if __name__ == "__main__":
    main()
