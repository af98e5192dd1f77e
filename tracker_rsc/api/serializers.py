"""Serializers of the REST API (docs/architecture.md §5.2): they validate and format, they never
write.

Writes go through candidates.services and requisitions.services, called by the views with
``validated_data``. Reads expect the querysets of the selectors (prefetched skills, links,
owners and connections), so a page of any size costs a constant number of queries.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from django.contrib.auth import get_user_model
from django.core.validators import RegexValidator
from django.http import QueryDict
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from candidates import normalize
from candidates.models import Candidate
from candidates.selectors import (
    candidate_active_link_of,
    candidate_skill_names,
    skills_resolve,
)
from requisitions.models import Activity, Placement, ProjectConnection, Requisition
from requisitions.selectors import (
    connection_owner_seat_urn,
    requisition_active_connection,
    requisition_reevaluation_hint,
)
from tracker_rsc import access
from tracker_rsc.api.fields import StrictJSONTypesMixin
from tracker_rsc.api.permissions import sees_linkedin_widget

# --- Candidates -----------------------------------------------------------------------------


def _same_text(sent: Any, stored: Any) -> bool:
    """A text value sent as it is stored (surrounding spaces aside, as the service strips)."""
    return isinstance(sent, str) and isinstance(stored, str) and sent.strip() == stored.strip()


class MemberLinkSerializer(serializers.Serializer):
    person_urn = serializers.CharField(read_only=True)
    matched_on = serializers.CharField(read_only=True)
    linked_at = serializers.DateTimeField(read_only=True)


class SkillNamesField(serializers.ListField):
    """Quick Skill names. On input each name must be an existing Quick Skill (exact, alias or
    normalised match through Skills Search); the validated value is the list of QuickSkills."""

    child = serializers.CharField(max_length=100)

    def get_attribute(self, instance: Candidate) -> list[str]:
        return candidate_skill_names(instance)

    def to_internal_value(self, data: Any) -> list:
        names = super().to_internal_value(data)
        found, unknown = skills_resolve(names)
        if unknown:
            quoted = ", ".join(f"“{name}”" for name in unknown)
            raise serializers.ValidationError(
                f"Not in the Quick Skills dictionary: {quoted}. Use an existing skill name or "
                "alias (GET /api/v1/skills/search/?q= finds one); skills are never created "
                "through the API."
            )
        return found


class CandidateSerializer(StrictJSONTypesMixin, serializers.ModelSerializer):
    skills = SkillNamesField(
        required=False,
        max_length=100,
        help_text=(
            "Quick Skill names. Writing replaces the candidate's skills; every name must be an "
            "existing Quick Skill (name or alias, case, spaces and punctuation ignored)."
        ),
    )
    linkedin = serializers.SerializerMethodField(
        help_text=(
            "The active link to a LinkedIn member, or null when the candidate is not linked. "
            "LinkedIn widget data: always null for a caller without an active LinkedIn "
            "Recruiter seat, linked or not."
        )
    )

    class Meta:
        model = Candidate
        fields = [
            "id",
            "first_name",
            "last_name",
            "email",
            "phone",
            "current_title",
            "current_company",
            "headline",
            "location",
            "linkedin_profile_url",
            "source",
            "created_at",
            "updated_at",
            "skills",
            "linkedin",
        ]
        read_only_fields = ["id", "source", "created_at", "updated_at"]

    @extend_schema_field(MemberLinkSerializer(allow_null=True))
    def get_linkedin(self, candidate: Candidate) -> dict[str, Any] | None:
        if not sees_linkedin_widget(self.context.get("request")):
            return None
        link = candidate_active_link_of(candidate)
        return MemberLinkSerializer(link).data if link else None

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        # On an update, a value sent back exactly as stored is no change and is not validated:
        # a record older than today's rules (an email or URL stored before them) can be PUT
        # back unchanged, and that save is what starts LinkedIn matching. Changed values are
        # validated as always (candidates.services.candidate_update does the same).
        if self.instance is not None and isinstance(data, Mapping):
            unchanged = [
                name
                for name in self.Meta.fields
                if name in data
                and name not in self.Meta.read_only_fields
                and _same_text(data.get(name), getattr(self.instance, name, None))
            ]
            if unchanged:
                # A QueryDict (form data) or a dict (JSON): both copy into something mutable.
                data = cast("QueryDict | dict[str, Any]", data).copy()
                for name in unchanged:
                    data.pop(name)
        return super().to_internal_value(data)

    def validate_linkedin_profile_url(self, value: str) -> str:
        if value.strip() and not normalize.profile_slug(value):
            raise serializers.ValidationError(
                "Enter a LinkedIn public profile URL such as https://www.linkedin.com/in/jane-doe."
            )
        return value


class CandidateEraseSerializer(StrictJSONTypesMixin, serializers.Serializer):
    reason = serializers.CharField(
        max_length=300, help_text="Why the candidate is erased (kept on the erasure record)."
    )


# --- Requisitions ---------------------------------------------------------------------------


class ProjectConnectionSerializer(serializers.Serializer):
    project_urn = serializers.CharField(read_only=True)
    owner_seat = serializers.SerializerMethodField(help_text="The project owner's seat URN.")
    connected_at = serializers.DateTimeField(read_only=True, allow_null=True)
    hiring_assistant_automation = serializers.BooleanField(read_only=True)

    def get_owner_seat(self, connection: ProjectConnection) -> str:
        return connection_owner_seat_urn(connection)


class OwnerIdsField(serializers.ListField):
    """User ids of the owners (at least one). Validated in one query; yields the users."""

    # Ids are 64-bit: a larger number is a 400, not a database overflow (a 500 on SQLite).
    child = serializers.IntegerField(min_value=1, max_value=2**63 - 1)

    def get_attribute(self, instance: Requisition) -> list[int]:
        return sorted(user.pk for user in instance.owners.all())

    def to_internal_value(self, data: Any) -> list:
        ids = list(dict.fromkeys(super().to_internal_value(data)))
        if not ids:
            raise serializers.ValidationError("A requisition needs at least one owner.")
        users = {
            user.pk: user for user in get_user_model().objects.filter(pk__in=ids, is_active=True)
        }
        missing = [str(pk) for pk in ids if pk not in users]
        if missing:
            raise serializers.ValidationError(
                f"No active user with id {', '.join(missing)}: owners must be active users."
            )
        return [users[pk] for pk in ids]


class RequisitionSerializer(StrictJSONTypesMixin, serializers.ModelSerializer):
    owners = OwnerIdsField(
        min_length=1,
        help_text=(
            "User ids of the owners (at least one): they form the job's LinkedIn access list."
        ),
    )
    connection = serializers.SerializerMethodField(
        help_text="The active connection to a LinkedIn hiring project (RSC+), or null."
    )
    reevaluation_hint = serializers.SerializerMethodField(
        help_text=(
            "Set when the connected project has Hiring Assistant Automation off: says how to "
            "turn it on so candidates can be re-evaluated. Null otherwise."
        )
    )

    class Meta:
        model = Requisition
        fields = [
            "id",
            "title",
            "description",
            "location",
            "client_name",
            "status",
            "kind",
            "owners",
            "availability",
            "connection",
            "reevaluation_hint",
            "created_at",
            "updated_at",
            "closed_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at", "closed_at"]

    @extend_schema_field(ProjectConnectionSerializer(allow_null=True))
    def get_connection(self, requisition: Requisition) -> dict[str, Any] | None:
        connection = requisition_active_connection(requisition)
        return ProjectConnectionSerializer(connection).data if connection else None

    def get_reevaluation_hint(self, requisition: Requisition) -> str | None:
        return requisition_reevaluation_hint(requisition)


# --- Placements -----------------------------------------------------------------------------


class PlacementSerializer(StrictJSONTypesMixin, serializers.ModelSerializer):
    rank_label = serializers.CharField(
        read_only=True, help_text="The rank as users see it (e.g. “Top candidate”); '' if none."
    )
    # Declared so the schema says '' is a value: a placement not yet evaluated has no rank.
    rank = serializers.ChoiceField(
        choices=Placement.Rank.choices,
        allow_blank=True,
        read_only=True,
        help_text="Hiring Assistant rank of the latest evaluation; '' if never evaluated.",
    )
    evaluation_basis = serializers.ChoiceField(
        choices=Placement.Basis.choices,
        allow_blank=True,
        read_only=True,
        help_text="What the latest evaluation was based on; '' if never evaluated.",
    )

    class Meta:
        model = Placement
        fields = [
            "id",
            "candidate",
            "requisition",
            "stage",
            "source",
            "rank",
            "rank_label",
            "evaluated_at",
            "evaluation_basis",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "source",
            "rank",
            "evaluated_at",
            "evaluation_basis",
            "created_at",
            "updated_at",
        ]
        # The (candidate, requisition) pair is checked by placement_create, which names the
        # field; DRF's own unique-together check would only repeat it with a vaguer message.
        validators: list = []


class PlacementStageSerializer(StrictJSONTypesMixin, serializers.ModelSerializer):
    """An update moves a placement through the stages; nothing else about it changes here."""

    class Meta:
        model = Placement
        fields = ["stage"]
        extra_kwargs = {"stage": {"required": True}}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        placement = self.instance
        errors = {}
        for field in ("candidate", "requisition"):
            if field in self.initial_data and str(self.initial_data[field]) != str(
                getattr(placement, f"{field}_id")
            ):
                errors[field] = (
                    f"A placement cannot move to another {field}: delete it and create a new one."
                )
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


# --- Activities -----------------------------------------------------------------------------


class ActivitySerializer(serializers.ModelSerializer):
    """An activity as the caller may see it (``tracker_rsc.access``): InMails, notes and
    evaluation summaries whole for everyone; without a Recruiter seat, member URNs are
    redacted, ``data`` keeps only Tracker facts, and audit entries (export, stub profile,
    sync) have no body, since it describes how the member was matched."""

    # A field named "data": the serializer's metaclass takes it out of the class, so it never
    # shadows Serializer.data (which the stubs cannot know).
    data = serializers.JSONField(  # type: ignore[assignment]
        read_only=True,
        help_text=(
            "Details of the activity. Without an active LinkedIn Recruiter seat only the "
            "Tracker facts of each kind are kept (no member ids, match rules or scores)."
        ),
    )

    class Meta:
        model = Activity
        fields = [
            "id",
            "kind",
            "candidate",
            "placement",
            "requisition",
            "subject",
            "body",
            "occurred_at",
            "data",
        ]
        read_only_fields = fields

    def to_representation(self, instance: Activity) -> dict[str, Any]:
        row = super().to_representation(instance)
        widget = sees_linkedin_widget(self.context.get("request"))
        row["subject"], row["body"] = access.activity_text(
            instance.kind, row["subject"], row["body"], widget=widget
        )
        row["data"] = access.scrub_activity_data(instance.kind, row["data"], widget=widget)
        return row


# --- Skills Search --------------------------------------------------------------------------


class SkillSearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(
        max_length=200,
        help_text="A skill name as written anywhere (e.g. a LinkedIn skill).",
        # Something to search for: not only spaces and combining accents (schema: pattern).
        validators=[
            RegexValidator(
                r"[^\s\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]",
                message="Enter a skill name to search for.",
            )
        ],
    )


class SkillRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    method = serializers.ChoiceField(
        choices=["exact", "normalised", "fuzzy"],
        help_text="exact (name or alias), normalised (punctuation ignored) or fuzzy (a typo).",
    )


class SkillSearchResponseSerializer(serializers.Serializer):
    query = serializers.CharField()
    match = SkillRefSerializer(allow_null=True, help_text="The Quick Skill, or null.")
    score = serializers.FloatField(
        allow_null=True,
        help_text="Similarity of the match, 1.0 for exact and normalised hits; null without one.",
    )
    reason = serializers.ChoiceField(
        choices=["ambiguous", "not_found"],
        allow_null=True,
        help_text="Why nothing matched: two skills tied, or nothing came close. Null on a match.",
    )
