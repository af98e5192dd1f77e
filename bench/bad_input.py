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
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import print_header

CALLBACK_SECRET = "bench-bad-input-secret"  # noqa: S105 (a throwaway test secret)
ORG = "urn:li:organization:2414183"
# The callback stores the push it refused, for audit (docs/architecture.md §8: nothing LinkedIn
# sends is lost).
REJECTED_PUSH = (("syncjobs_inboundnotification",), "the rejected push, kept for audit")
# django-axes records each failed login (per username and address) to lock the pair out.
FAILED_LOGIN = (
    ("axes_accessattempt", "axes_accessfailurelog"),
    "the failed login, counted for the lockout",
)


@dataclass
class Probe:
    surface: str
    what: str
    send: Callable[[], tuple[bool, str]]  # (refused?, what came back)
    # Tables that may gain a row by design, and what that row is (the callback keeps the push
    # it refused; a failed login is recorded for the lockout).
    audit_tables: tuple[str, ...] = ()
    audit_note: str = ""


@dataclass
class Result:
    probe: Probe
    refused: bool
    answer: str
    changed: dict[str, int]

    @property
    def ok(self) -> bool:
        allowed = set(self.probe.audit_tables)
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
    from django.conf import settings
    from django.contrib import messages
    from django.contrib.auth import get_user_model
    from django.core.management import CommandError, call_command
    from django.test import Client, override_settings
    from knox.models import AuthToken

    from candidates.services import candidate_create
    from requisitions.models import Requisition
    from requisitions.services import placement_create, requisition_create
    from tracker_rsc.linkedin import PayloadError, parse_push
    from tracker_rsc.linkedin.payloads import (
        ApplicationEvaluation,
        ConversationEvent,
        ExportedCandidate,
        MailStub,
        ProjectConnectionChange,
        ProspectNote,
        PurgedExport,
        Seat,
    )
    from tracker_rsc.linkedin.signatures import SIGNATURE_HEADER, signature_header
    from tracker_rsc.models import Contract, Integration

    users = get_user_model().objects
    admin = users.create_superuser("bench-admin", "admin@example.com", "bench-admin-password")
    recruiter = users.create_user("bench-recruiter", "rec@example.com", "bench-recruiter-pw")
    client = Client()
    client.force_login(admin)
    recruiter_client = Client()
    recruiter_client.force_login(recruiter)
    token = AuthToken.objects.create(user=recruiter)[1]
    revoked_instance, revoked = AuthToken.objects.create(user=recruiter)
    revoked_instance.delete()  # what logout or the admin's revoke does
    _, expired = AuthToken.objects.create(user=recruiter, expiry=timedelta(seconds=-1))
    users.create_user("bench-lockout", "lockout@example.com", "bench-lockout-password")
    writer = Client()  # a user who has written nothing yet, for the write-rate probe
    writer.force_login(users.create_superuser("bench-writer", "w@example.com", "x" * 20))
    integration = Integration.get()
    integration.status = Integration.Status.ENABLED
    integration.organization_urn = ORG
    integration.save()
    candidate = candidate_create(
        actor=admin, first_name="Jane", last_name="Doe", email="jane@example.com"
    )
    requisition = requisition_create(actor=admin, title="Data Engineer", owners=[admin])
    closed = requisition_create(actor=admin, title="Closed job", owners=[admin], status="closed")
    placement_create(candidate=candidate, requisition=requisition, actor=admin)
    contract = Contract.objects.create(urn="urn:li:contract:100", name="Agency")
    assert isinstance(requisition, Requisition)
    sandbox_on = _sandbox_ready()

    def answer(response: Any) -> str:
        try:
            message = first_message(response.json())
        except ValueError:
            message = response.content[:80].decode(errors="replace")
        return f"{response.status_code} {message}"

    def api(
        method: str,
        url: str,
        body: Any = None,
        *,
        as_user: Client | None = None,
        raw: bytes | None = None,
        content_type: str = "application/json",
        **headers: str,
    ) -> Callable[[], tuple[bool, str]]:
        def send() -> tuple[bool, str]:
            call = getattr(as_user or client, method)
            if raw is not None:
                response = call(url, raw, content_type=content_type, **headers)
            elif body is None:
                response = call(url, **headers)
            else:
                response = call(url, json.dumps(body), content_type=content_type, **headers)
            return 400 <= response.status_code < 500, answer(response)

        return send

    def callback(
        body: bytes,
        *,
        sign: bool = True,
        token: str | None = None,
        secret: str = CALLBACK_SECRET,
        header: str | None = None,
        method: str = "post",
    ):
        def send() -> tuple[bool, str]:
            headers = {}
            if sign or header is not None:
                name = SIGNATURE_HEADER.upper().replace("-", "_")
                headers[f"HTTP_{name}"] = header or signature_header(body, secret)
            path = (
                integration.callback_path
                if token is None
                else f"/integrations/linkedin/callback/{token}/"
            )
            call = getattr(Client(), method)
            response = call(path, body, content_type="application/json", **headers)
            return 400 <= response.status_code < 500, (
                f"{response.status_code} {response.content[:90].decode(errors='replace')}"
            )

        return send

    def challenge(code: str | None, *, token: str | None = None):
        def send() -> tuple[bool, str]:
            path = (
                integration.callback_path
                if token is None
                else f"/integrations/linkedin/callback/{token}/"
            )
            response = Client().get(path, {} if code is None else {"challengeCode": code})
            return 400 <= response.status_code < 500 and b"challengeResponse" not in (
                response.content
            ), f"{response.status_code} {response.content[:90].decode(errors='replace')}"

        return send

    def admin_form(url: str, data: dict[str, Any]):
        def send() -> tuple[bool, str]:
            # The inlines' management forms as the add page renders them (no inline rows).
            page = client.get(url)
            management = {}
            for inline in page.context["inline_admin_formsets"]:
                form = inline.formset.management_form
                management.update({f"{form.prefix}-{k}": v for k, v in form.initial.items()})
            response = client.post(url, {**management, **data})
            if response.status_code != 200 or not response.context:
                return False, f"{response.status_code} (accepted)"
            form = response.context["adminform"].form
            errors = form.errors or next(
                (
                    f.errors
                    for f in response.context["inline_admin_formsets"]
                    if any(f.formset.errors)
                ),
                None,
            )
            return bool(errors), f"{response.status_code} form error: {first_message(errors)}"

        return send

    def login(url: str, username: str, password: str):
        def send() -> tuple[bool, str]:
            response = Client().post(url, {"username": username, "password": password})
            signed_in = response.wsgi_request.user.is_authenticated or response.status_code == 302
            form = (response.context or {}).get("form")
            message = first_message(form.errors) if form is not None and form.errors else ""
            return not signed_in, short(f"{response.status_code} {message}".strip(), 100)

        return send

    def signin(method: str, url: str, params: dict[str, str] | None = None):
        def send() -> tuple[bool, str]:
            response = getattr(recruiter_client, method)(url, params or {})
            if response.status_code != 302:
                return 400 <= response.status_code < 500, f"{response.status_code}"
            refusals = [
                str(message)
                for message in response.wsgi_request._messages
                if message.level >= messages.WARNING
            ]
            return bool(refusals), short(
                f"302 to {response['Location']}: {refusals[0] if refusals else 'no refusal'}", 100
            )

        return send

    def throttled_write() -> tuple[bool, str]:
        # The write rate lowered to one a minute for a user who has written nothing yet: the
        # second (refused) write is over it.
        rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "write": "1/min"}
        body = json.dumps({"first_name": "A", "last_name": "B", "email": "not an email"})
        with override_settings(
            REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
        ):
            for _ in range(2):
                response = writer.post("/api/v1/candidates/", body, content_type="application/json")
        return response.status_code == 429, short(
            f"{answer(response)} (Retry-After: {response.get('Retry-After')})"
        )

    def locked_out() -> tuple[bool, str]:
        # AXES_FAILURE_LIMIT wrong passwords for one username from one address, then the right one.
        for _ in range(settings.AXES_FAILURE_LIMIT):
            Client().post("/accounts/login/", {"username": "bench-lockout", "password": "wrong"})
        response = Client().post(
            "/accounts/login/", {"username": "bench-lockout", "password": "bench-lockout-password"}
        )
        signed_in = response.wsgi_request.user.is_authenticated
        return not signed_in and response.status_code == 429, (
            f"{response.status_code} locked out (Retry-After: {response.get('Retry-After')})"
        )

    def beyond_the_callback_bound() -> tuple[bool, str]:
        with override_settings(CALLBACK_REJECTED_PER_HOUR=0):
            return callback(push, sign=False)()

    def sandbox(
        action: str,
        body: Any = None,
        *,
        raw: bytes | None = None,
        method: str = "post",
        as_user: Client | None = None,
    ):
        def send() -> tuple[bool, str]:
            if not sandbox_on:
                return False, "the sandbox is not installed"
            url = f"/sandbox/linkedin/control/api/{action}"
            call = getattr(as_user or client, method)
            data = raw if raw is not None else json.dumps(body if body is not None else {})
            response = call(url, data, content_type="application/json")
            return 400 <= response.status_code < 500, answer(response)

        return send

    def command(*args: Any, debug: bool = True):
        def send() -> tuple[bool, str]:
            try:
                with override_settings(DEBUG=debug):
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
    requisition_form = {
        "title": "Job",
        "client_name": "",
        "location": "",
        "description": "",
        "status": "open",
        "kind": "standard",
        "availability": "public",
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
    evaluation = {
        "requestId": "e1",
        "integrationContext": ORG,
        "hiringProject": "urn:li:hiringProject:77",
        "externalJobRequisitionId": "1",
        "externalCandidateId": "1",
        "member": None,
        "rank": "TOP",
        "basis": "RESUME_ONLY",
        "summary": "Meets 5 of 5",
        "qualifications": [],
        "evaluatedAt": 1764000000000,
    }
    cand = f"/api/v1/candidates/{candidate.pk}/"
    req = f"/api/v1/requisitions/{requisition.pk}/"
    anonymous = Client()
    # The staff user's own browser session, but a script that sends no CSRF token.
    no_csrf = Client(enforce_csrf_checks=True)
    no_csrf.force_login(admin)
    push = b'{"type":"EXPORT_CANDIDATE_PROFILE","id":"r1"}'
    return [
        # --- REST API ---------------------------------------------------------------------
        Probe("API", "candidate with an invalid email", api("post", "/api/v1/candidates/", {"first_name": "A", "last_name": "B", "email": "nope"})),
        Probe("API", "candidate with a non-LinkedIn profile URL", api("post", "/api/v1/candidates/", {"first_name": "A", "last_name": "B", "email": "a@example.com", "linkedin_profile_url": "https://evil.example/in/x"})),
        Probe("API", "candidate with a javascript: profile URL", api("post", "/api/v1/candidates/", {"first_name": "A", "last_name": "B", "email": "a@example.com", "linkedin_profile_url": "javascript:alert(1)"})),
        Probe("API", "candidate with a skill outside the Quick Skills dictionary", api("post", "/api/v1/candidates/", {"first_name": "A", "last_name": "B", "email": "a@example.com", "skills": ["Underwater basket weaving"]})),
        Probe("API", "candidate with a number as first name (wrong JSON type)", api("post", "/api/v1/candidates/", {"first_name": 7, "last_name": "B", "email": "a@example.com"})),
        Probe("API", "candidate PATCH with a 10,000-character first name", api("patch", cand, {"first_name": "x" * 10_000})),
        Probe("API", "candidate PATCH with a wrong type (list as email)", api("patch", cand, {"email": ["a@example.com"]})),
        Probe("API", "candidate body a JSON array, not an object", api("post", "/api/v1/candidates/", [{"first_name": "A"}])),
        Probe("API", "candidate body not JSON", api("post", "/api/v1/candidates/", raw=b"{first_name: A")),
        Probe("API", "candidate body form-encoded (JSON only)", api("post", "/api/v1/candidates/", raw=b"first_name=A&last_name=B&email=a%40example.com", content_type="application/x-www-form-urlencoded")),
        Probe("API", "candidate delete by a recruiter (admins only)", api("delete", cand, as_user=recruiter_client)),
        Probe("API", "candidate erase without a reason", api("post", f"{cand}erase/", {})),
        Probe("API", "candidate id beyond 64 bits in the path", api("get", f"/api/v1/candidates/{2**64}/")),
        Probe("API", "candidate id not a number in the path", api("patch", "/api/v1/candidates/1.5/", {"first_name": "A"})),
        Probe("API", "requisition without owners", api("post", "/api/v1/requisitions/", {"title": "T", "owners": []})),
        Probe("API", "requisition with an unknown status", api("post", "/api/v1/requisitions/", {"title": "T", "owners": [admin.pk], "status": "maybe"})),
        Probe("API", "requisition owner id beyond 64 bits", api("post", "/api/v1/requisitions/", {"title": "T", "owners": [2**64]})),
        Probe("API", "requisition owner id as a string", api("post", "/api/v1/requisitions/", {"title": "T", "owners": [str(admin.pk)]})),
        Probe("API", "requisition owner that does not exist", api("post", "/api/v1/requisitions/", {"title": "T", "owners": [999_999]})),
        Probe("API", "requisition changed by a recruiter who does not own it", api("patch", req, {"title": "Mine now"}, as_user=recruiter_client)),
        Probe("API", "placement on an unknown requisition", api("post", "/api/v1/placements/", {"candidate": candidate.pk, "requisition": 999_999})),
        Probe("API", "placement on a closed requisition", api("post", "/api/v1/placements/", {"candidate": candidate.pk, "requisition": closed.pk})),
        Probe("API", "placement of a candidate already on the shortlist", api("post", "/api/v1/placements/", {"candidate": candidate.pk, "requisition": requisition.pk})),
        Probe("API", "placement filter with a non-numeric id", api("get", "/api/v1/placements/?candidate=abc")),
        Probe("API", "activities filter with an id beyond 64 bits", api("get", f"/api/v1/activities/?candidate={2**64}")),
        Probe("API", "candidate list with updated_after not a date", api("get", "/api/v1/candidates/?updated_after=yesterday")),
        Probe("API", "candidate list with updated_after sent empty", api("get", "/api/v1/candidates/?updated_after=")),
        Probe("API", "list with page_size 0", api("get", "/api/v1/requisitions/?page_size=0")),
        Probe("API", "list with page_size 10,000", api("get", "/api/v1/requisitions/?page_size=10000")),
        Probe("API", "list with a cursor the API never gave", api("get", "/api/v1/candidates/?cursor=not-a-cursor")),
        Probe("API", "skills search without q", api("get", "/api/v1/skills/search/")),
        Probe("API", "skills search with q only combining accents", api("get", "/api/v1/skills/search/?q=%CC%81%CC%81")),
        Probe("API", "skills search with a 201-character q", api("get", "/api/v1/skills/search/?q=" + "a" * 201)),
        Probe("API", "activity created through the read-only endpoint", api("post", "/api/v1/activities/", {"kind": "note"})),
        Probe("API", "an Accept header asking for XML", api("get", "/api/v1/candidates/", HTTP_ACCEPT="application/xml")),
        Probe("API", "no credentials", api("post", "/api/v1/candidates/", {"first_name": "A", "last_name": "B", "email": "a@example.com"}, as_user=anonymous)),
        Probe("API", "a token that does not exist", api("post", "/api/v1/candidates/", {"first_name": "A", "last_name": "B", "email": "a@example.com"}, as_user=anonymous, HTTP_AUTHORIZATION="Token " + "0" * 40)),
        Probe("API", "the OpenAPI schema without a login", api("get", "/api/schema/", as_user=anonymous)),
        Probe("API", "a revoked token", api("get", "/api/v1/candidates/", as_user=anonymous, HTTP_AUTHORIZATION=f"Token {revoked}")),
        Probe("API", "an expired token", api("get", "/api/v1/candidates/", as_user=anonymous, HTTP_AUTHORIZATION=f"Token {expired}"), ("knox_authtoken",), "the expired token deleted"),
        Probe("API", "a second write within the minute at a write rate of 1/min", throttled_write),
        Probe("API", "a valid token, wrong scheme (Bearer)", api("get", "/api/v1/candidates/", as_user=anonymous, HTTP_AUTHORIZATION=f"Bearer {token}")),
        # --- LinkedIn's callback ----------------------------------------------------------
        Probe("callback", "unknown token", callback(push, token="nope")),
        Probe("callback", "challenge on an unknown token", challenge("0f3c2b1a-5e4d", token="nope")),
        Probe("callback", "challenge code shaped like a push body", challenge('{"type":"EXPORT_CANDIDATE_PROFILE","id":"r1"}')),
        Probe("callback", "challenge code of 129 characters", challenge("a" * 129)),
        Probe("callback", "GET without a challenge code", challenge(None)),
        Probe("callback", "PUT instead of POST", callback(push, method="put")),
        Probe("callback", "no signature", callback(push, sign=False), *REJECTED_PUSH),
        Probe("callback", "signed with another secret", callback(push, secret="not-the-client-secret"), *REJECTED_PUSH),
        Probe("callback", "signature header without the hmacsha256= prefix", callback(push, header="0" * 64), *REJECTED_PUSH),
        Probe("callback", "an unsigned push beyond the hour's bound of stored forgeries", beyond_the_callback_bound, ("syncjobs_inboundnotification",), "the hour's one summary row that counts them"),
        Probe("callback", "another unsigned push beyond the bound", beyond_the_callback_bound),
        Probe("callback", "signed, empty body", callback(b""), *REJECTED_PUSH),
        Probe("callback", "signed, body not JSON", callback(b"{truncated"), *REJECTED_PUSH),
        Probe("callback", "signed, JSON without an id", callback(b'{"type":"EXPORT_CANDIDATE_PROFILE"}'), *REJECTED_PUSH),
        Probe("callback", "signed, body a JSON array", callback(b'[{"type":"EXPORT_CANDIDATE_PROFILE","id":"r1"}]'), *REJECTED_PUSH),
        Probe("callback", "signed, arrays nested 100,000 deep", callback(b"[" * 100_000 + b"]" * 100_000), *REJECTED_PUSH),
        # --- Django admin forms -----------------------------------------------------------
        Probe("admin", "candidate with an invalid email", admin_form("/admin/candidates/candidate/add/", candidate_form)),
        Probe("admin", "candidate with a non-LinkedIn profile URL", admin_form("/admin/candidates/candidate/add/", {**candidate_form, "email": "jane@example.com", "linkedin_profile_url": "ftp://example.com/in/jane"})),
        Probe("admin", "LinkedIn seat with a Sales Navigator license", admin_form("/admin/tracker_rsc/linkedinseat/add/", seat_form)),
        Probe("admin", "seat with Hiring Assistant on a custom role without permissions", admin_form("/admin/tracker_rsc/linkedinseat/add/", {**seat_form, "product": "recruiter", "role": "custom", "hiring_assistant": "on"})),
        Probe("admin", "seat URN that is not urn:li:seat:N", admin_form("/admin/tracker_rsc/linkedinseat/add/", {**seat_form, "product": "recruiter", "seat_urn": "seat 9001"})),
        Probe("admin", "contract URN that is not urn:li:contract:N", admin_form("/admin/tracker_rsc/contract/add/", {"urn": "contract-100", "name": "X", "access_level": "contract", "active": "on"})),
        Probe("admin", "Quick Skill with an empty name", admin_form("/admin/candidates/quickskill/add/", {"name": "  "})),
        Probe("admin", "requisition without owners", admin_form("/admin/requisitions/requisition/add/", requisition_form)),
        Probe("admin", "requisition with an unknown kind", admin_form("/admin/requisitions/requisition/add/", {**requisition_form, "kind": "temporary", "owners": [admin.pk]})),
        # --- sandbox control API (a person or a test acting as LinkedIn) -------------------
        Probe("sandbox control API", "unknown action", sandbox("no-such-action")),
        Probe("sandbox control API", "body not JSON", sandbox("export", raw=b"{seat:")),
        Probe("sandbox control API", "body a JSON array", sandbox("export", ["urn:li:seat:1"])),
        Probe("sandbox control API", "export without a seat or member", sandbox("export", {})),
        Probe("sandbox control API", "export by a seat that does not exist", sandbox("export", {"seat": "urn:li:seat:404", "member": "urn:li:person:x", "job": "1"})),
        Probe("sandbox control API", "fault with a fraction above 1", sandbox("fault-add", {"endpoint": "*", "kind": "http_500", "fraction": 2})),
        Probe("sandbox control API", "fault on an endpoint that does not exist", sandbox("fault-add", {"endpoint": "v9/nothing", "kind": "http_500", "count": 1})),
        Probe("sandbox control API", "evaluate with ranks not an object", sandbox("evaluate", {"seat": "urn:li:seat:1", "requisition_id": "1", "ranks": ["TOP"]})),
        Probe("sandbox control API", "redeliver a push that does not exist", sandbox("redeliver", {"push_id": 999_999})),
        Probe("sandbox control API", "integration status without an integration id", sandbox("integration-status", {})),
        Probe("sandbox control API", "member without a name", sandbox("member-add", {"email": "m@example.com"})),
        Probe("sandbox control API", "an action by a signed-in recruiter who is not staff", sandbox("member-add", {"first_name": "A", "last_name": "B"}, as_user=recruiter_client)),
        Probe("sandbox control API", "an action with no login", sandbox("member-add", {"first_name": "A", "last_name": "B"}, as_user=anonymous)),
        Probe("sandbox control API", "an action by staff without the CSRF token", sandbox("member-add", {"first_name": "A", "last_name": "B"}, as_user=no_csrf)),
        Probe("sandbox control API", "challenge against a caller-chosen URL", sandbox("challenge", {"url": "http://169.254.169.254/latest/meta-data/"})),
        # --- management commands ----------------------------------------------------------
        Probe("command", "run_sync with an unknown kind", command("run_sync", "no_such_kind")),
        Probe("command", "enable_integration by an unknown user", command("enable_integration", "--organization", ORG, "--user", "nobody-by-this-name")),
        Probe("command", "enable_integration with a malformed organization URN", command("enable_integration", "--organization", "organization 2414183")),
        Probe("command", "enable_integration with a malformed contract URN", command("enable_integration", "--organization", ORG, "--contract", "contract:100")),
        Probe("command", "smoke_worker --timeout 0", command("smoke_worker", "--timeout", "0")),
        Probe("command", "seed_demo --candidates 0", command("seed_demo", "--candidates", "0")),
        Probe("command", "seed_demo with DEBUG off (no --allow-production)", command("seed_demo", debug=False)),
        Probe("command", "seed_demo --requisitions 1", command("seed_demo", "--requisitions", "1")),
        Probe("command", "seed_demo --candidates not-a-number", command("seed_demo", "--candidates", "many")),
        Probe("command", "create_api_token for an unknown user", command("create_api_token", "nobody-by-this-name")),
        Probe("command", "create_api_token --expires-days 0", command("create_api_token", "bench-recruiter", "--expires-days", "0")),
        Probe("command", "create_api_token --expires-days not-a-number", command("create_api_token", "bench-recruiter", "--expires-days", "soon")),
        # --- LinkedIn's payloads (what the client reads back) -----------------------------
        Probe("LinkedIn payload", "push body not JSON", payload(lambda: parse_push(b"<html>"))),
        Probe("LinkedIn payload", "push id an empty string", payload(lambda: parse_push(b'{"type":"X","id":"  "}'))),
        Probe("LinkedIn payload", "export without integrationContext", payload(lambda: ExportedCandidate.from_json({k: v for k, v in exported.items() if k != "integrationContext"}))),
        Probe("LinkedIn payload", "export with emailAddresses a number", payload(lambda: ExportedCandidate.from_json({**exported, "candidate": {**exported["candidate"], "emailAddresses": 7}}))),
        Probe("LinkedIn payload", "export with the candidate a string", payload(lambda: ExportedCandidate.from_json({**exported, "candidate": "urn:li:person:X"}))),
        Probe("LinkedIn payload", "seat with active as a string", payload(lambda: Seat.from_json({"id": "urn:li:seat:1", "contract": "c", "person": "p", "product": "RECRUITER", "role": "RECRUITER_USER", "active": "yes"}))),
        Probe("LinkedIn payload", "mail stub with createdAt as a date string", payload(lambda: MailStub.from_json({"id": "m1", "contract": "c", "owner": "urn:li:seat:1", "createdAt": "2026-01-01", "member": "urn:li:person:X"}))),
        Probe("LinkedIn payload", "InMail with an unknown direction", payload(lambda: ConversationEvent.from_json({"id": "c1", "conversation": "v1", "viewer": "urn:li:seat:1", "member": "urn:li:person:X", "direction": "SIDEWAYS", "body": "hi", "occurredAt": 1764000000000}))),
        Probe("LinkedIn payload", "active note without its text", payload(lambda: ProspectNote.from_json({"id": "n1", "contract": "c", "owner": "urn:li:seat:1", "member": "urn:li:person:X", "active": True, "lastModifiedAt": 1764000000000}))),
        Probe("LinkedIn payload", "evaluation with an unknown rank", payload(lambda: ApplicationEvaluation.from_json({**evaluation, "rank": "EXCELLENT"}))),
        Probe("LinkedIn payload", "project connection with an unknown state", payload(lambda: ProjectConnectionChange.from_json({"hiringProject": "urn:li:hiringProject:77", "externalJobRequisitionId": "1", "owner": "urn:li:seat:1", "state": "HALF", "hiringAssistantAutomation": True, "changedAt": 1764000000000}))),
        Probe("LinkedIn payload", "purge notice without the member", payload(lambda: PurgedExport.from_json({"id": "p1", "purgedAt": 1764000000000}))),
        # --- sign-in pages ----------------------------------------------------------------
        Probe("login", "Tracker login with a wrong password", login("/accounts/login/", "bench-recruiter", "wrong-password"), *FAILED_LOGIN),
        Probe("login", "Tracker login for a user that does not exist", login("/accounts/login/", "nobody-by-this-name", "whatever-password"), *FAILED_LOGIN),
        Probe("login", "Tracker login with an empty username and password", login("/accounts/login/", "", ""), *FAILED_LOGIN),
        Probe("login", "Tracker login with a 100,000-character password", login("/accounts/login/", "bench-recruiter", "x" * 100_000), *FAILED_LOGIN),
        Probe("login", "admin login by a user who is not staff", login("/admin/login/", "bench-recruiter", "bench-recruiter-pw"), *FAILED_LOGIN),
        Probe("login", "admin login with a wrong password", login("/admin/login/", "bench-admin", "wrong-password"), *FAILED_LOGIN),
        Probe("login", "the right password after AXES_FAILURE_LIMIT wrong ones (locked out)", locked_out, *FAILED_LOGIN),
        Probe("login", "Sign in with LinkedIn: a return with a state Tracker never issued", signin("get", "/accounts/linkedin/return/", {"code": "a-code", "state": "forged-state"})),
        Probe("login", "Sign in with LinkedIn: a return without a code or state", signin("get", "/accounts/linkedin/return/")),
        Probe("login", "Sign in with LinkedIn: a return with error=access_denied", signin("get", "/accounts/linkedin/return/", {"error": "access_denied", "state": "forged-state"})),
        Probe("login", "Sign in with LinkedIn started with a GET (a POST form only)", signin("get", "/accounts/linkedin/signin/")),
    ]  # fmt: skip


def _sandbox_ready() -> bool:
    """Whether the sandbox is installed; its settings row is made here, not by a probe."""
    from django.conf import settings

    if not getattr(settings, "LINKEDIN_SANDBOX", False):
        return False
    from tracker_rsc.sandbox.models import SandboxSettings

    SandboxSettings.get()
    return True


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
            if result.probe.audit_tables and set(result.changed) <= set(result.probe.audit_tables):
                written += f" ({result.probe.audit_note})"
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
