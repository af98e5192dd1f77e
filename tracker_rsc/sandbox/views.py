"""The simulated LinkedIn API (docs/architecture.md §5, §5.1, §6): token endpoint, /v2/ and /rest/
resources.

Every endpoint goes through ``linkedin_api``, which applies, in LinkedIn's order: injected
faults, the bearer token, the ``LinkedIn-Version`` header on /rest/, the daily request limit,
then the view (which checks the batch size and the per-minute record limit once it knows how
many records the call carries), and finally logs the call in ``ApiCall``.
"""

from __future__ import annotations

import functools
import hmac
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from tracker_rsc.sandbox import ats, oidc, payloads
from tracker_rsc.sandbox.faults import apply_faults, faults_firing
from tracker_rsc.sandbox.limits import (
    FAMILIES,
    admit_records,
    call_record,
    check_daily_requests,
)
from tracker_rsc.sandbox.models import (
    AccessToken,
    AclAssignee,
    ConnectionChange,
    ConversationEvent,
    EntityAcl,
    Evaluation,
    ExportRecord,
    Fault,
    IntegrationStatusChange,
    MailStub,
    ProjectConnection,
    ProspectNote,
    PurgedExport,
    SandboxSettings,
    Seat,
)
from tracker_rsc.sandbox.restli import (
    ApiError,
    Key,
    QueryParams,
    bad_request,
    batch_keys,
    format_v1_key,
    format_v2_key,
    key_identity,
    list_param,
    ms_param,
    page,
    page_of,
    paging,
    parse_entity_key,
)

MAX_WINDOW = timedelta(hours=12)
_VERSION = re.compile(r"^\d{6}(\.\d{2})?$")

View = Callable[..., HttpResponse]


@dataclass
class Call:
    """One API request as the sandbox sees it."""

    request: HttpRequest
    params: QueryParams
    http_method: str
    restli_method: str
    family: str
    endpoint: str = ""
    records: int = 0
    # The call log row ``admit`` made (the records are counted from the moment of admission).
    admitted: int | None = None
    # When the request arrived: the moment LinkedIn counts it by (limits and the call log).
    arrived: datetime = field(default_factory=timezone.now)

    @classmethod
    def from_request(cls, request: HttpRequest, family: str, endpoint: str = "") -> Call:
        http_method = request.method or "GET"
        raw_query = request.META.get("QUERY_STRING", "")
        override = request.headers.get("X-HTTP-Method-Override", "")
        if http_method == "POST" and override:
            # Rest.li query tunnelling: a long query string travels as a form body.
            http_method = override.upper()
            raw_query = "&".join(p for p in (raw_query, request.body.decode()) if p)
        return cls(
            request=request,
            params=QueryParams(raw_query),
            http_method=http_method,
            restli_method=request.headers.get("X-RestLi-Method", "").lower(),
            family=family,
            endpoint=endpoint,
        )

    @property
    def label(self) -> str:
        return self.restli_method or self.http_method

    def admit(self, records: int) -> None:
        """Count this call's records against the rolling-minute limit (429 if over)."""
        self.admitted = admit_records(
            family=self.family,
            endpoint=self.endpoint,
            method=self.label,
            records=records,
            at=self.arrived,
        )
        self.records = records

    def json_object(self) -> dict[str, object]:
        try:
            body = json.loads(self.request.body or b"null")
        except (ValueError, UnicodeDecodeError):
            raise bad_request("The request body is not valid JSON.") from None
        if not isinstance(body, dict):
            raise bad_request("The request body must be a JSON object.")
        return body


def json_answer(data: object, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, safe=False)


def error_answer(error: ApiError) -> JsonResponse:
    response = JsonResponse(error.body(), status=error.status)
    for name, value in error.headers.items():
        response[name] = value
    return response


def authenticate(request: HttpRequest) -> AccessToken:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer ") or not header[7:].strip():
        raise ApiError(status=401, message="Empty oauth2_access_token", service_error_code=401)
    token = AccessToken.objects.filter(token=header[7:].strip()).first()
    if token is None:
        raise ApiError(status=401, message="Invalid access token", service_error_code=65600)
    if token.is_expired:
        raise ApiError(
            status=401,
            message="The token used in the request has expired",
            service_error_code=65601,
        )
    return token


def check_version(request: HttpRequest) -> None:
    version = request.headers.get("LinkedIn-Version", "")
    if not version:
        raise ApiError(
            status=400,
            message="A version must be present. Please specify a version by adding the "
            "LinkedIn-Version header.",
            service_error_code=400,
            extra={"code": "VERSION_MISSING"},
        )
    if not _VERSION.match(version):
        raise ApiError(
            status=426,
            message=f"Requested version {version} is not active",
            service_error_code=426,
            extra={"code": "NONEXISTENT_VERSION"},
        )


def linkedin_api(endpoint: str, *, versioned: bool = False, authenticated: bool = True):
    family = FAMILIES[endpoint]

    def decorator(view: View) -> View:
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            call = Call.from_request(request, family, endpoint)
            fault = ""
            try:
                fired = faults_firing(endpoint=endpoint, method=call.http_method)
                failing = [f.kind for f in fired if f.kind != Fault.Kind.LATENCY]
                fault = failing[0] if failing else ("latency" if fired else "")
                if fault == Fault.Kind.DROP:
                    # Logged before the socket closes: the client sees the drop at once, and
                    # whoever reads the log after that (a test, the stats) must find the call.
                    call_record(
                        family=family, endpoint=endpoint, method=call.label, status=0, records=0,
                        fault=Fault.Kind.DROP, at=call.arrived,
                    )  # fmt: skip
                response = apply_faults(request, fired)
                if response is None:
                    if authenticated:
                        authenticate(request)
                    if versioned:
                        check_version(request)
                    check_daily_requests(family=family)
                    response = view(request, call, *args, **kwargs)
            except ApiError as error:
                response = error_answer(error)
            except Exception:
                # A sandbox bug: the call is logged as the 500 Django answers, not left admitted.
                call_record(
                    family=family, endpoint=endpoint, method=call.label, status=500, records=0,
                    fault=fault, at=call.arrived, admitted=call.admitted,
                )  # fmt: skip
                raise
            if fault != Fault.Kind.DROP:
                call_record(
                    family=family,
                    endpoint=endpoint,
                    method=call.label,
                    status=response.status_code,
                    records=call.records,
                    fault=fault,
                    at=call.arrived,
                    admitted=call.admitted,
                )
            return response

        return wrapper

    return decorator


def method_not_allowed(call: Call) -> ApiError:
    return ApiError(
        status=405,
        message=f"Method {call.label.upper()} is not supported on this resource.",
    )


# --- Batch helpers ------------------------------------------------------------------------------


def batch_entries(call: Call) -> list[ats.Entry]:
    """The entities of a batch write; the ``ids`` of the query must name the same keys."""
    body = call.json_object()
    entities = body.get("entities")
    if not isinstance(entities, dict):
        raise bad_request('The body must be {"entities": {<key>: <value>}}.')
    ids = batch_keys(call.params)
    ats.check_batch_size(max(len(ids), len(entities)))
    if not entities:
        raise bad_request("The batch is empty.")
    if not ids:
        raise bad_request("Batch requests name their entities in the 'ids' query parameter.")
    entries = [ats.Entry(text, parse_entity_key(text), value) for text, value in entities.items()]
    if {key_identity(k) for k in ids} != {key_identity(e.key) for e in entries}:
        raise bad_request("The keys of the body's entities do not match the 'ids' of the query.")
    return entries


def batch_ids(call: Call, *, rest: bool = False) -> list[tuple[str, Key]]:
    ids = batch_keys(call.params)
    if not ids:
        raise bad_request("Batch requests name their entities in the 'ids' query parameter.")
    ats.check_batch_size(len(ids))
    fmt = format_v2_key if rest else format_v1_key
    return [(fmt(key), key) for key in ids]


def finder(call: Call, expected: str) -> None:
    name = call.params.get("q")
    if name != expected:
        raise bad_request(f"Unknown finder q={name!r}; this resource supports q={expected}.")


def request_record(model: type, call: Call) -> object:
    """The record behind a push's request id; 404 when unknown or older than 24 h."""
    request_id = call.params.require("requestId")
    record = model.objects.filter(request_id=request_id).first()
    if record is None or record.is_expired:
        raise ApiError(
            status=404,
            message=f"Request {request_id} was not found or has expired.",
            service_error_code=404,
        )
    return record


def single(element: dict[str, object]) -> JsonResponse:
    return json_answer({"elements": [element], "paging": {"start": 0, "count": 1, "total": 1}})


def window(
    call: Call, start_name: str, end_name: str, *, limit: timedelta | None
) -> tuple[datetime, datetime]:
    start = ms_param(call.params, start_name)
    end = ms_param(call.params, end_name)
    if end <= start:
        raise bad_request(f"'{end_name}' must be later than '{start_name}'.")
    if limit is not None and end - start > limit:
        hours = int(limit.total_seconds() // 3600)
        raise bad_request(f"The time range must not exceed {hours} hours.")
    return start, end


# --- OAuth ---------------------------------------------------------------------------------------


@linkedin_api("accessToken", authenticated=False)
def access_token(request: HttpRequest, call: Call) -> HttpResponse:
    """2-legged OAuth (client credentials) for the one customer application, and the
    authorization code grant of Sign In with LinkedIn (a member token and an ID token)."""
    if request.method != "POST":
        raise method_not_allowed(call)
    grant_type = request.POST.get("grant_type", "")
    client_id = request.POST.get("client_id", "")
    client_secret = request.POST.get("client_secret", "")
    if not grant_type:
        raise ApiError(
            status=400,
            message='A required parameter "grant_type" is missing',
            extra={"error": "invalid_request", "error_description": "grant_type is missing"},
        )
    if grant_type not in ("client_credentials", "authorization_code"):
        raise ApiError(
            status=400,
            message=f"Grant type {grant_type} is not supported",
            extra={"error": "unsupported_grant_type", "error_description": grant_type},
        )
    # The sandbox's own registered application, never Tracker's settings for LinkedIn.
    expected_id = settings.LINKEDIN_SANDBOX_CLIENT_ID
    expected_secret = settings.LINKEDIN_SANDBOX_CLIENT_SECRET
    valid = bool(expected_id and expected_secret) and (
        hmac.compare_digest(client_id.encode(), expected_id.encode())
        and hmac.compare_digest(client_secret.encode(), expected_secret.encode())
    )
    if not valid:
        raise ApiError(
            status=401,
            message="Client authentication failed",
            service_error_code=401,
            extra={"error": "invalid_client", "error_description": "Client authentication failed"},
        )
    if grant_type == "authorization_code":
        # Sign In with LinkedIn: a member's code for a member token (``oidc``).
        return json_answer(
            oidc.exchange_code(
                client_id=client_id,
                code=request.POST.get("code", ""),
                redirect_uri=request.POST.get("redirect_uri", ""),
            )
        )
    lifetime = SandboxSettings.get().token_lifetime_seconds
    now = timezone.now()
    token = AccessToken.objects.create(
        client_id=client_id, issued_at=now, expires_at=now + timedelta(seconds=lifetime)
    )
    return json_answer({"access_token": token.token, "expires_in": str(lifetime)})


@linkedin_api("userinfo", authenticated=False)
def userinfo(request: HttpRequest, call: Call) -> HttpResponse:
    """OpenID Connect user info of the member whose (3-legged) token is presented."""
    if request.method != "GET":
        raise method_not_allowed(call)
    return json_answer(oidc.identity_for_token(request.headers.get("Authorization", "")))


# --- Integrations --------------------------------------------------------------------------------


@linkedin_api("atsIntegrations")
def ats_integrations(request: HttpRequest, call: Call) -> HttpResponse:
    if call.http_method == "GET" and "q" in call.params:
        finder(call, "request")
        change = request_record(IntegrationStatusChange, call)
        return single(payloads.integration_status(change))
    if call.http_method == "GET":
        return json_answer(ats.integrations_get(batch_ids(call)).body())
    if call.http_method == "POST" and call.restli_method == "batch_partial_update":
        return json_answer(ats.integrations_update(batch_entries(call)).body())
    raise method_not_allowed(call)


@linkedin_api("atsIntegrations")
def ats_integration_configurations(request: HttpRequest, call: Call, key: str) -> HttpResponse:
    entity_key = parse_entity_key(key)
    names = call.params.getlist("ids")
    if call.http_method == "PUT":
        body = call.json_object()
        entities = body.get("entities")
        if not isinstance(entities, dict) or not entities:
            raise bad_request('The body must be {"entities": {<configuration>: {...}}}.')
        if names and set(names) != set(entities):
            raise bad_request("The configurations of the body do not match the 'ids'.")
        return json_answer(ats.integration_configure(key=entity_key, entities=entities).body())
    if call.http_method == "DELETE":
        if not names:
            raise bad_request("Name the configurations to delete in 'ids'.")
        return json_answer(ats.integration_deconfigure(key=entity_key, names=names).body())
    if call.http_method == "GET":
        answer = ats.integrations_get([(key, entity_key)])
        if answer.errors:
            raise ApiError(status=404, message="Integration not found.")
        configurations = answer.results[key]["configurations"]
        assert isinstance(configurations, dict)
        wanted = names or list(configurations)
        return json_answer(
            {
                "results": {
                    name: {"configurationValue": {"string": configurations[name]}}
                    for name in wanted
                    if name in configurations
                },
                "errors": {},
            }
        )
    raise method_not_allowed(call)


# --- Candidates ----------------------------------------------------------------------------------


@linkedin_api("atsCandidates")
def ats_candidates(request: HttpRequest, call: Call) -> HttpResponse:
    if call.http_method == "PUT":
        entries = batch_entries(call)
        call.admit(len(entries))
        return json_answer(ats.candidates_upsert(entries).body())
    if call.http_method == "POST" and call.restli_method == "batch_partial_update":
        entries = batch_entries(call)
        call.admit(len(entries))
        return json_answer(ats.candidates_patch(entries).body())
    if call.http_method == "GET":
        keys = batch_ids(call)
        call.admit(len(keys))
        fields = [f for f in (call.params.get("fields") or "").split(",") if f]
        return json_answer(ats.candidates_get(keys, fields=fields or None).body())
    if call.http_method == "DELETE":
        keys = batch_ids(call)
        call.admit(len(keys))
        return json_answer(ats.candidates_delete(keys).body())
    raise method_not_allowed(call)


# --- Jobs ----------------------------------------------------------------------------------------


@linkedin_api("simpleJobPostings")
def simple_job_postings(request: HttpRequest, call: Call) -> HttpResponse:
    if call.http_method != "POST" or call.restli_method not in ("", "batch_create"):
        raise method_not_allowed(call)
    elements = call.json_object().get("elements")
    if not isinstance(elements, list) or not elements:
        raise bad_request('The body must be {"elements": [<job posting>, ...]}.')
    ats.check_batch_size(len(elements))
    call.admit(len(elements))
    task_ids = ats.job_postings_create(elements)
    return json_answer({"elements": [{"id": task_id, "status": 201} for task_id in task_ids]})


@linkedin_api("simpleJobPostingTasks")
def simple_job_posting_tasks(request: HttpRequest, call: Call) -> HttpResponse:
    if call.http_method != "GET":
        raise method_not_allowed(call)
    task_ids = [k for _, k in batch_ids(call) if isinstance(k, str)]
    return json_answer(ats.job_posting_tasks(task_ids).body())


@linkedin_api("jobRequisitions", versioned=True)
def job_requisitions(request: HttpRequest, call: Call) -> HttpResponse:
    if call.http_method == "PUT":
        entries = batch_entries(call)
        call.admit(len(entries))
        return json_answer(ats.job_requisitions_upsert(entries).body())
    if call.http_method == "DELETE":
        keys = batch_ids(call, rest=True)
        call.admit(len(keys))
        return json_answer(ats.job_requisitions_delete(keys).body())
    raise method_not_allowed(call)


def _acl_resource(call: Call, *, assignees: bool) -> HttpResponse:
    model = AclAssignee if assignees else EntityAcl
    if call.http_method == "GET":
        finder(call, "criteria")
        start, count = paging(call.params, default_count=100)
        rows = model.objects.all()
        for param, column in (
            ("integrationContext", "integration_context"),
            ("atsEntityType", "entity_type"),
            ("atsEntityId", "entity_id"),
            ("atsEntityAclId", "acl_id"),
            ("assignee", "assignee"),
        ):
            value = call.params.get(param)
            if value and hasattr(model, column):
                rows = rows.filter(**{column: value})
        elements = [
            {
                "atsEntityAclId": row.acl_id,
                "integrationContext": row.integration_context,
                "atsEntityType": row.entity_type,
                "dataProvider": "ATS",
                **({"assignee": row.assignee} if assignees else {"atsEntityId": row.entity_id}),
            }
            for row in rows
        ]
        return json_answer(page(elements, start=start, count=count))
    write = ats.assignees_write if assignees else ats.acls_write
    if call.http_method == "PUT":
        entries = batch_entries(call)
        call.admit(len(entries))
        return json_answer(write([(e.key_text, e.key) for e in entries], delete=False).body())
    if call.http_method == "DELETE":
        keys = batch_ids(call)
        call.admit(len(keys))
        return json_answer(write(keys, delete=True).body())
    raise method_not_allowed(call)


@linkedin_api("atsEntityAcls")
def ats_entity_acls(request: HttpRequest, call: Call) -> HttpResponse:
    return _acl_resource(call, assignees=False)


@linkedin_api("atsEntityAclAssignees")
def ats_entity_acl_assignees(request: HttpRequest, call: Call) -> HttpResponse:
    return _acl_resource(call, assignees=True)


# --- Applications --------------------------------------------------------------------------------


@linkedin_api("atsApplications")
def ats_applications(request: HttpRequest, call: Call) -> HttpResponse:
    if call.http_method == "PUT":
        entries = batch_entries(call)
        call.admit(len(entries))
        return json_answer(ats.applications_upsert(entries).body())
    if call.http_method == "DELETE":
        keys = batch_ids(call)
        call.admit(len(keys))
        return json_answer(ats.applications_delete(keys).body())
    raise method_not_allowed(call)


@linkedin_api("attachments", versioned=True)
def attachments(request: HttpRequest, call: Call) -> HttpResponse:
    if call.http_method == "PUT":
        entries = batch_entries(call)
        call.admit(len(entries))
        return json_answer(ats.attachments_upsert(entries).body())
    if call.http_method == "DELETE":
        keys = batch_ids(call, rest=True)
        call.admit(len(keys))
        return json_answer(ats.attachments_delete(keys).body())
    raise method_not_allowed(call)


# --- Pulls ---------------------------------------------------------------------------------------


@linkedin_api("exportedCandidates")
def exported_candidates(request: HttpRequest, call: Call) -> HttpResponse:
    if call.http_method != "GET":
        raise method_not_allowed(call)
    finder(call, "request")
    export = request_record(ExportRecord, call)
    assert isinstance(export, ExportRecord)
    return single(payloads.exported_candidate(export, SandboxSettings.get()))


@linkedin_api("mailStubs")
def mail_stubs(request: HttpRequest, call: Call) -> HttpResponse:
    if call.http_method != "GET":
        raise method_not_allowed(call)
    finder(call, "contract")
    contract = call.params.require("contract")
    start_at = ms_param(call.params, "createdDateStart")
    end_at = ms_param(call.params, "createdDateEnd", required=False) or timezone.now()
    if end_at <= start_at:
        raise bad_request("'createdDateEnd' must be later than 'createdDateStart'.")
    start, count = paging(call.params, default_count=50)
    stubs = MailStub.objects.select_related("contract", "owner", "member").filter(
        contract__urn=contract, created_at__gte=start_at, created_at__lt=end_at
    )
    owners = list_param(call.params, "owners")
    if owners:
        stubs = stubs.filter(owner__urn__in=owners)
    ordered = stubs.order_by("created_at", "id")
    return json_answer(page_of(ordered, payloads.mail_stub, start=start, count=count))


@linkedin_api("conversationEvents")
def conversation_events(request: HttpRequest, call: Call) -> HttpResponse:
    if call.http_method != "GET":
        raise method_not_allowed(call)
    finder(call, "criteria")
    viewer = call.params.require("viewer")
    start_at, end_at = window(call, "timeRange.start", "timeRange.end", limit=MAX_WINDOW)
    start, count = paging(call.params, default_count=50)
    events = ConversationEvent.objects.select_related("seat", "member").filter(
        seat__urn=viewer, occurred_at__gte=start_at, occurred_at__lt=end_at
    )
    ordered = events.order_by("occurred_at", "id")
    return json_answer(page_of(ordered, payloads.conversation_event, start=start, count=count))


@linkedin_api("prospectNotes")
def prospect_notes(request: HttpRequest, call: Call) -> HttpResponse:
    if call.http_method != "GET":
        raise method_not_allowed(call)
    finder(call, "criteria")
    contract = call.params.require("contract")
    start_at, end_at = window(call, "cutoffDate", "beforeDate", limit=MAX_WINDOW)
    start, count = paging(call.params, default_count=100)
    notes = ProspectNote.objects.select_related("contract", "owner", "member").filter(
        contract__urn=contract, last_modified_at__gte=start_at, last_modified_at__lt=end_at
    )
    owners = list_param(call.params, "owners")
    if owners:
        notes = notes.filter(owner__urn__in=owners)
    ordered = notes.order_by("last_modified_at", "id")
    return json_answer(page_of(ordered, payloads.prospect_note, start=start, count=count))


@linkedin_api("seatsV2")
def seats_v2(request: HttpRequest, call: Call) -> HttpResponse:
    if call.http_method != "GET":
        raise method_not_allowed(call)
    finder(call, "attributes")
    start, count = paging(call.params, default_count=10, require_start=True)
    contracts = list_param(call.params, "contracts")
    if not contracts:
        raise bad_request("Missing required query parameter 'contracts'.")
    seats = Seat.objects.select_related("contract").filter(contract__urn__in=contracts)
    return json_answer(page_of(seats.order_by("urn"), payloads.seat, start=start, count=count))


@linkedin_api("exportedApplicationEvaluation", versioned=True)
def exported_application_evaluation(request: HttpRequest, call: Call) -> HttpResponse:
    if call.http_method != "GET":
        raise method_not_allowed(call)
    finder(call, "request")
    item = request_record(Evaluation, call)
    assert isinstance(item, Evaluation)
    return single(payloads.evaluation(item))


@linkedin_api("hiringProjectConnections", versioned=True)
def hiring_project_connections(request: HttpRequest, call: Call) -> HttpResponse:
    if call.http_method != "GET":
        raise method_not_allowed(call)
    if call.params.get("q") == "request":
        change = request_record(ConnectionChange, call)
        assert isinstance(change, ConnectionChange)
        return single(payloads.connection_change(change))
    finder(call, "integrationContext")
    context = call.params.require("integrationContext")
    start, count = paging(call.params, default_count=100)
    latest: dict[tuple[int, str], ProjectConnection] = {}
    rows = ProjectConnection.objects.select_related("project__owner").filter(
        integration_context=context
    )
    for row in rows.order_by("changed_at", "id"):
        latest[(row.project_id, row.requisition_id)] = row
    elements = [payloads.connection(row) for row in latest.values()]
    return json_answer(page(elements, start=start, count=count))


@linkedin_api("atsPurgedExportedCandidates", versioned=True)
def purged_exported_candidates(request: HttpRequest, call: Call) -> HttpResponse:
    if call.http_method != "GET":
        raise method_not_allowed(call)
    finder(call, "integrationContext")
    context = call.params.require("integrationContext")
    after = ms_param(call.params, "purgedAfter", required=False)
    start, count = paging(call.params, default_count=100)
    purges = PurgedExport.objects.filter(integration_context=context)
    if after is not None:
        purges = purges.filter(purged_at__gte=after)
    ordered = purges.order_by("purged_at", "id")
    return json_answer(page_of(ordered, payloads.purged_export, start=start, count=count))
