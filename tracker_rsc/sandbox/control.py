"""The sandbox's control page (HTML, for people) and control API (JSON, for tests and scripts).

Both call the same actions: one handler per action takes a dict of fields (form fields or a
JSON object), calls one service, and returns a JSON-able result. Refusals become 4xx answers
(JSON) or error messages (HTML) and change nothing. Mounted only when ``LINKEDIN_SANDBOX`` is
on; even then both act as LinkedIn itself, so both need a logged-in, active staff user (the
API answers 401/403 in JSON, the page sends a visitor to the login page) and every write needs
Django's CSRF token (a script sends the ``csrftoken`` cookie's value as ``X-CSRFToken``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from tracker_rsc.sandbox import ats, limits, payloads, pushes, services
from tracker_rsc.sandbox.faults import fault_create, faults_clear
from tracker_rsc.sandbox.models import (
    Application,
    AtsCandidate,
    AtsIntegration,
    ConversationEvent,
    DeliveryAttempt,
    Evaluation,
    ExportRecord,
    Fault,
    HiringProject,
    JobPosting,
    JobPostingTask,
    JobRequisition,
    MailStub,
    Member,
    ProjectConnection,
    ProspectNote,
    PurgedExport,
    Push,
    SandboxSettings,
    Seat,
)
from tracker_rsc.sandbox.restli import to_ms
from tracker_rsc.sandbox.services import Refusal

Data = Mapping[str, object]
Handler = Callable[[Data], dict[str, object]]
View = Callable[..., HttpResponse]

ENDPOINTS = [Fault.ANY_ENDPOINT, *limits.FAMILIES]


# --- Who may act as LinkedIn: a logged-in, active staff user -------------------------------------


def _is_staff(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_authenticated and user.is_active and user.is_staff)


class _CsrfCheck(CsrfViewMiddleware):
    """Django's own CSRF check, answering the reason instead of an HTML 403 page."""

    def _reject(self, request: HttpRequest, reason: str) -> str:  # type: ignore[override]
        return reason


def _csrf_refusal(request: HttpRequest) -> str:
    """Why the request fails Django's CSRF check ('' when it passes or is a safe method)."""
    check = _CsrfCheck(lambda request: HttpResponse())
    check.process_request(request)
    return check.process_view(request, None, (), {}) or ""  # type: ignore[return-value]


def staff_api(view: View) -> View:
    """JSON API: 401 without a login, 403 for a user who is not staff or a write without the
    CSRF token (checked here, the way the middleware would, so the refusal is JSON too)."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not request.user.is_authenticated:
            return JsonResponse(
                {"error": "Log in as a staff user to use the sandbox's control API."}, status=401
            )
        if not _is_staff(request):
            return JsonResponse(
                {"error": "The sandbox's control API is for staff users only."}, status=403
            )
        if reason := _csrf_refusal(request):
            return JsonResponse(
                {
                    "error": f"CSRF check failed ({reason}): send the csrftoken cookie's value "
                    "as X-CSRFToken."
                },
                status=403,
            )
        return view(request, *args, **kwargs)

    # The middleware would answer an HTML page; the check above runs instead, for every write.
    return csrf_exempt(guarded)


def staff_page(view: View) -> View:
    """HTML page and forms: the login page without a login, 403 for a user who is not staff."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not _is_staff(request):
            return HttpResponse(
                "The LinkedIn sandbox's control page is for staff users only.",
                status=403,
                content_type="text/plain; charset=utf-8",
            )
        return view(request, *args, **kwargs)

    return guarded


# --- Field coercion: form fields are strings, JSON fields are typed -------------------------------


def _text(data: Data, name: str, *, required: bool = False) -> str:
    value = data.get(name)
    if value is None:
        value = ""
    if not isinstance(value, str | int):
        raise Refusal(f"{name}: must be text.")
    text = str(value).strip()
    if required and not text:
        raise Refusal(f"{name}: required.")
    return text


def _bool(data: Data, name: str, default: bool = False) -> bool:
    value = data.get(name, default)
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        if value.strip().lower() in ("1", "true", "on", "yes"):
            return True
        if value.strip().lower() in ("", "0", "false", "off", "no"):
            return False
    raise Refusal(f"{name}: must be true or false.")


def _number(data: Data, name: str, kind: type = int) -> int | float | None:
    value = data.get(name)
    if value is None or value == "":
        return None
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise Refusal(f"{name}: must be a number.") from None
    return number


def _list(data: Data, name: str) -> list[str]:
    value = data.get(name) or []
    if isinstance(value, str):
        separator = "\n" if "\n" in value else ","
        return [v.strip() for v in value.split(separator) if v.strip()]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [v.strip() for v in value if v.strip()]
    raise Refusal(f"{name}: must be a list of strings.")


def _at(data: Data, name: str) -> datetime | None:
    ms = _number(data, name)
    if ms is None:
        return None
    return datetime.fromtimestamp(int(ms) / 1000, tz=UTC)


# --- Serialisers for the control API --------------------------------------------------------------


def member_json(member: Member) -> dict[str, object]:
    return {
        "person_urn": member.person_urn,
        "first_name": member.first_name,
        "last_name": member.last_name,
        "emails": member.emails,
        "phones": member.phones,
        "profile_url": member.profile_url,
        "headline": member.headline,
        "location": member.location,
        "companies": member.companies,
        "skills": member.skills,
    }


def push_json(push: Push) -> dict[str, object]:
    return {
        "id": push.pk,
        "type": push.push_type,
        "request_id": push.request_id,
        "integration_context": push.integration_context,
        "body": push.body,
        "status": push.status,
        "attempts": push.attempts,
        "next_attempt_at": to_ms(push.next_attempt_at),
        "last_status_code": push.last_status_code,
        "last_error": push.last_error,
        "delivery_attempts": [
            {
                "attempted_at": to_ms(a.attempted_at),
                "url": a.url,
                "status_code": a.status_code,
                "ok": a.ok,
                "error": a.error,
                "duration_ms": a.duration_ms,
            }
            for a in push.delivery_attempts.all()
        ],
    }


def connection_json(connection: ProjectConnection) -> dict[str, object]:
    return {
        "project": connection.project.urn,
        "project_name": connection.project.name,
        "owner": connection.project.owner.urn,
        "requisition_id": connection.requisition_id,
        "state": connection.state,
        "active": connection.active,
        "hiring_assistant_automation": connection.project.hiring_assistant_automation,
    }


def fault_json(fault: Fault) -> dict[str, object]:
    return {
        "id": fault.pk,
        "endpoint": fault.endpoint,
        "method": fault.method,
        "kind": fault.kind,
        "remaining": fault.remaining,
        "fraction": fault.fraction,
        "seed": fault.seed,
        "latency_ms": fault.latency_ms,
        "retry_after": fault.retry_after,
        "calls_seen": fault.calls_seen,
        "fired": fault.fired,
        "active": fault.active,
    }


def application_json(application: Application) -> dict[str, object]:
    return {
        "application_id": application.ats_job_application_id,
        "integration_context": application.integration_context,
        "candidate_id": application.ats_candidate_id,
        "job_id": application.ats_job_posting_id,
        "record": application.record,
        "job_connected_when_received": application.job_connected_when_received,
        "attachments": [
            {
                "attachment_id": a.external_attachment_id,
                "file_name": a.file_name,
                "content_type": a.content_type,
                "size": a.size,
                "sha256": a.sha256,
            }
            for a in application.attachments.all()
        ],
    }


# --- Actions --------------------------------------------------------------------------------------


def act_member_add(data: Data) -> dict[str, object]:
    member = services.member_create(
        first_name=_text(data, "first_name", required=True),
        last_name=_text(data, "last_name", required=True),
        emails=_list(data, "emails"),
        phones=_list(data, "phones"),
        profile_url=_text(data, "profile_url"),
        headline=_text(data, "headline"),
        location=_text(data, "location"),
        companies=_list(data, "companies"),
        years_of_experience=_number(data, "years_of_experience"),
        skills=_list(data, "skills"),
        positions=data.get("positions") or [],
        educations=data.get("educations") or [],
        person_urn=_text(data, "person_urn"),
    )
    return {"member": member_json(member), "message": f"Added {member.full_name}."}


def act_export(data: Data) -> dict[str, object]:
    export = services.export_create(
        seat_urn=_text(data, "seat", required=True),
        person_urn=_text(data, "member", required=True),
        job_id=_text(data, "requisition_id", required=True),
        email=_text(data, "email"),
    )
    push = Push.objects.filter(request_id=export.request_id).first()
    return {
        "request_id": export.request_id,
        "push_id": push.pk if push else None,
        "exports_this_month": services.exports_this_month(export.seat),
        "message": f"Exported {export.member.full_name} to job {export.job_id}; push queued.",
    }


def act_inmail(data: Data) -> dict[str, object]:
    event = services.inmail_send(
        seat_urn=_text(data, "seat", required=True),
        person_urn=_text(data, "member", required=True),
        subject=_text(data, "subject", required=True),
        body=_text(data, "body", required=True),
        at=_at(data, "at"),
    )
    return {"id": event.event_id, "message": f"InMail sent to {event.member.full_name}."}


def act_inmail_accept(data: Data) -> dict[str, object]:
    stub = services.inmail_accept(
        seat_urn=_text(data, "seat", required=True),
        person_urn=_text(data, "member", required=True),
        reply=_text(data, "reply"),
        at=_at(data, "at"),
    )
    return {
        "stub_id": stub.stub_id,
        "message": f"{stub.member.full_name} replied and shared contact details (stub profile).",
    }


def act_note_add(data: Data) -> dict[str, object]:
    note = services.note_add(
        seat_urn=_text(data, "seat", required=True),
        person_urn=_text(data, "member", required=True),
        note=_text(data, "note", required=True),
        at=_at(data, "at"),
    )
    return {"note_id": note.note_id, "message": "Note added."}


def act_note_deactivate(data: Data) -> dict[str, object]:
    note = services.note_deactivate(note_id=_text(data, "note_id", required=True))
    return {"note_id": note.note_id, "active": note.active, "message": "Note deactivated."}


def act_connect(data: Data) -> dict[str, object]:
    connection = services.project_connect(
        seat_urn=_text(data, "seat", required=True),
        requisition_id=_text(data, "requisition_id", required=True),
        project_urn=_text(data, "project"),
        project_name=_text(data, "project_name"),
    )
    return {
        "connection": connection_json(connection),
        "message": f"Job {connection.requisition_id} connected to {connection.project.urn}.",
    }


def act_disconnect(data: Data) -> dict[str, object]:
    connection = services.project_disconnect(
        seat_urn=_text(data, "seat", required=True),
        requisition_id=_text(data, "requisition_id", required=True),
    )
    return {
        "connection": connection_json(connection),
        "message": f"Job {connection.requisition_id} disconnected.",
    }


def act_automation(data: Data) -> dict[str, object]:
    enabled = _bool(data, "enabled")
    project = services.project_set_automation(
        seat_urn=_text(data, "seat", required=True),
        project_urn=_text(data, "project", required=True),
        enabled=enabled,
    )
    state = "on" if project.hiring_assistant_automation else "off"
    return {
        "project": project.urn,
        "hiring_assistant_automation": project.hiring_assistant_automation,
        "message": f"Hiring Assistant Automation is {state} for {project.urn}.",
    }


def act_evaluate(data: Data) -> dict[str, object]:
    ranks = data.get("ranks") or {}
    if not isinstance(ranks, dict):
        raise Refusal("ranks: must be an object of application id -> rank.")
    run = services.evaluation_run(project_urn=_text(data, "project", required=True), ranks=ranks)
    return {
        "evaluated": [payloads.evaluation(e) for e in run.evaluated],
        "skipped": run.skipped,
        "message": f"{len(run.evaluated)} evaluated, {len(run.skipped)} skipped.",
    }


def act_purge(data: Data) -> dict[str, object]:
    purges = services.member_purge(person_urn=_text(data, "member", required=True))
    return {
        "purges": [payloads.purged_export(p) for p in purges],
        "message": f"Purge notice for {len(purges)} organization(s).",
    }


def act_fault_add(data: Data) -> dict[str, object]:
    count = _number(data, "count")
    fraction = _number(data, "fraction", float)
    try:
        fault = fault_create(
            kind=_text(data, "kind", required=True),
            endpoint=_text(data, "endpoint") or Fault.ANY_ENDPOINT,
            method=_text(data, "method"),
            count=int(count) if count is not None else None,
            fraction=fraction,
            seed=int(_number(data, "seed") or 0),
            latency_ms=int(_number(data, "latency_ms") or 0),
            retry_after=int(_number(data, "retry_after") or 1),
        )
    except ValueError as error:
        raise Refusal(str(error)) from None
    return {"fault": fault_json(fault), "message": f"Injected: {fault}."}


def act_faults_clear(data: Data) -> dict[str, object]:
    cleared = faults_clear(endpoint=_text(data, "endpoint") or None)
    return {"cleared": cleared, "message": f"Cleared {cleared} fault(s)."}


def act_deliver(data: Data) -> dict[str, object]:
    counts = pushes.deliver_pending_pushes(force=_bool(data, "force", default=True))
    return {**counts, "message": "Delivery: " + ", ".join(f"{k} {v}" for k, v in counts.items())}


def act_redeliver(data: Data) -> dict[str, object]:
    push_id = _number(data, "push_id")
    if push_id is None or not Push.objects.filter(pk=push_id).exists():
        raise Refusal("push_id: no such push.", status=404)
    push = pushes.push_redeliver(push_id=int(push_id))
    return {"push": push_json(push), "message": f"Push {push.pk} queued again."}


def act_challenge(data: Data) -> dict[str, object]:
    if _text(data, "url"):
        # Only a CALLBACK_URL the ATS registered is ever called: no caller-chosen address.
        raise Refusal("url: not accepted; the registered CALLBACK_URL is validated.")
    attempt = pushes.callback_validate(integration_context=_text(data, "integration_context"))
    verdict = "passed" if attempt.ok else f"failed: {attempt.error}"
    return {
        "ok": attempt.ok,
        "url": attempt.url,
        "status_code": attempt.status_code,
        "error": attempt.error,
        "message": f"Challenge validation {verdict}",
    }


def act_integration_status(data: Data) -> dict[str, object]:
    integration_id = _number(data, "integration_id")
    if integration_id is None:
        raise Refusal("integration_id: required.")
    integration = services.integration_status_set(
        integration_id=int(integration_id), status=_text(data, "status", required=True)
    )
    return {
        "integration": payloads.integration(integration),
        "message": f"{integration.integration_type} is now {integration.status}; push queued.",
    }


def act_settings(data: Data) -> dict[str, object]:
    changes: dict[str, object] = {}
    for name, kind in services.SETTINGS_FIELDS.items():
        if name not in data:
            continue
        changes[name] = _bool(data, name) if kind is bool else _number(data, name, kind)
    config = services.settings_update(**changes)
    return {"settings": settings_json(config), "message": "Settings saved."}


def act_reset(data: Data) -> dict[str, object]:
    keep = _bool(data, "keep_directory", default=True)
    services.sandbox_reset(keep_directory=keep)
    return {"message": "Sandbox reset" + (" (members, seats and projects kept)." if keep else ".")}


ACTIONS: dict[str, Handler] = {
    "member-add": act_member_add,
    "export": act_export,
    "inmail": act_inmail,
    "inmail-accept": act_inmail_accept,
    "note-add": act_note_add,
    "note-deactivate": act_note_deactivate,
    "connect": act_connect,
    "disconnect": act_disconnect,
    "automation": act_automation,
    "evaluate": act_evaluate,
    "purge": act_purge,
    "fault-add": act_fault_add,
    "faults-clear": act_faults_clear,
    "deliver": act_deliver,
    "redeliver": act_redeliver,
    "challenge": act_challenge,
    "integration-status": act_integration_status,
    "settings": act_settings,
    "reset": act_reset,
}


def settings_json(config: SandboxSettings) -> dict[str, object]:
    return {name: getattr(config, name) for name in services.SETTINGS_FIELDS}


# --- JSON API -------------------------------------------------------------------------------------


def _json_body(request: HttpRequest) -> dict[str, object]:
    if not request.body:
        return {}
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise Refusal("The body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise Refusal("The body must be a JSON object.")
    return data


def _run(handler: Handler, data: Data) -> JsonResponse:
    try:
        return JsonResponse(handler(data))
    except Refusal as refusal:
        return JsonResponse({"error": refusal.message}, status=refusal.status)


@staff_api
@require_POST
def api_action(request: HttpRequest, action: str) -> JsonResponse:
    handler = ACTIONS.get(action)
    if handler is None:
        return JsonResponse({"error": f"Unknown action '{action}'."}, status=404)
    try:
        data = _json_body(request)
    except Refusal as refusal:
        return JsonResponse({"error": refusal.message}, status=400)
    return _run(handler, data)


@staff_api
def api_members(request: HttpRequest) -> JsonResponse:
    if request.method == "POST":
        try:
            return _run(act_member_add, _json_body(request))
        except Refusal as refusal:
            return JsonResponse({"error": refusal.message}, status=400)
    return JsonResponse({"members": [member_json(m) for m in Member.objects.all()]})


@staff_api
def api_faults(request: HttpRequest) -> JsonResponse:
    try:
        if request.method == "POST":
            return _run(act_fault_add, _json_body(request))
        if request.method == "DELETE":
            return _run(act_faults_clear, {"endpoint": request.GET.get("endpoint", "")})
    except Refusal as refusal:
        return JsonResponse({"error": refusal.message}, status=400)
    faults = Fault.objects.all()
    if request.GET.get("active") != "all":
        faults = faults.filter(active=True)
    return JsonResponse({"faults": [fault_json(f) for f in faults]})


@staff_api
def api_settings(request: HttpRequest) -> JsonResponse:
    if request.method in ("POST", "PATCH"):
        try:
            return _run(act_settings, _json_body(request))
        except Refusal as refusal:
            return JsonResponse({"error": refusal.message}, status=400)
    return JsonResponse({"settings": settings_json(SandboxSettings.get())})


@staff_api
@require_GET
def api_stats(request: HttpRequest) -> JsonResponse:
    family = request.GET.get("family", "candidates")
    since = request.GET.get("since")
    since_at = None
    if since:
        try:
            since_at = datetime.fromtimestamp(int(since) / 1000, tz=UTC)
        except ValueError:
            return JsonResponse({"error": "since: epoch milliseconds."}, status=400)
    return JsonResponse(limits.stats(family=family, since=since_at))


@staff_api
@require_GET
def api_pushes(request: HttpRequest) -> JsonResponse:
    rows = Push.objects.prefetch_related("delivery_attempts")
    if request.GET.get("type"):
        rows = rows.filter(push_type=request.GET["type"])
    if request.GET.get("status"):
        rows = rows.filter(status=request.GET["status"])
    return JsonResponse({"pushes": [push_json(p) for p in rows[:500]]})


@staff_api
@require_GET
def api_applications(request: HttpRequest) -> JsonResponse:
    rows = Application.objects.prefetch_related("attachments")
    if request.GET.get("job_id"):
        rows = rows.filter(ats_job_posting_id=request.GET["job_id"])
    return JsonResponse({"applications": [application_json(a) for a in rows]})


@staff_api
@require_GET
def api_candidates(request: HttpRequest) -> JsonResponse:
    index = ats.member_index()
    rows = AtsCandidate.objects.all()
    if request.GET.get("candidate_id"):
        rows = rows.filter(ats_candidate_id=request.GET["candidate_id"])
    out = []
    for candidate in rows[:500]:
        outcome = ats.candidate_match(candidate, index)
        out.append(
            {
                "candidate_id": candidate.ats_candidate_id,
                "integration_context": candidate.integration_context,
                "record": candidate.record,
                "matched_members": outcome.members,
                "match_rule": outcome.rule,
                "manual_matched_member": candidate.manual_matched_member or None,
            }
        )
    return JsonResponse({"candidates": out, "total": AtsCandidate.objects.count()})


@staff_api
@require_GET
def api_state(request: HttpRequest) -> JsonResponse:
    """A compact picture of the sandbox: what a test or a script usually wants to check."""
    return JsonResponse(
        {
            "integrations": [payloads.integration(i) for i in AtsIntegration.objects.all()],
            "seats": [payloads.seat(s) for s in Seat.objects.select_related("contract")],
            "projects": [
                {
                    "urn": p.urn,
                    "name": p.name,
                    "owner": p.owner.urn,
                    "hiring_assistant_automation": p.hiring_assistant_automation,
                }
                for p in HiringProject.objects.select_related("owner")
            ],
            "connections": [
                connection_json(c)
                for c in ProjectConnection.objects.select_related("project__owner")
            ],
            "job_postings": [
                {"id": j.external_job_posting_id, "title": j.title, "state": j.state}
                for j in JobPosting.objects.all()
            ],
            "job_requisitions": [
                {
                    "id": r.external_job_requisition_id,
                    "title": r.title,
                    "state": r.state,
                    "owners": r.owners,
                }
                for r in JobRequisition.objects.all()
            ],
            "counts": {
                "members": Member.objects.count(),
                "candidates": AtsCandidate.objects.count(),
                "applications": Application.objects.count(),
                "exports": ExportRecord.objects.count(),
                "pushes_pending": Push.objects.filter(status=Push.Status.PENDING).count(),
                "pushes_failed": Push.objects.filter(status=Push.Status.FAILED).count(),
            },
        }
    )


# --- HTML control page ----------------------------------------------------------------------------


@staff_page
@require_POST
def page_action(request: HttpRequest, action: str) -> HttpResponse:
    """A form on the control page: run the action, report, and go back to the page."""
    handler = ACTIONS.get(action)
    if handler is None:
        messages.error(request, f"Unknown action '{action}'.")
        return redirect("sandbox:control")
    data = {key: request.POST.get(key) for key in request.POST if key != "csrfmiddlewaretoken"}
    try:
        result = handler(data)
    except Refusal as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, str(result.get("message", "Done.")))
    anchor = request.POST.get("next_anchor", "")
    target = reverse("sandbox:control")
    return redirect(f"{target}#{anchor}" if anchor.isidentifier() else target)


@staff_page
@require_GET
def control_page(request: HttpRequest) -> HttpResponse:
    index = ats.member_index()
    candidates = []
    for candidate in AtsCandidate.objects.all()[:25]:
        outcome = ats.candidate_match(candidate, index)
        candidates.append({"row": candidate, "match": outcome})
    month_start = timezone.now().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    seats = Seat.objects.select_related("contract").annotate(
        exports_month=Count("exports", filter=Q(exports__created_at__gte=month_start))
    )
    config = SandboxSettings.get()
    context = {
        "config": config,
        "settings_fields": [
            (name, getattr(config, name), kind.__name__)
            for name, kind in services.SETTINGS_FIELDS.items()
        ],
        "integrations": AtsIntegration.objects.all(),
        "seats": seats,
        "members": Member.objects.all(),
        "projects": HiringProject.objects.select_related("owner", "contract").prefetch_related(
            "connections"
        ),
        "connections": ProjectConnection.objects.select_related("project__owner", "connected_by")[
            :30
        ],
        "job_postings": JobPosting.objects.all()[:50],
        "job_requisitions": JobRequisition.objects.all()[:50],
        "job_tasks": JobPostingTask.objects.all()[:10],
        "candidates": candidates,
        "candidate_total": AtsCandidate.objects.count(),
        "applications": Application.objects.prefetch_related("attachments")[:30],
        "evaluations": Evaluation.objects.select_related("project")[:20],
        "exports": ExportRecord.objects.select_related("seat", "member")[:20],
        "inmails": ConversationEvent.objects.select_related("seat", "member").order_by(
            "-occurred_at"
        )[:20],
        "stubs": MailStub.objects.select_related("owner", "member").order_by("-created_at")[:20],
        "notes": ProspectNote.objects.select_related("owner", "member").order_by(
            "-last_modified_at"
        )[:30],
        "purges": PurgedExport.objects.order_by("-purged_at")[:20],
        "pushes": Push.objects.prefetch_related("delivery_attempts")[:30],
        "challenges": DeliveryAttempt.objects.filter(kind=DeliveryAttempt.Kind.CHALLENGE)[:5],
        "faults": Fault.objects.filter(active=True),
        "fault_kinds": Fault.Kind.choices,
        "endpoints": ENDPOINTS,
        "stats": [limits.stats(family=f) for f in sorted(set(limits.FAMILIES.values()))],
        "ranks": Evaluation.Rank.choices,
    }
    return render(request, "sandbox/control.html", context)
