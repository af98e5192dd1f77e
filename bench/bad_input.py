"""Bad input on every surface, and what each got back: ``python bench/bad_input.py``.

    python bench/bad_input.py            # always a fresh SQLite database in a temp folder
    python bench/bad_input.py --markdown # the table as Markdown (bench/report.py includes it)

Sends a list of bad inputs through the real entry points (the REST API and the admin through
Django's test Client signed in as an admin, LinkedIn's callback with and without a valid
signature, the management commands through ``call_command``, LinkedIn's payloads through the
adapter's parsers) and prints, for each, the answer (HTTP status and the first message, or the
exception) and whether the database changed: every table's row count is compared before and
after. Nothing may be written, except that the callback keeps a ``rejected`` row of what it
refused, for audit (docs/architecture.md §8: nothing LinkedIn sends is lost); that row is reported as such.
The exit status is 1 when any input was accepted or changed something it should not have.
"""

# ruff: noqa: E501, S106  (one probe a line; the tokens are made-up test values)

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import print_header

CALLBACK_SECRET = "bench-bad-input-secret"  # noqa: S105 (a throwaway test secret)
ORG = "urn:li:organization:2414183"


@dataclass
class Probe:
    surface: str
    what: str
    send: Callable[[], tuple[bool, str]]  # (refused?, what came back)
    audit_table: str = ""  # a table that may gain a row by design (the callback's audit)


@dataclass
class Result:
    probe: Probe
    refused: bool
    answer: str
    changed: dict[str, int]

    @property
    def ok(self) -> bool:
        allowed = {self.probe.audit_table} if self.probe.audit_table else set()
        return self.refused and set(self.changed) <= allowed


def prepare_environment() -> None:
    # Always a fresh SQLite database: the probes need a known, empty starting point.
    os.environ.pop("DATABASE_URL", None)
    os.environ["TRACKER_VAR_DIR"] = tempfile.mkdtemp(prefix="bench-bad-input-")
    # DEBUG serves the admin's static files without a collectstatic manifest.
    os.environ["DEBUG"] = "true"
    os.environ.setdefault("LOG_LEVEL", "CRITICAL")
    os.environ["LINKEDIN_CLIENT_SECRET"] = CALLBACK_SECRET
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")


def row_counts() -> dict[str, int]:
    from django.apps import apps

    return {
        model._meta.db_table: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    }


def first_message(data: Any) -> str:
    """The first error message in a DRF/Django error body, with the field it names."""
    if isinstance(data, dict):
        for key, value in data.items():
            inner = first_message(value)
            return f"{key}: {inner}" if inner else str(key)
    if isinstance(data, list) and data:
        return first_message(data[0])
    return str(data)


def short(text: str, limit: int = 110) -> str:
    text = " ".join(str(text).split()).replace("|", "/")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def probes() -> list[Probe]:
    from django.contrib.auth import get_user_model
    from django.core.management import CommandError, call_command
    from django.test import Client

    from candidates.services import candidate_create
    from requisitions.models import Requisition
    from requisitions.services import requisition_create
    from tracker_rsc.linkedin import PayloadError, parse_push
    from tracker_rsc.linkedin.payloads import ExportedCandidate, Seat
    from tracker_rsc.linkedin.signatures import SIGNATURE_HEADER, signature_header
    from tracker_rsc.models import Contract, Integration

    admin = get_user_model().objects.create_superuser("bench-admin", "admin@example.com", "x")
    client = Client()
    client.force_login(admin)
    integration = Integration.get()
    integration.status = Integration.Status.ENABLED
    integration.organization_urn = ORG
    integration.save()
    candidate = candidate_create(
        actor=admin, first_name="Jane", last_name="Doe", email="jane@example.com"
    )
    requisition = requisition_create(actor=admin, title="Data Engineer", owners=[admin])
    contract = Contract.objects.create(urn="urn:li:contract:100", name="Agency")
    assert isinstance(requisition, Requisition)

    def api(method: str, url: str, body: Any = None) -> Callable[[], tuple[bool, str]]:
        def send() -> tuple[bool, str]:
            call = getattr(client, method)
            if body is None:
                response = call(url)
            else:
                response = call(url, json.dumps(body), content_type="application/json")
            try:
                message = first_message(response.json())
            except ValueError:
                message = response.content[:80].decode(errors="replace")
            return 400 <= response.status_code < 500, f"{response.status_code} {message}"

        return send

    def callback(body: bytes, *, sign: bool = True, token: str | None = None):
        def send() -> tuple[bool, str]:
            headers = {}
            if sign:
                header = SIGNATURE_HEADER.upper().replace("-", "_")
                headers[f"HTTP_{header}"] = signature_header(body, CALLBACK_SECRET)
            path = (
                integration.callback_path
                if token is None
                else f"/integrations/linkedin/callback/{token}/"
            )
            response = Client().post(path, body, content_type="application/json", **headers)
            return 400 <= response.status_code < 500, (
                f"{response.status_code} {response.content[:90].decode(errors='replace')}"
            )

        return send

    def challenge(code: str, *, token: str | None = None):
        def send() -> tuple[bool, str]:
            path = (
                integration.callback_path
                if token is None
                else f"/integrations/linkedin/callback/{token}/"
            )
            response = Client().get(path, {"challengeCode": code})
            return 400 <= response.status_code < 500 and b"challengeResponse" not in (
                response.content
            ), f"{response.status_code} {response.content[:90].decode(errors='replace')}"

        return send

    def admin_form(url: str, data: dict[str, Any]):
        def send() -> tuple[bool, str]:
            response = client.post(url, data)
            if response.status_code != 200 or not response.context:
                return False, f"{response.status_code} (accepted)"
            form = response.context["adminform"].form
            return bool(
                form.errors
            ), f"{response.status_code} form error: {first_message(form.errors)}"

        return send

    def command(*args: Any):
        def send() -> tuple[bool, str]:
            try:
                call_command(*args, stdout=open(os.devnull, "w"), stderr=open(os.devnull, "w"))  # noqa: SIM115
            except CommandError as exc:
                return True, f"CommandError: {exc}"
            except SystemExit as exc:
                return True, f"usage error (exit {exc.code})"
            return False, "ran"

        return send

    def payload(parse: Callable[[], Any]):
        def send() -> tuple[bool, str]:
            try:
                parse()
            except PayloadError as exc:
                return True, f"PayloadError: {exc}"
            return False, "parsed"

        return send

    member_links = {
        "member_links-TOTAL_FORMS": "0",
        "member_links-INITIAL_FORMS": "0",
        "member_links-MIN_NUM_FORMS": "0",
        "member_links-MAX_NUM_FORMS": "1000",
    }
    candidate_form = {
        "first_name": "Jane",
        "last_name": "Doe",
        "email": "not an email",
        "phone": "",
        "location": "",
        "current_title": "",
        "current_company": "",
        "headline": "",
        "linkedin_profile_url": "",
        "cv_text": "",
        **member_links,
    }
    seat_form = {
        "first_name": "Sam",
        "last_name": "Seat",
        "user": "",
        "seat_urn": "urn:li:seat:9001",
        "person_urn": "urn:li:person:sam",
        "contract": contract.pk,
        "active": "on",
        "product": "sales_navigator",
        "role": "recruiter_user",
    }
    exported = {
        "requestId": "r1",
        "integrationContext": ORG,
        "externalJobPostingId": "1",
        "candidate": {
            "member": "urn:li:person:X",
            "profileUrl": "https://www.linkedin.com/in/x",
            "firstName": "X",
            "lastName": "Y",
            "emailAddresses": ["x@example.com"],
        },
    }
    cand = f"/api/v1/candidates/{candidate.pk}/"
    return [
        Probe("API", "candidate with an invalid email", api("post", "/api/v1/candidates/", {"first_name": "A", "last_name": "B", "email": "nope"})),
        Probe("API", "candidate with a non-LinkedIn profile URL", api("post", "/api/v1/candidates/", {"first_name": "A", "last_name": "B", "email": "a@example.com", "linkedin_profile_url": "https://evil.example/in/x"})),
        Probe("API", "candidate PATCH with a 10,000-character first name", api("patch", cand, {"first_name": "x" * 10_000})),
        Probe("API", "candidate PATCH with a wrong type (list as email)", api("patch", cand, {"email": ["a@example.com"]})),
        Probe("API", "requisition without owners", api("post", "/api/v1/requisitions/", {"title": "T", "owners": []})),
        Probe("API", "requisition with an unknown status", api("post", "/api/v1/requisitions/", {"title": "T", "owners": [admin.pk], "status": "maybe"})),
        Probe("API", "requisition owner id beyond 64 bits", api("post", "/api/v1/requisitions/", {"title": "T", "owners": [2**64]})),
        Probe("API", "placement on an unknown requisition", api("post", "/api/v1/placements/", {"candidate": candidate.pk, "requisition": 999_999})),
        Probe("API", "placement filter with a non-numeric id", api("get", "/api/v1/placements/?candidate=abc")),
        Probe("API", "activities filter with an id beyond 64 bits", api("get", f"/api/v1/activities/?candidate={2**64}")),
        Probe("API", "candidate list with updated_after not a date", api("get", "/api/v1/candidates/?updated_after=yesterday")),
        Probe("API", "skills search without q", api("get", "/api/v1/skills/search/")),
        Probe("API", "activity created through the read-only endpoint", api("post", "/api/v1/activities/", {"kind": "note"})),
        Probe("callback", "unknown token", callback(b'{"type":"EXPORT_CANDIDATE_PROFILE","id":"r1"}', token="nope")),
        Probe("callback", "challenge on an unknown token", challenge("0f3c2b1a-5e4d", token="nope")),
        Probe("callback", "challenge code shaped like a push body", challenge('{"type":"EXPORT_CANDIDATE_PROFILE","id":"r1"}')),
        Probe("callback", "no signature", callback(b'{"type":"EXPORT_CANDIDATE_PROFILE","id":"r1"}', sign=False), "syncjobs_inboundnotification"),
        Probe("callback", "signed, body not JSON", callback(b"{truncated"), "syncjobs_inboundnotification"),
        Probe("callback", "signed, JSON without an id", callback(b'{"type":"EXPORT_CANDIDATE_PROFILE"}'), "syncjobs_inboundnotification"),
        Probe("callback", "signed, arrays nested 100,000 deep", callback(b"[" * 100_000 + b"]" * 100_000), "syncjobs_inboundnotification"),
        Probe("admin", "candidate with an invalid email", admin_form("/admin/candidates/candidate/add/", candidate_form)),
        Probe("admin", "LinkedIn seat with a Sales Navigator license", admin_form("/admin/tracker_rsc/linkedinseat/add/", seat_form)),
        Probe("admin", "seat with Hiring Assistant on a custom role without permissions", admin_form("/admin/tracker_rsc/linkedinseat/add/", {**seat_form, "product": "recruiter", "role": "custom", "hiring_assistant": "on"})),
        Probe("command", "run_sync with an unknown kind", command("run_sync", "no_such_kind")),
        Probe("command", "enable_integration by an unknown user", command("enable_integration", "--organization", ORG, "--user", "nobody-by-this-name")),
        Probe("command", "smoke_worker --timeout 0", command("smoke_worker", "--timeout", "0")),
        Probe("command", "seed_demo --candidates 0", command("seed_demo", "--candidates", "0")),
        Probe("LinkedIn payload", "push body not JSON", payload(lambda: parse_push(b"<html>"))),
        Probe("LinkedIn payload", "push id an empty string", payload(lambda: parse_push(b'{"type":"X","id":"  "}'))),
        Probe("LinkedIn payload", "export without integrationContext", payload(lambda: ExportedCandidate.from_json({k: v for k, v in exported.items() if k != "integrationContext"}))),
        Probe("LinkedIn payload", "export with emailAddresses a number", payload(lambda: ExportedCandidate.from_json({**exported, "candidate": {**exported["candidate"], "emailAddresses": 7}}))),
        Probe("LinkedIn payload", "seat with active as a string", payload(lambda: Seat.from_json({"id": "urn:li:seat:1", "contract": "c", "person": "p", "product": "RECRUITER", "role": "RECRUITER_USER", "active": "yes"}))),
    ]  # fmt: skip


def run_probes() -> list[Result]:
    results = []
    for probe in probes():
        before = row_counts()
        refused, answer = probe.send()
        after = row_counts()
        changed = {
            table: after[table] - before[table] for table in after if after[table] != before[table]
        }
        results.append(Result(probe, refused, short(answer), changed))
    return results


def markdown(results: list[Result]) -> str:
    lines = [
        "| surface | bad input | what it got back | written to the database | ok |",
        "| --- | --- | --- | --- | --- |",
    ]
    for result in results:
        if not result.changed:
            written = "nothing"
        else:
            written = ", ".join(f"{table} {delta:+d}" for table, delta in result.changed.items())
            if result.probe.audit_table and set(result.changed) <= {result.probe.audit_table}:
                written += " (the rejected push, kept for audit)"
        lines.append(
            f"| {result.probe.surface} | {result.probe.what} | {result.answer} | {written} "
            f"| {'yes' if result.ok else '**NO**'} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--markdown", action="store_true", help="print only the Markdown table")
    args = parser.parse_args()
    prepare_environment()
    from bench._common import setup_django

    setup_django()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    call_command("migrate", verbosity=0)
    logging.disable(logging.CRITICAL)  # the refused requests' warnings are the table's rows
    setup_test_environment()  # response.context for the admin forms; no other effect here
    if not args.markdown:
        print_header("bad input on every surface")
    results = run_probes()
    print(markdown(results))
    bad = [result for result in results if not result.ok]
    if not args.markdown:
        print(
            f"\n== {len(results) - len(bad)} of {len(results)} bad inputs refused, nothing written"
        )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
