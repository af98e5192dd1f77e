"""``LinkedInClient``: one method per LinkedIn call Tracker makes (docs/architecture.md §5).

Every method goes through ``_request``, the choke point that adds the token and headers, builds
the URL (any base, path prefix included), paces the candidate and application families and
retries transient failures. Methods validate their input before any HTTP (a batch over 100
records is a ValueError, not a LinkedIn 400) and return typed payloads.
"""

from __future__ import annotations

import base64
import json
import logging
import random
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from . import restli
from .errors import AuthError, PayloadError, PermanentError, TransientError
from .http import RetryPolicy, Transport, new_session
from .limiter import RateLimiter, get_limiter
from .payloads import (
    ApplicationEvaluation,
    ApplicationRecord,
    BatchResult,
    CandidateMatch,
    CandidateRecord,
    ConversationEvent,
    ExportedCandidate,
    IntegrationStatus,
    JobPosting,
    JobRequisition,
    MailStub,
    MatchResult,
    ProjectConnectionChange,
    ProspectNote,
    PurgedExport,
    Reader,
    Seat,
    Unreadable,
    datetime_to_ms,
)
from .tokens import TokenProvider

logger = logging.getLogger("tracker_rsc.linkedin")

T = TypeVar("T")

# LinkedIn: "Please submit batch calls grouped with no more than 100 records".
MAX_BATCH_SIZE = 100
# LinkedIn's published interval for InMail and note history pulls.
MAX_INTERACTION_WINDOW = timedelta(hours=12)
# Sync families paced by the shared limiter (each has its own published budget).
FAMILY_CANDIDATES = "candidates"
FAMILY_APPLICATIONS = "applications"
PACED_FAMILIES = (FAMILY_CANDIDATES, FAMILY_APPLICATIONS)
# The per-minute budget never needs more than 60 s of waiting; only the daily cap does, and a
# worker must not sleep until midnight: that raises RateLimitExceeded for a later retry.
LIMITER_MAX_BLOCK_SECONDS = 90.0
# Page sizes: the largest each finder documents (seatsV2 defaults to 10 but pages freely).
PAGE_SEATS = 100
PAGE_MAIL_STUBS = 50
PAGE_CONVERSATION_EVENTS = 50
PAGE_PROSPECT_NOTES = 100
PAGE_REST_FINDERS = 100

CANDIDATE_FIELDS = "fields=matchedMembers,manualMatchedMember"

_URN_PATTERNS = {
    "organization": re.compile(r"^urn:li:organization:\d+$"),
    "contract": re.compile(r"^urn:li:contract:\d+$"),
    "seat": re.compile(r"^urn:li:seat:\d+$"),
    "person": re.compile(r"^urn:li:person:[A-Za-z0-9_-]+$"),
}

_ORG_INTEGRATIONS = (
    ("ONE_CLICK_EXPORT", "One-Click Export"),
    ("IN_ATS_INDICATOR", "In-ATS Indicator"),
    ("PROFILE_PLUGIN", "Profile Plugin"),
)


def _check_urn(value: str, kind: str, what: str) -> None:
    if not isinstance(value, str) or not _URN_PATTERNS[kind].match(value):
        raise ValueError(f"{what} must be a {kind} URN (urn:li:{kind}:…), got {value!r}")


def _check_batch(ids: Sequence[str], what: str) -> None:
    if len(ids) > MAX_BATCH_SIZE:
        raise ValueError(f"At most {MAX_BATCH_SIZE} {what} per call, got {len(ids)}")
    for value in ids:
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"Every {what[:-1]} id must be a non-empty string, got {value!r}")
    if len(set(ids)) != len(ids):
        raise ValueError(f"Duplicate ids in one batch of {what}")


def _check_window(start: datetime, end: datetime, max_span: timedelta | None) -> None:
    for name, value in (("start", start), ("end", end)):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"{name} must be an aware datetime")
    if end <= start:
        raise ValueError("end must be after start")
    if max_span is not None and end - start > max_span:
        raise ValueError(f"A window may span at most {max_span}, got {end - start}")


def _chunks(items: Sequence[T], size: int = MAX_BATCH_SIZE) -> Iterator[Sequence[T]]:
    for index in range(0, len(items), size):
        yield items[index : index + size]


def _is_transient_status(status: int | None) -> bool:
    return status is None or status == 429 or status >= 500


def _raise_failures(result: BatchResult, what: str) -> None:
    """A write that must succeed whole: turn per-record failures into one exception."""
    if not result.failed:
        return
    details = "; ".join(f"{key}: {message}" for key, message in result.failed.items())
    statuses = [result.failed_statuses.get(key) for key in result.failed]
    error = TransientError if any(_is_transient_status(s) for s in statuses) else PermanentError
    raise error(f"LinkedIn refused {what}: {details}", status=statuses[0])


class _KeyIndex:
    """Finds which sent record a key echoed in ``results``/``errors`` belongs to."""

    def __init__(self, keys: Mapping[str, Mapping[str, str]], encode: Callable) -> None:
        self.by_text = {encode(key): record_id for record_id, key in keys.items()}
        self.by_fields = {
            tuple(sorted((name, str(value)) for name, value in key.items())): record_id
            for record_id, key in keys.items()
        }
        self.keys = keys

    def find(self, text: str) -> str | None:
        if text in self.by_text:
            return self.by_text[text]
        fields = restli.parse_key(text)
        found = self.by_fields.get(tuple(sorted(fields.items())))
        if found is not None or not fields:
            return found
        # LinkedIn may leave fields it considers implied (dataProvider) out of the echo.
        matches = [
            record_id
            for record_id, key in self.keys.items()
            if all(key.get(name) == value for name, value in fields.items())
        ]
        return matches[0] if len(matches) == 1 else None


def _status_map(reader: Reader, name: str) -> dict[str, Any]:
    value = reader.obj.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise PayloadError(
            f"{reader.path}.{name}: expected an object", field=f"{reader.path}.{name}"
        )
    return value


def _batch_result(
    data: Any,
    *,
    keys: Mapping[str, Mapping[str, str]],
    encode: Callable,
    path: str,
    missing_ok_statuses: frozenset[int] = frozenset(),
) -> BatchResult:
    """Read ``{"results": {key: {"status"}}, "errors": {key: {"status", "message"}}}``.

    A record with no entry at all is reported failed (with no status, hence retryable); a
    status in ``missing_ok_statuses`` (404 for deletes) counts as success.
    """
    order = list(keys)
    if data is None:  # 204 No Content: LinkedIn accepted every record
        return BatchResult(succeeded=order, failed={})
    reader = Reader(data, path)
    index = _KeyIndex(keys, encode)
    failed: dict[str, str] = {}
    statuses: dict[str, int] = {}
    succeeded: set[str] = set()

    def record(bucket: str, key_text: str) -> str | None:
        record_id = index.find(key_text)
        if record_id is None:
            logger.warning("linkedin %s: %s for a key we did not send: %s", path, bucket, key_text)
        return record_id

    for key_text, value in _status_map(reader, "errors").items():
        record_id = record("error", key_text)
        if record_id is None:
            continue
        entry = Reader(value, f"{path}.errors[{record_id}]")
        status = entry.integer("status", required=False)
        if status is not None and status in missing_ok_statuses:
            succeeded.add(record_id)
            continue
        failed[record_id] = entry.text("message", required=False) or f"status {status}"
        if status is not None:
            statuses[record_id] = status
    for key_text, value in _status_map(reader, "results").items():
        record_id = record("result", key_text)
        if record_id is None or record_id in failed:
            continue
        entry = Reader(value, f"{path}.results[{record_id}]")
        status = entry.integer("status", required=False)
        if status is None or 200 <= status < 300 or status in missing_ok_statuses:
            succeeded.add(record_id)
        else:
            failed[record_id] = entry.text("message", required=False) or f"status {status}"
            statuses[record_id] = status
    for record_id in order:
        if record_id not in succeeded and record_id not in failed:
            failed[record_id] = "LinkedIn returned no status for this record"
    return BatchResult(
        succeeded=[record_id for record_id in order if record_id in succeeded],
        failed={record_id: failed[record_id] for record_id in order if record_id in failed},
        failed_statuses=statuses,
    )


def _first_element(data: Any, path: str, what: str) -> Any:
    reader = Reader(data, path)
    elements = reader.obj_list("elements", required=True)
    if not elements:
        raise PermanentError(f"LinkedIn has no {what}", status=404)
    return elements[0]


class LinkedInClient:
    """Talks to LinkedIn (or the sandbox) at ``api_url``. Safe to share within one thread."""

    def __init__(
        self,
        *,
        api_url: str,
        token_url: str,
        client_id: str,
        client_secret: str,
        version: str,
        timeout: float,
        retry: RetryPolicy | None = None,
        organization_urn: str | None = None,
        limiters: Mapping[str, RateLimiter] | None = None,
        lock_dir: Path | None = None,
        cache_alias: str = "default",
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[float, float], float] = random.uniform,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.version = version
        self.session = new_session()
        self.transport = Transport(
            session=self.session,
            timeout=timeout,
            retry=retry or RetryPolicy(),
            sleep=sleep,
            jitter=jitter,
        )
        self.tokens = TokenProvider(
            token_url=token_url,
            client_id=client_id,
            client_secret=client_secret,
            transport=self.transport,
            lock_dir=lock_dir or Path(settings.VAR_DIR),
            cache_alias=cache_alias,
        )
        self.limiters: dict[str, RateLimiter] = dict(limiters or {})
        self._organization_urn = organization_urn

    # --- plumbing ------------------------------------------------------------------------

    @property
    def organization_urn(self) -> str:
        """The customer's organization: given at construction, else the Integration row's."""
        if not self._organization_urn:
            from tracker_rsc.models import Integration

            urn = (
                Integration.objects.filter(singleton=True)
                .values_list("organization_urn", flat=True)
                .first()
            )
            if not urn:
                raise ImproperlyConfigured(
                    "The LinkedIn integration has no organization URN; set it before syncing."
                )
            self._organization_urn = urn
        return self._organization_urn

    def close(self) -> None:
        self.session.close()

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: str | restli.QueryPairs | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        family: str | None = None,
        records: int = 1,
    ) -> Any:
        """Send one call and return its decoded JSON body (None for an empty 2xx).

        ``path`` starts with ``/v2/`` (Rest.li 1.0) or ``/rest/`` (2.0, versioned headers).
        ``params`` is a query string built by ``restli`` or ``(name, value)`` pairs to encode
        for the path's protocol. ``family`` paces the call by ``records`` records. A 401 gets
        one token refresh; a second 401 is an AuthError.
        """
        versioned = path.startswith("/rest/")
        if isinstance(params, str):
            query = params
        else:
            query = restli.build_query(params or (), restli.V2 if versioned else restli.V1)
        url = f"{self.api_url}{path}" + (f"?{query}" if query else "")
        request_headers: dict[str, str] = {}
        if versioned:
            request_headers["LinkedIn-Version"] = self.version
            request_headers["X-Restli-Protocol-Version"] = "2.0.0"
        body = None
        if json is not None:
            body = _dumps(json)
            request_headers["Content-Type"] = "application/json"
        request_headers.update(headers or {})
        limiter = self.limiters.get(family) if family else None
        pace = None
        if limiter is not None:

            def pace() -> None:
                limiter.acquire(records, max_wait=LIMITER_MAX_BLOCK_SECONDS)

        token = self.tokens.get()
        for refreshed in (False, True):
            request_headers["Authorization"] = f"Bearer {token}"
            try:
                response = self.transport.send(
                    method,
                    url,
                    body=body,
                    headers=request_headers,
                    log_path=path,
                    expect_json=method == "GET",
                    before_attempt=pace,
                )
            except AuthError as exc:
                if refreshed:
                    raise AuthError(
                        f"LinkedIn refused a freshly issued token: {exc.message}",
                        status=exc.status,
                        service_error_code=exc.service_error_code,
                    ) from exc
                logger.info("linkedin %s %s: 401, refreshing the access token once", method, path)
                token = self.tokens.refresh(token)
                continue
            return response.data
        raise AssertionError("unreachable")  # pragma: no cover

    def _paginate(
        self,
        path: str,
        params: restli.QueryPairs,
        *,
        page_size: int,
        parse: Callable[..., T],
        resource: str,
        tolerate_malformed: bool = False,
    ) -> Iterator[T | Unreadable]:
        """Yield parsed elements of a start/count finder, page by page.

        Stops at an empty page, when ``paging.total`` is reached, or (without a total) at a
        short page; a page cut short by a server-side maximum is followed when a total says
        there is more. With ``tolerate_malformed`` an element that does not parse is yielded
        as ``Unreadable`` (the page itself must still be well formed); otherwise it raises.
        """
        start = 0
        while True:
            data = self._request(
                "GET",
                path,
                params=[*params, ("start", str(start)), ("count", str(page_size))],
            )
            reader = Reader(data, resource)
            elements = reader.obj_list("elements", required=True)
            total = None
            if reader.has("paging"):
                total = reader.child("paging").integer("total", required=False)
            for offset, element in enumerate(elements):
                where = f"{resource}[{start + offset}]"
                if not tolerate_malformed:
                    yield parse(element, path=where)
                    continue
                try:
                    item: T | Unreadable = parse(element, path=where)
                except PayloadError as exc:
                    item = Unreadable(element=element, error=str(exc), path=where)
                yield item
            start += len(elements)
            if not elements:
                return
            if total is not None:
                if start >= total:
                    return
            elif len(elements) < page_size:
                return

    # --- credentials and enablement --------------------------------------------------------

    def check_credentials(self) -> None:
        """Ask the token endpoint for a new token (stored for reuse). AuthError if refused."""
        self.tokens.renew()

    def register_integration(
        self,
        *,
        organization_urn: str,
        contract_urns: Sequence[str],
        callback_url: str,
        customer_name: str,
    ) -> None:
        """Register ONE_CLICK_EXPORT, IN_ATS_INDICATOR, PROFILE_PLUGIN (organization) and
        CSA_API (each contract), then ONE_CLICK_EXPORT's CALLBACK_URL. Idempotent.
        """
        _check_urn(organization_urn, "organization", "organization_urn")
        for urn in contract_urns:
            _check_urn(urn, "contract", "contract_urns")
        if not re.match(r"^https?://[^\s/]+", callback_url or ""):
            raise ValueError(f"callback_url must be an absolute http(s) URL, got {callback_url!r}")
        if not customer_name or not customer_name.strip():
            raise ValueError("customer_name is required")
        entries: list[tuple[dict[str, str], str]] = [
            (self._integration_key(organization_urn, kind), label)
            for kind, label in _ORG_INTEGRATIONS
        ]
        entries += [
            (self._integration_key(urn, "CSA_API"), "Recruiter System Connect")
            for urn in dict.fromkeys(contract_urns)
        ]
        name = customer_name.strip()
        for chunk in _chunks(entries):
            keys = {f"{k['integrationType']} {k['integrationContext']}": k for k, _ in chunk}
            body = {
                "entities": {
                    restli.v1_key(key): {
                        "patch": {
                            "$set": {
                                "integrationName": f"{name} LinkedIn Recruiter {label} Integration"
                            }
                        }
                    }
                    for key, label in chunk
                }
            }
            data = self._request(
                "POST",
                "/v2/atsIntegrations",
                params=restli.v1_batch_ids([key for key, _ in chunk]),
                json=body,
                headers={"X-RestLi-Method": "batch_partial_update"},
            )
            result = _batch_result(data, keys=keys, encode=restli.v1_key, path="atsIntegrations")
            _raise_failures(result, "the integration registration")
        one_click = self._integration_key(organization_urn, "ONE_CLICK_EXPORT")
        data = self._request(
            "PUT",
            f"/v2/atsIntegrations/{restli.v1_key(one_click)}/configurations",
            params=restli.simple_batch_ids(["CALLBACK_URL"]),
            json={"entities": {"CALLBACK_URL": {"configurationValue": {"string": callback_url}}}},
            headers={"X-RestLi-Method": "batch_update"},
        )
        result = _batch_result(
            data,
            keys={"CALLBACK_URL": {"CALLBACK_URL": ""}},
            encode=lambda key: next(iter(key)),
            path="atsIntegrations.configurations",
        )
        _raise_failures(result, "the callback URL")

    @staticmethod
    def _integration_key(context: str, kind: str) -> dict[str, str]:
        return {
            "integrationContext": context,
            "integrationType": kind,
            "tenantType": "RECRUITER",
            "dataProvider": "ATS",
        }

    def get_integration_status(self, request_id: str) -> IntegrationStatus:
        data = self._request(
            "GET", "/v2/atsIntegrations", params=[("q", "request"), ("requestId", request_id)]
        )
        element = _first_element(data, "atsIntegrations", f"integration status {request_id}")
        return IntegrationStatus.from_json(element, request_id=request_id)

    # --- candidates ------------------------------------------------------------------------

    def _batch_delete(
        self, path: str, keys: dict[str, dict[str, str]], *, family: str | None = None
    ) -> BatchResult:
        """Rest.li BATCH_DELETE of ``keys`` (our id → the entity's compound key), paced under
        ``family`` when given; a record LinkedIn does not have (404) counts as deleted."""
        versioned = path.startswith("/rest/")
        encode = restli.v2_key if versioned else restli.v1_key
        batch_ids = restli.v2_batch_ids if versioned else restli.v1_batch_ids
        paced = {"family": family, "records": len(keys)} if family else {}
        data = self._request(
            "DELETE",
            path,
            params=batch_ids(list(keys.values())),
            headers={"X-RestLi-Method": "batch_delete"},
            **paced,
        )
        return _batch_result(
            data,
            keys=keys,
            encode=encode,
            path=path.rsplit("/", 1)[-1],
            missing_ok_statuses=frozenset({404}),
        )

    def _candidate_key(self, candidate_id: str) -> dict[str, str]:
        return {
            "atsCandidateId": candidate_id,
            "dataProvider": "ATS",
            "integrationContext": self.organization_urn,
        }

    def upsert_candidates(self, records: Sequence[CandidateRecord]) -> BatchResult:
        """Batch upsert (full replace) of at most 100 candidates; paced. Idempotent."""
        _check_batch([record.candidate_id for record in records], "records")
        if not records:
            return BatchResult(succeeded=[], failed={})
        keys = {record.candidate_id: self._candidate_key(record.candidate_id) for record in records}
        body = {
            "entities": {
                restli.v1_key(keys[record.candidate_id]): record.to_json() for record in records
            }
        }
        data = self._request(
            "PUT",
            "/v2/atsCandidates",
            params=restli.v1_batch_ids(list(keys.values())),
            json=body,
            headers={"X-RestLi-Method": "batch_update"},
            family=FAMILY_CANDIDATES,
            records=len(records),
        )
        return _batch_result(data, keys=keys, encode=restli.v1_key, path="atsCandidates")

    def get_candidate_matches(self, candidate_ids: Sequence[str]) -> MatchResult:
        """LinkedIn's member matches for at most 100 candidates; paced."""
        _check_batch(candidate_ids, "candidates")
        if not candidate_ids:
            return MatchResult(matches={}, failed={})
        keys = {candidate_id: self._candidate_key(candidate_id) for candidate_id in candidate_ids}
        data = self._request(
            "GET",
            "/v2/atsCandidates",
            params=restli.join_query(restli.v1_batch_ids(list(keys.values())), CANDIDATE_FIELDS),
            family=FAMILY_CANDIDATES,
            records=len(candidate_ids),
        )
        reader = Reader(data, "atsCandidates")
        index = _KeyIndex(keys, restli.v1_key)
        matches: dict[str, CandidateMatch] = {}
        failed: dict[str, str] = {}
        for key_text, value in _status_map(reader, "errors").items():
            candidate_id = index.find(key_text)
            if candidate_id is not None:
                entry = Reader(value, f"atsCandidates.errors[{candidate_id}]")
                status = entry.integer("status", required=False)
                failed[candidate_id] = entry.text("message", required=False) or f"status {status}"
        for key_text, value in _status_map(reader, "results").items():
            candidate_id = index.find(key_text)
            if candidate_id is not None and candidate_id not in failed:
                matches[candidate_id] = CandidateMatch.from_json(
                    value, candidate_id=candidate_id, path=f"atsCandidates.results[{candidate_id}]"
                )
        for candidate_id in candidate_ids:
            if candidate_id not in matches and candidate_id not in failed:
                failed[candidate_id] = "LinkedIn returned no result for this candidate"
        return MatchResult(matches=matches, failed=failed)

    def set_manual_match(self, candidate_id: str, person_urn: str | None) -> None:
        """Set (or with None, clear) the candidate's ``manualMatchedMember``. Idempotent."""
        _check_batch([candidate_id], "candidates")
        if person_urn is not None:
            _check_urn(person_urn, "person", "person_urn")
            patch: dict[str, Any] = {"$set": {"manualMatchedMember": person_urn}}
        else:
            patch = {"$delete": ["manualMatchedMember"]}
        key = self._candidate_key(candidate_id)
        data = self._request(
            "POST",
            "/v2/atsCandidates",
            params=restli.v1_batch_ids([key]),
            json={"entities": {restli.v1_key(key): {"patch": patch}}},
            headers={"X-RestLi-Method": "batch_partial_update"},
            family=FAMILY_CANDIDATES,
            records=1,
        )
        result = _batch_result(
            data, keys={candidate_id: key}, encode=restli.v1_key, path="atsCandidates"
        )
        _raise_failures(result, f"the manual match of candidate {candidate_id}")

    def delete_candidates(self, candidate_ids: Sequence[str]) -> BatchResult:
        """Batch delete of at most 100 candidates; paced. A candidate LinkedIn does not have
        (404) counts as deleted, so the call is idempotent.
        """
        _check_batch(candidate_ids, "candidates")
        if not candidate_ids:
            return BatchResult(succeeded=[], failed={})
        keys = {candidate_id: self._candidate_key(candidate_id) for candidate_id in candidate_ids}
        return self._batch_delete("/v2/atsCandidates", keys, family=FAMILY_CANDIDATES)

    # --- jobs ------------------------------------------------------------------------------

    def upsert_job_postings(self, postings: Sequence[JobPosting]) -> list[str]:
        """Batch create (an upsert keyed by the job id) of at most 100 job postings.

        Returns LinkedIn's task ids in the order of ``postings``; poll them with
        ``get_job_posting_tasks``. Any refused posting raises (naming the job ids): re-posting
        the whole batch is harmless.
        """
        _check_batch([posting.job_id for posting in postings], "postings")
        if not postings:
            return []
        organization = self.organization_urn
        data = self._request(
            "POST",
            "/v2/simpleJobPostings",
            json={"elements": [p.to_json(integration_context=organization) for p in postings]},
            headers={"X-RestLi-Method": "batch_create"},
        )
        reader = Reader(data, "simpleJobPostings")
        elements = reader.obj_list("elements", required=True)
        if len(elements) != len(postings):
            raise PayloadError(
                f"simpleJobPostings.elements: {len(elements)} results for {len(postings)} postings",
                field="simpleJobPostings.elements",
            )
        task_ids: list[str] = []
        failures = BatchResult(succeeded=[], failed={}, failed_statuses={})
        for index, (posting, element) in enumerate(zip(postings, elements, strict=True)):
            entry = Reader(element, f"simpleJobPostings.elements[{index}]")
            status = entry.integer("status", required=False)
            if status is not None and status >= 400:
                error = entry.obj.get("error")
                message = entry.text("message", required=False)
                if isinstance(error, dict) and isinstance(error.get("message"), str):
                    message = error["message"]
                failures.failed[posting.job_id] = message or f"status {status}"
                failures.failed_statuses[posting.job_id] = status
                continue
            task_ids.append(entry.ident("id"))
        _raise_failures(failures, "job postings")
        return task_ids

    def get_job_posting_tasks(self, task_ids: Sequence[str]) -> dict[str, str]:
        """Task id → ``SUCCEEDED`` | ``FAILED`` | ``IN_PROGRESS`` (a task LinkedIn reports an
        error for is ``FAILED``; one it does not mention is left out).
        """
        _check_batch(task_ids, "tasks")
        if not task_ids:
            return {}
        data = self._request(
            "GET", "/v2/simpleJobPostingTasks", params=restli.simple_batch_ids(task_ids)
        )
        reader = Reader(data, "simpleJobPostingTasks")
        wanted = set(task_ids)
        statuses: dict[str, str] = {}
        for key, value in _status_map(reader, "errors").items():
            task_id = unquote(key)
            if task_id in wanted:
                message = value.get("message") if isinstance(value, dict) else None
                logger.warning("linkedin job posting task %s failed: %s", task_id, message)
                statuses[task_id] = "FAILED"
        for key, value in _status_map(reader, "results").items():
            task_id = unquote(key)
            if task_id in wanted and task_id not in statuses:
                entry = Reader(value, f"simpleJobPostingTasks.results[{task_id}]")
                statuses[task_id] = entry.text("status")
                if statuses[task_id] == "FAILED":
                    logger.warning(
                        "linkedin job posting task %s failed: %s",
                        task_id,
                        entry.text("message", required=False),
                    )
        return statuses

    def upsert_job_requisitions(self, requisitions: Sequence[JobRequisition]) -> BatchResult:
        """Batch upsert of at most 100 requisitions for connected projects (RSC+)."""
        _check_batch([r.requisition_id for r in requisitions], "requisitions")
        if not requisitions:
            return BatchResult(succeeded=[], failed={})
        organization = self.organization_urn
        keys = {
            r.requisition_id: {
                "externalJobRequisitionId": r.requisition_id,
                "integrationContext": organization,
            }
            for r in requisitions
        }
        data = self._request(
            "PUT",
            "/rest/jobRequisitions",
            params=restli.v2_batch_ids(list(keys.values())),
            json={
                "entities": {
                    restli.v2_key(keys[r.requisition_id]): r.to_json() for r in requisitions
                }
            },
            headers={"X-RestLi-Method": "batch_update"},
        )
        return _batch_result(data, keys=keys, encode=restli.v2_key, path="jobRequisitions")

    def set_job_access(
        self,
        job_id: str,
        person_urns: Sequence[str],
        *,
        removed_person_urns: Sequence[str] = (),
    ) -> None:
        """Make ``person_urns`` (the owners' members) the job's access list. Idempotent.

        Upserts the ACL ``job-<id>`` for the job, then its assignees; ``removed_person_urns``
        (former owners) are unassigned. Raises if LinkedIn refuses any part.
        """
        _check_batch([job_id], "jobs")
        for urn in [*person_urns, *removed_person_urns]:
            _check_urn(urn, "person", "person_urns")
        organization = self.organization_urn
        acl_id = f"job-{job_id}"
        acl_key = {
            "atsEntityAclId": acl_id,
            "dataProvider": "ATS",
            "integrationContext": organization,
            "atsEntityType": "JOB_POSTING",
            "atsEntityId": job_id,
        }
        data = self._request(
            "PUT",
            "/v2/atsEntityAcls",
            params=restli.v1_batch_ids([acl_key]),
            json={"entities": {restli.v1_key(acl_key): {}}},
            headers={"X-RestLi-Method": "batch_update"},
        )
        result = _batch_result(
            data, keys={acl_id: acl_key}, encode=restli.v1_key, path="atsEntityAcls"
        )
        _raise_failures(result, f"the access list of job {job_id}")

        def assignee_key(urn: str) -> dict[str, str]:
            return {
                "atsEntityAclId": acl_id,
                "assignee": urn,
                "dataProvider": "ATS",
                "integrationContext": organization,
                "atsEntityType": "JOB_POSTING",
            }

        assigned = list(dict.fromkeys(person_urns))
        for chunk in _chunks(assigned):
            keys = {urn: assignee_key(urn) for urn in chunk}
            data = self._request(
                "PUT",
                "/v2/atsEntityAclAssignees",
                params=restli.v1_batch_ids(list(keys.values())),
                json={"entities": {restli.v1_key(key): {} for key in keys.values()}},
                headers={"X-RestLi-Method": "batch_update"},
            )
            result = _batch_result(
                data, keys=keys, encode=restli.v1_key, path="atsEntityAclAssignees"
            )
            _raise_failures(result, f"the assignees of job {job_id}")
        removed = [urn for urn in dict.fromkeys(removed_person_urns) if urn not in assigned]
        for chunk in _chunks(removed):
            keys = {urn: assignee_key(urn) for urn in chunk}
            result = self._batch_delete("/v2/atsEntityAclAssignees", keys)
            _raise_failures(result, f"the removal of former assignees of job {job_id}")

    # --- applications ----------------------------------------------------------------------

    def _attachment_key(self, application_id: str, attachment_id: str) -> dict[str, str]:
        return {
            "externalJobApplicationId": application_id,
            "externalAttachmentId": attachment_id,
            "integrationContext": self.organization_urn,
        }

    def _application_key(self, application_id: str) -> dict[str, str]:
        return {
            "atsJobApplicationId": application_id,
            "dataProvider": "ATS",
            "integrationContext": self.organization_urn,
        }

    def upsert_applications(self, applications: Sequence[ApplicationRecord]) -> BatchResult:
        """Batch upsert (full replace) of at most 100 applications; paced. Idempotent."""
        _check_batch([a.application_id for a in applications], "applications")
        if not applications:
            return BatchResult(succeeded=[], failed={})
        keys = {a.application_id: self._application_key(a.application_id) for a in applications}
        data = self._request(
            "PUT",
            "/v2/atsApplications",
            params=restli.v1_batch_ids(list(keys.values())),
            json={
                "entities": {
                    restli.v1_key(keys[a.application_id]): a.to_json() for a in applications
                }
            },
            headers={"X-RestLi-Method": "batch_update"},
            family=FAMILY_APPLICATIONS,
            records=len(applications),
        )
        return _batch_result(data, keys=keys, encode=restli.v1_key, path="atsApplications")

    def delete_applications(self, application_ids: Sequence[str]) -> BatchResult:
        """Batch delete of at most 100 applications (404 counts as deleted); paced."""
        _check_batch(application_ids, "applications")
        if not application_ids:
            return BatchResult(succeeded=[], failed={})
        keys = {app_id: self._application_key(app_id) for app_id in application_ids}
        return self._batch_delete("/v2/atsApplications", keys, family=FAMILY_APPLICATIONS)

    def delete_attachments(
        self, application_id_attachment_ids: Sequence[tuple[str, str]]
    ) -> BatchResult:
        """Batch delete of at most 100 files by ``(application id, attachment id)``, keyed by
        application id in the result (404 counts as deleted); paced.

        LinkedIn documents that deleting an application deletes its notes, feedback and stages,
        not its attachments: Tracker deletes the CV it uploaded first.
        """
        pairs = list(application_id_attachment_ids)
        _check_batch([application_id for application_id, _ in pairs], "applications")
        if not pairs:
            return BatchResult(succeeded=[], failed={})
        keys = {
            application_id: self._attachment_key(application_id, attachment_id)
            for application_id, attachment_id in pairs
        }
        return self._batch_delete("/rest/attachments", keys, family=FAMILY_APPLICATIONS)

    def upsert_attachment(
        self,
        *,
        application_id: str,
        attachment_id: str,
        file_name: str,
        content_type: str,
        content: bytes,
    ) -> None:
        """Upload (replace) one file, e.g. the primary CV, on an application. Idempotent."""
        _check_batch([application_id], "applications")
        _check_batch([attachment_id], "attachments")
        if not file_name or not file_name.strip():
            raise ValueError("file_name is required")
        if not re.match(r"^[\w.+-]+/[\w.+-]+$", content_type or ""):
            raise ValueError(f"content_type must be a MIME type, got {content_type!r}")
        if not content:
            raise ValueError("content must not be empty")
        key = self._attachment_key(application_id, attachment_id)
        data = self._request(
            "PUT",
            "/rest/attachments",
            params=restli.v2_batch_ids([key]),
            json={
                "entities": {
                    restli.v2_key(key): {
                        "fileName": file_name.strip(),
                        "contentType": content_type,
                        "content": base64.b64encode(content).decode("ascii"),
                    }
                }
            },
            headers={"X-RestLi-Method": "batch_update"},
        )
        result = _batch_result(
            data, keys={attachment_id: key}, encode=restli.v2_key, path="attachments"
        )
        _raise_failures(result, f"attachment {attachment_id} of application {application_id}")

    # --- pulls -----------------------------------------------------------------------------

    def get_exported_candidate(self, request_id: str) -> ExportedCandidate:
        data = self._request(
            "GET", "/v2/exportedCandidates", params=[("q", "request"), ("requestId", request_id)]
        )
        element = _first_element(data, "exportedCandidates", f"exported candidate {request_id}")
        return ExportedCandidate.from_json(element)

    def iter_seats(self, contract_urn: str) -> Iterator[Seat]:
        _check_urn(contract_urn, "contract", "contract_urn")
        return self._paginate(
            "/v2/seatsV2",
            [("q", "attributes"), ("contracts", contract_urn)],
            page_size=PAGE_SEATS,
            parse=Seat.from_json,
            resource="seatsV2",
        )

    def iter_mail_stubs(
        self,
        contract_urn: str,
        start: datetime,
        end: datetime,
        *,
        tolerate_malformed: bool = False,
    ) -> Iterator[MailStub | Unreadable]:
        """Stub profiles created in ``[start, end)`` (unreadable ones as ``Unreadable`` when
        ``tolerate_malformed``)."""
        _check_urn(contract_urn, "contract", "contract_urn")
        _check_window(start, end, None)
        return self._paginate(
            "/v2/mailStubs",
            [
                ("q", "contract"),
                ("contract", contract_urn),
                ("createdDateStart", str(datetime_to_ms(start))),
                ("createdDateEnd", str(datetime_to_ms(end))),
            ],
            page_size=PAGE_MAIL_STUBS,
            parse=MailStub.from_json,
            resource="mailStubs",
            tolerate_malformed=tolerate_malformed,
        )

    def iter_conversation_events(
        self, seat_urn: str, start: datetime, end: datetime
    ) -> Iterator[ConversationEvent]:
        """InMails seen by ``seat_urn`` in ``[start, end)``; at most 12 hours (ValueError)."""
        _check_urn(seat_urn, "seat", "seat_urn")
        _check_window(start, end, MAX_INTERACTION_WINDOW)
        return self._paginate(
            "/v2/conversationEvents",
            [
                ("q", "criteria"),
                ("viewer", seat_urn),
                ("timeRange.start", str(datetime_to_ms(start))),
                ("timeRange.end", str(datetime_to_ms(end))),
            ],
            page_size=PAGE_CONVERSATION_EVENTS,
            parse=ConversationEvent.from_json,
            resource="conversationEvents",
        )

    def iter_prospect_notes(
        self,
        contract_urn: str,
        owner_seat_urns: Sequence[str],
        start: datetime,
        end: datetime,
    ) -> Iterator[ProspectNote]:
        """Notes by ``owner_seat_urns`` last modified in ``[start, end)``; at most 12 hours."""
        _check_urn(contract_urn, "contract", "contract_urn")
        if not owner_seat_urns:
            raise ValueError("owner_seat_urns must name at least one seat")
        for urn in owner_seat_urns:
            _check_urn(urn, "seat", "owner_seat_urns")
        _check_window(start, end, MAX_INTERACTION_WINDOW)
        return self._paginate(
            "/v2/prospectNotes",
            [
                ("q", "criteria"),
                ("contract", contract_urn),
                *[("owners", urn) for urn in dict.fromkeys(owner_seat_urns)],
                ("cutoffDate", str(datetime_to_ms(start))),
                ("beforeDate", str(datetime_to_ms(end))),
            ],
            page_size=PAGE_PROSPECT_NOTES,
            parse=ProspectNote.from_json,
            resource="prospectNotes",
        )

    def get_evaluation(self, request_id: str) -> ApplicationEvaluation:
        data = self._request(
            "GET",
            "/rest/exportedApplicationEvaluation",
            params=[("q", "request"), ("requestId", request_id)],
        )
        element = _first_element(
            data, "exportedApplicationEvaluation", f"application evaluation {request_id}"
        )
        return ApplicationEvaluation.from_json(element)

    def get_connection_change(self, request_id: str) -> ProjectConnectionChange:
        data = self._request(
            "GET",
            "/rest/hiringProjectConnections",
            params=[("q", "request"), ("requestId", request_id)],
        )
        element = _first_element(
            data, "hiringProjectConnections", f"project connection change {request_id}"
        )
        return ProjectConnectionChange.from_json(element)

    def iter_connections(self, organization_urn: str) -> Iterator[ProjectConnectionChange]:
        _check_urn(organization_urn, "organization", "organization_urn")
        return self._paginate(
            "/rest/hiringProjectConnections",
            [("q", "integrationContext"), ("integrationContext", organization_urn)],
            page_size=PAGE_REST_FINDERS,
            parse=ProjectConnectionChange.from_json,
            resource="hiringProjectConnections",
        )

    def iter_purged_exports(self, organization_urn: str, since: datetime) -> Iterator[PurgedExport]:
        _check_urn(organization_urn, "organization", "organization_urn")
        if since.tzinfo is None or since.utcoffset() is None:
            raise ValueError("since must be an aware datetime")
        return self._paginate(
            "/rest/atsPurgedExportedCandidates",
            [
                ("q", "integrationContext"),
                ("integrationContext", organization_urn),
                ("purgedAfter", str(datetime_to_ms(since))),
            ],
            page_size=PAGE_REST_FINDERS,
            parse=PurgedExport.from_json,
            resource="atsPurgedExportedCandidates",
        )


def _dumps(data: Any) -> bytes:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def client_from_settings(*, organization_urn: str | None = None) -> LinkedInClient:
    """A client configured from settings (LINKEDIN_*, REDIS_URL, VAR_DIR).

    ``organization_urn`` defaults to the Integration row's, read on first use. The product
    calls ``provider.get_client()`` instead, which tests can override.
    """
    return LinkedInClient(
        api_url=settings.LINKEDIN_API_URL,
        token_url=settings.LINKEDIN_TOKEN_URL,
        client_id=settings.LINKEDIN_CLIENT_ID,
        client_secret=settings.LINKEDIN_CLIENT_SECRET,
        version=settings.LINKEDIN_VERSION,
        timeout=settings.LINKEDIN_TIMEOUT,
        retry=RetryPolicy(
            attempts=settings.LINKEDIN_RETRY_ATTEMPTS,
            base_wait=settings.LINKEDIN_RETRY_BASE_WAIT,
            max_wait=settings.LINKEDIN_RETRY_MAX_WAIT,
        ),
        organization_urn=organization_urn,
        limiters={family: get_limiter(family) for family in PACED_FAMILIES},
        lock_dir=Path(settings.VAR_DIR),
    )
