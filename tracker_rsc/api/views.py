"""REST API v1 (docs/architecture.md §5.2): thin viewsets that validate, call one service, and
serialize.

Service ``ValidationError``s become 400s with field messages; every write needs its model
permission (see permissions.py) and requests are rate-limited (throttles.py, 429 with
Retry-After). Token authentication (knox: hashed, expiring tokens) comes first so an anonymous
request gets 401 with ``WWW-Authenticate: Token`` rather than a 403.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from knox.auth import TokenAuthentication
from rest_framework import serializers, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from candidates import services as candidate_services
from candidates.models import Candidate, CandidateSkill
from candidates.selectors import candidate_list, skill_search
from candidates.skill_search import NoMatchReason
from requisitions import services as requisition_services
from requisitions.models import Placement
from requisitions.selectors import activity_list, placement_list, requisition_list
from tracker_rsc import access
from tracker_rsc.api import filters
from tracker_rsc.api.fields import NoFormatParameter
from tracker_rsc.api.pagination import CandidateCursorPagination
from tracker_rsc.api.permissions import (
    CandidatePermission,
    IsActiveUser,
    PlacementPermission,
    RequisitionPermission,
    sees_linkedin_widget,
)
from tracker_rsc.api.schema import MAX_ID
from tracker_rsc.api.serializers import (
    ActivitySerializer,
    CandidateEraseSerializer,
    CandidateSerializer,
    PlacementSerializer,
    PlacementStageSerializer,
    RequisitionSerializer,
    SkillSearchQuerySerializer,
    SkillSearchResponseSerializer,
)
from tracker_rsc.api.throttles import ThrottleFirstMixin

AUTHENTICATION_CLASSES = [TokenAuthentication, SessionAuthentication]
NON_FIELD_ERRORS_KEY = api_settings.NON_FIELD_ERRORS_KEY


@contextmanager
def service_errors() -> Iterator[None]:
    """Re-raise a service's Django ValidationError as DRF's 400 with field messages."""
    try:
        yield
    except DjangoValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise serializers.ValidationError({NON_FIELD_ERRORS_KEY: exc.messages}) from exc
        errors = {
            NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field: messages
            for field, messages in exc.message_dict.items()
        }
        raise serializers.ValidationError(errors) from exc


# Mixed into the ModelViewSets only: type-checked as a GenericAPIView, plain at runtime.
if TYPE_CHECKING:
    from rest_framework.generics import GenericAPIView

    _GenericViewBase = GenericAPIView[Any]
else:
    _GenericViewBase = object


class ApiViewSetMixin(ThrottleFirstMixin, _GenericViewBase):
    authentication_classes = AUTHENTICATION_CLASSES
    content_negotiation_class = NoFormatParameter

    def get_object(self) -> Any:
        # An id that is not a 64-bit positive integer names no record: 404 before the database
        # sees it (a larger number overflows SQLite and PostgreSQL alike, which would be a 500).
        raw = str(self.kwargs.get(self.lookup_url_kwarg or self.lookup_field, ""))
        if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= MAX_ID):
            raise NotFound()
        return super().get_object()


@extend_schema_view(
    list=extend_schema(
        summary="List candidates, most recently updated first",
        description=(
            "Every caller sees the candidates; the LinkedIn member link (`linkedin`) is shown "
            "only to a caller with an active LinkedIn Recruiter seat (null for anyone else), "
            "and so is the `linked` filter (403 without a seat)."
        ),
    ),
    create=extend_schema(summary="Create a candidate (sent to LinkedIn by live sync)"),
    retrieve=extend_schema(summary="A candidate"),
    update=extend_schema(summary="Replace a candidate's fields (always a save: it re-syncs)"),
    partial_update=extend_schema(
        summary="Change some of a candidate's fields (an empty body still saves and re-syncs)"
    ),
    destroy=extend_schema(
        summary="Delete a candidate (needs candidates.delete_candidate; deleted on LinkedIn too)"
    ),
)
class CandidateViewSet(ApiViewSetMixin, viewsets.ModelViewSet):
    serializer_class = CandidateSerializer
    permission_classes = [CandidatePermission]
    pagination_class = CandidateCursorPagination
    filterset_class = filters.CandidateFilter

    def get_queryset(self) -> Any:
        return candidate_list()

    def _reloaded(self, candidate: Candidate) -> dict[str, Any]:
        # Re-read through the selector so skills and link reflect what the service wrote.
        return self.get_serializer(candidate_list().get(pk=candidate.pk)).data

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        skills = fields.pop("skills", ())
        with service_errors():
            candidate = candidate_services.candidate_create(
                actor=request.user,
                source=Candidate.Source.API,
                skills=skills,
                skill_source=CandidateSkill.Source.API,
                **fields,
            )
        return Response(self._reloaded(candidate), status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        candidate = self.get_object()
        serializer = self.get_serializer(
            candidate, data=request.data, partial=kwargs.get("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        skills = fields.pop("skills", None)
        # Called even when nothing changed: a save is what sends the record to LinkedIn again.
        with service_errors():
            candidate_services.candidate_update(
                candidate=candidate, actor=request.user, skills=skills, **fields
            )
        return Response(self._reloaded(candidate))

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        candidate = self.get_object()
        with service_errors():
            candidate_services.candidate_delete(candidate=candidate, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Erase a candidate (GDPR; needs candidates.erase_candidate)",
        description=(
            "Deletes the record with its placements, activities and CV file. On LinkedIn it "
            "deletes the ATS candidate and the applications Tracker sent. LinkedIn keeps the "
            "Recruiter notes and InMails its users wrote (RSC offers no call to delete them), "
            "and Tracker no longer imports them while the member is linked to no candidate. "
            "A hashed tombstone (email, profile URL, member) stops imports from re-creating "
            "the person."
        ),
        request=CandidateEraseSerializer,
        responses={204: OpenApiResponse(description="Erased.")},
    )
    @action(detail=True, methods=["post"], serializer_class=CandidateEraseSerializer)
    def erase(self, request: Request, pk: str | None = None) -> Response:
        candidate = self.get_object()
        serializer = CandidateEraseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            candidate_services.candidate_erase(
                candidate=candidate,
                actor=request.user,
                reason=serializer.validated_data["reason"],
            )
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(summary="List requisitions, newest first"),
    create=extend_schema(summary="Create a requisition (the creator need not be an owner)"),
    retrieve=extend_schema(summary="A requisition"),
    update=extend_schema(summary="Replace a requisition's fields (owners and admins)"),
    partial_update=extend_schema(summary="Change a requisition (owners and admins)"),
    destroy=extend_schema(summary="Delete a requisition (owners and admins)"),
)
class RequisitionViewSet(ApiViewSetMixin, viewsets.ModelViewSet):
    serializer_class = RequisitionSerializer
    permission_classes = [RequisitionPermission]
    filterset_class = filters.RequisitionFilter

    def get_queryset(self) -> Any:
        return requisition_list()

    def _reloaded(self, requisition_id: int) -> dict[str, Any]:
        return self.get_serializer(requisition_list().get(pk=requisition_id)).data

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        owners = fields.pop("owners")
        with service_errors():
            requisition = requisition_services.requisition_create(
                owners=owners, actor=request.user, **fields
            )
        return Response(self._reloaded(requisition.pk), status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        requisition = self.get_object()
        serializer = self.get_serializer(
            requisition, data=request.data, partial=kwargs.get("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        owners = fields.pop("owners", None)
        with service_errors():
            requisition_services.requisition_update(
                requisition=requisition, owners=owners, actor=request.user, **fields
            )
        return Response(self._reloaded(requisition.pk))

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        requisition = self.get_object()
        with service_errors():
            requisition_services.requisition_delete(requisition=requisition, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(summary="List placements (shortlist entries), newest first"),
    create=extend_schema(summary="Shortlist a candidate on an open requisition"),
    retrieve=extend_schema(summary="A placement"),
    update=extend_schema(
        summary="Move a placement to another stage",
        request=PlacementStageSerializer,
        responses=PlacementSerializer,
    ),
    partial_update=extend_schema(
        summary="Move a placement to another stage",
        request=PlacementStageSerializer,
        responses=PlacementSerializer,
    ),
    destroy=extend_schema(
        summary="Remove a candidate from a shortlist (owners of the requisition and admins)"
    ),
)
class PlacementViewSet(ApiViewSetMixin, viewsets.ModelViewSet):
    serializer_class = PlacementSerializer
    permission_classes = [PlacementPermission]
    filterset_class = filters.PlacementFilter

    def get_queryset(self) -> Any:
        return placement_list()

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with service_errors():
            placement = requisition_services.placement_create(
                candidate=data["candidate"],
                requisition=data["requisition"],
                stage=data.get("stage", Placement.Stage.SHORTLISTED),
                source=Placement.Source.API,
                actor=request.user,
            )
        return Response(self.get_serializer(placement).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        placement = self.get_object()
        serializer = PlacementStageSerializer(
            placement, data=request.data, partial=kwargs.get("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        # A PATCH without a stage keeps the stage, and still saves (and re-syncs) it.
        stage = serializer.validated_data.get("stage", placement.stage)
        with service_errors():
            requisition_services.placement_set_stage(
                placement=placement, stage=stage, actor=request.user
            )
        return Response(self.get_serializer(placement).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        placement = self.get_object()
        with service_errors():
            requisition_services.placement_delete(placement=placement, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(
        summary="List activities (InMails, notes, evaluations…), newest first",
        description=(
            "InMails, Recruiter notes and evaluation summaries are Tracker records, listed whole "
            "for every caller. Without an active LinkedIn Recruiter seat, LinkedIn link events "
            "are not listed (kind=link is refused with 403), member ids are redacted, `data` "
            "keeps only Tracker facts and export/stub/sync entries carry no body."
        ),
    ),
    retrieve=extend_schema(summary="An activity"),
)
class ActivityViewSet(ApiViewSetMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = ActivitySerializer
    permission_classes = [IsActiveUser]
    filterset_class = filters.ActivityFilter

    def get_queryset(self) -> Any:
        queryset = activity_list()
        hidden = access.hidden_activity_kinds(widget=sees_linkedin_widget(self.request))
        return queryset.exclude(kind__in=hidden) if hidden else queryset


class SkillSearchView(ThrottleFirstMixin, APIView):
    """Skills Search: map a skill name onto the Quick Skills dictionary (docs/architecture.md
    §4.6)."""

    authentication_classes = AUTHENTICATION_CLASSES
    content_negotiation_class = NoFormatParameter
    permission_classes = [IsActiveUser]

    @extend_schema(
        summary="Skills Search",
        description=(
            "Exact (case and spaces ignored) on a name or alias, then normalised (punctuation "
            "ignored: Node.js = NodeJS), then a close spelling of a name of six or more "
            "letters. Two skills tied at the best level give no match. Never creates a skill."
        ),
        parameters=[SkillSearchQuerySerializer],
        responses=SkillSearchResponseSerializer,
    )
    def get(self, request: Request) -> Response:
        query = SkillSearchQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        result = skill_search(query.validated_data["q"])
        if result.reason == NoMatchReason.BLANK:  # only marks or symbols that normalise away
            raise serializers.ValidationError({"q": ["Enter a skill name to search for."]})
        return Response(
            {
                "query": result.query,
                "match": (
                    {"id": result.skill_id, "name": result.name, "method": str(result.method)}
                    if result.matched
                    else None
                ),
                "score": result.score if result.matched else None,
                "reason": None if result.matched else str(result.reason),
            }
        )
