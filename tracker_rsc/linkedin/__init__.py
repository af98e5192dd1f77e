"""The LinkedIn RSC adapter: the only code in Tracker that speaks LinkedIn's API.

Public interface (see the module docstrings for details):
- ``get_client()`` → a ``LinkedInAPI`` (the Protocol ``LinkedInClient`` implements: one method
  per LinkedIn call); tests replace it with ``client_override(fake)``;
- the payload types in ``payloads`` and ``parse_push``;
- the errors in ``errors``;
- ``signatures`` for push signatures and the callback challenge;
- ``get_limiter(family)`` for the shared pacing of a sync family.
"""

from .client import MAX_BATCH_SIZE, LinkedInClient, client_from_settings
from .errors import (
    AuthError,
    LinkedInError,
    PayloadError,
    PermanentError,
    RateLimitExceeded,
    TransientError,
)
from .http import RetryPolicy
from .limiter import RateLimiter, get_limiter
from .payloads import (
    PUSH_APPLICATION_EVALUATION,
    PUSH_CONNECTION_CHANGE,
    PUSH_EXPORT_CANDIDATE,
    PUSH_INTEGRATION_STATUS,
    PUSH_TYPES,
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
    MemberProfile,
    ProjectConnectionChange,
    ProspectNote,
    PurgedExport,
    Push,
    Seat,
    Unreadable,
    datetime_to_ms,
    ms_to_datetime,
    parse_push,
)
from .protocol import LinkedInAPI
from .provider import client_override, get_client
from .signatures import challenge_response, signature_header, verify_signature

__all__ = [
    "MAX_BATCH_SIZE",
    "PUSH_APPLICATION_EVALUATION",
    "PUSH_CONNECTION_CHANGE",
    "PUSH_EXPORT_CANDIDATE",
    "PUSH_INTEGRATION_STATUS",
    "PUSH_TYPES",
    "ApplicationEvaluation",
    "ApplicationRecord",
    "AuthError",
    "BatchResult",
    "CandidateMatch",
    "CandidateRecord",
    "ConversationEvent",
    "ExportedCandidate",
    "IntegrationStatus",
    "JobPosting",
    "JobRequisition",
    "LinkedInAPI",
    "LinkedInClient",
    "LinkedInError",
    "MailStub",
    "MatchResult",
    "MemberProfile",
    "PayloadError",
    "PermanentError",
    "ProjectConnectionChange",
    "ProspectNote",
    "PurgedExport",
    "Push",
    "RateLimitExceeded",
    "RateLimiter",
    "RetryPolicy",
    "Seat",
    "TransientError",
    "Unreadable",
    "challenge_response",
    "client_from_settings",
    "client_override",
    "datetime_to_ms",
    "get_client",
    "get_limiter",
    "ms_to_datetime",
    "parse_push",
    "signature_header",
    "verify_signature",
]
