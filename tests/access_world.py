"""One candidate carrying every kind of LinkedIn-related data, for the access-policy tests.

Built through the factories as the syncs leave it: linked (with an earlier, ended link), an
InMail, a Recruiter note, a Hiring Assistant evaluation on a ranked placement, link events, and
an Export to ATS whose details describe the match. The constants name what each test looks for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from candidates.models import Candidate, MemberLink
from requisitions.models import Activity, Placement, Requisition
from tests.candidates.factories import CandidateFactory, MemberLinkFactory
from tests.requisitions.factories import ActivityFactory, PlacementFactory, RequisitionFactory

# (b) LinkedIn widget data
PERSON_URN = "urn:li:person:WidgetOnly42"
OLD_URN = "urn:li:person:FormerMember7"
LINK_REASON = "LinkedIn matched the profile slug jane-doe-4a1b"
MATCH_SCORE = "0.97"
CONVERSATION = "urn:li:conversation:conv-991"
# (a) Data synced into Tracker
INMAIL_SUBJECT = "A data role in Leeds"
INMAIL_BODY = "Hi Jane, would you consider a move to Leeds?"
NOTE_BODY = "Prefers hybrid work; notice period three months"
EVAL_BODY = "Rank: Top candidate\n\nStrong Spark and SQL; meets 5 of 5 required qualifications"
EVAL_SUMMARY = "Strong Spark and SQL"
PROFILE_URL = "https://www.linkedin.com/in/jane-doe-4a1b"

WIDGET_SECRETS = (PERSON_URN, OLD_URN, LINK_REASON, CONVERSATION)
SYNCED_RECORDS = (INMAIL_SUBJECT, INMAIL_BODY, NOTE_BODY, EVAL_SUMMARY)


@dataclass
class World:
    candidate: Candidate
    requisition: Requisition
    placement: Placement
    inmail: Activity
    note: Activity
    evaluation: Activity
    link_event: Activity
    export: Activity


def build_world() -> World:
    now = timezone.now()
    candidate = CandidateFactory(
        first_name="Jane",
        last_name="Doe",
        email="jane@example.com",
        linkedin_profile_url=PROFILE_URL,
    )
    MemberLinkFactory(
        candidate=candidate,
        person_urn=OLD_URN,
        linked_at=now - timedelta(days=30),
        unlinked_at=now - timedelta(days=20),
        unlink_reason="Wrong person",
    )
    MemberLinkFactory(
        candidate=candidate,
        person_urn=PERSON_URN,
        method=MemberLink.Method.BULK_SYNC,
        matched_on=MemberLink.MatchedOn.PROFILE_URL,
        score=0.97,
        reason=LINK_REASON,
        linked_at=now - timedelta(days=10),
    )
    requisition = RequisitionFactory(title="Senior Data Engineer")
    placement = PlacementFactory(
        candidate=candidate,
        requisition=requisition,
        rank=Placement.Rank.TOP,
        evaluation_basis=Placement.Basis.RESUME_AND_PROFILE,
        evaluated_at=now - timedelta(days=2),
    )
    inmail = ActivityFactory(
        candidate=candidate,
        kind=Activity.Kind.INMAIL,
        subject=INMAIL_SUBJECT,
        body=INMAIL_BODY,
        person_urn=PERSON_URN,
        occurred_at=now - timedelta(days=5),
        data={
            "conversation": CONVERSATION,
            "direction": "OUTBOUND",
            "viewer_seat_urn": "urn:li:seat:5001",
            "seat_name": "Alice Recruiter",
        },
    )
    note = ActivityFactory(
        candidate=candidate,
        kind=Activity.Kind.NOTE,
        subject="Recruiter note by Alice Recruiter",
        body=NOTE_BODY,
        person_urn=PERSON_URN,
        occurred_at=now - timedelta(days=4),
        data={"owner_seat_urn": "urn:li:seat:5001", "seat_name": "Alice Recruiter"},
    )
    evaluation = ActivityFactory(
        candidate=candidate,
        placement=placement,
        requisition=requisition,
        kind=Activity.Kind.EVALUATION_SUMMARY,
        subject="Hiring Assistant evaluation: Top candidate",
        body=EVAL_BODY,
        person_urn=PERSON_URN,
        occurred_at=now - timedelta(days=2),
        data={
            "rank": "TOP",
            "rank_label": "Top candidate",
            "basis": "resume_and_profile",
            "summary": EVAL_SUMMARY,
            "member": PERSON_URN,
        },
    )
    link_event = ActivityFactory(
        candidate=candidate,
        kind=Activity.Kind.LINK,
        subject=f"Linked to LinkedIn member {PERSON_URN} (Bulk sync)",
        body=LINK_REASON,
        occurred_at=now - timedelta(days=10),
        data={"method": "bulk_sync", "matched_on": "profile_url", "score": 0.97},
    )
    export = ActivityFactory(
        candidate=candidate,
        placement=placement,
        requisition=requisition,
        kind=Activity.Kind.EXPORT,
        subject="Exported from LinkedIn to “Senior Data Engineer”",
        body=f"Matched an existing candidate on profile_url, score {MATCH_SCORE}; {LINK_REASON}",
        person_urn=PERSON_URN,
        occurred_at=now - timedelta(days=3),
        data={
            "requisition_id": requisition.pk,
            "placement_id": placement.pk,
            "rule": "profile_url",
            "score": 0.97,
            "decision": LINK_REASON,
            "link_id": 1,
            "link_conflict": f"{OLD_URN} is linked elsewhere",
        },
    )
    return World(
        candidate=candidate,
        requisition=requisition,
        placement=placement,
        inmail=inmail,
        note=note,
        evaluation=evaluation,
        link_event=link_event,
        export=export,
    )
