"""``manage.py seed_demo``: load the demo agency (users, seats, skills, candidates, jobs).

Idempotent: every demo row has a natural key (username, seat and contract URN, skill key, the
candidate's fictional phone number, the requisition's title and client), and only missing rows
are created; nothing that exists is changed. Deterministic: one ``random.Random(seed)`` draws
the whole data set before the database is read, so a re-run plans exactly the same rows.

The rows are written directly (candidates with ``bulk_create`` for speed) rather than through
the services, so no domain signal fires: demo data is loaded before the integration is enabled,
and the bulk sync that enabling starts sends the candidates to LinkedIn. Enabling stays the
admin's act; this command never enables the integration.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from candidates import normalize
from candidates.models import Candidate, CandidateSkill, QuickSkill
from candidates.services import quick_skill_create
from requisitions.models import Placement, Requisition
from syncjobs import demo_data
from tracker_rsc.models import Contract, Integration, LinkedInSeat

DEMO_PASSWORD = "tracker-demo"  # noqa: S105 (public demo login, documented in the README)
DEFAULT_SEED = 20251125
DEFAULT_CANDIDATES = 2000
DEFAULT_REQUISITIONS = 50
DEMO_CONTRACT_URN = "urn:li:contract:100"
DEMO_CONTRACT_NAME = "Tracker demo agency"
EVERGREEN_TITLE = "Software Engineers (evergreen talent pool)"
PLACEHOLDER_TITLE = "Proactive candidates (placeholder)"
AGENCY_CLIENT = "Tracker demo agency"
BATCH_SIZE = 500  # rows per INSERT: well under SQLite's and PostgreSQL's parameter limits
DAY = 86_400  # seconds


@dataclass(frozen=True)
class SeatSpec:
    seat_urn: str
    person_urn: str
    product: str
    role: str
    hiring_project_creator: bool = False
    recruiter_searcher: bool = False
    hiring_assistant: bool = False


@dataclass(frozen=True)
class UserSpec:
    username: str
    first_name: str
    last_name: str
    is_admin: bool = False
    seat: SeatSpec | None = None
    # A seat LinkedIn lists for this person but no admin has mapped: the recruiter binds it
    # with Sign in with LinkedIn from the LinkedIn panel's prompt.
    unmapped_seat: SeatSpec | None = None


Product = LinkedInSeat.Product
Role = LinkedInSeat.Role

# One seat of every kind the integration supports, and one recruiter without a mapped seat
# (who sees the LinkedIn panel's sign-in prompt instead of LinkedIn data, and whose own seat
# is waiting for Sign in with LinkedIn).
DEMO_USERS: tuple[UserSpec, ...] = (
    UserSpec("admin", "Morgan", "Reid", is_admin=True),
    UserSpec(
        "recruiter1",
        "Amelia",
        "Hughes",
        seat=SeatSpec(
            "urn:li:seat:5001",
            "urn:li:person:seat5001",
            Product.RPS,
            Role.RECRUITER_USER,
            hiring_project_creator=True,
            recruiter_searcher=True,
        ),
    ),
    UserSpec(
        "recruiter2",
        "Oliver",
        "Bennett",
        seat=SeatSpec(
            "urn:li:seat:5002",
            "urn:li:person:seat5002",
            Product.RECRUITER,
            Role.RECRUITER_ADMIN,
            hiring_project_creator=True,
            recruiter_searcher=True,
        ),
    ),
    UserSpec(
        "recruiter3",
        "Priya",
        "Sharma",
        seat=SeatSpec(
            "urn:li:seat:5003",
            "urn:li:person:seat5003",
            Product.RPS_PLUS,
            Role.RECRUITER_USER,
            hiring_project_creator=True,
            recruiter_searcher=True,
            hiring_assistant=True,
        ),
    ),
    UserSpec(
        "recruiter4",
        "Chloé",
        "Martin",
        seat=SeatSpec(
            "urn:li:seat:5004",
            "urn:li:person:seat5004",
            Product.RECRUITER,
            Role.CUSTOM,
            hiring_project_creator=True,
            recruiter_searcher=True,
            hiring_assistant=True,
        ),
    ),
    UserSpec(
        "recruiter5",
        "Daniel",
        "Okafor",
        unmapped_seat=SeatSpec(
            "urn:li:seat:5005",
            "urn:li:person:seat5005",
            Product.RECRUITER,
            Role.RECRUITER_USER,
            recruiter_searcher=True,
        ),
    ),
)
RECRUITER_USERNAMES = tuple(spec.username for spec in DEMO_USERS if not spec.is_admin)


@dataclass
class CandidatePlan:
    index: int
    field: str
    values: dict[str, Any]
    age_seconds: int  # updated_at = now - age
    created_before_update_seconds: int
    skills: list[str]
    created_by: str


@dataclass
class PlacementPlan:
    candidate_index: int
    stage: str
    after_open_seconds: int


@dataclass
class RequisitionPlan:
    title: str
    client_name: str
    location: str
    status: str
    kind: str
    availability: str
    description: str
    owners: list[str]
    opened_seconds_ago: int
    open_for_seconds: int  # until closed_at; ignored while open
    placements: list[PlacementPlan] = field(default_factory=list)


@dataclass
class Plan:
    candidates: list[CandidatePlan]
    requisitions: list[RequisitionPlan]


# --- Planning (pure: no database) -----------------------------------------------------------


def _email(rng: random.Random, first: str, last: str, company: str, taken: set[str]) -> str:
    first_s, last_s = demo_data.ascii_slug(first), demo_data.ascii_slug(last).replace("-", "")
    if not first_s and not last_s:
        first_s = "candidate"
    shapes = [
        f"{first_s}.{last_s}",
        f"{first_s}{last_s}",
        f"{first_s[:1]}.{last_s}",
        f"{first_s}_{last_s}",
        f"{last_s}{first_s[:1]}",
    ]
    local = rng.choice(shapes).strip("._") or first_s or last_s
    domain = (
        demo_data.company_domain(company)
        if company and rng.random() < 0.25
        else rng.choice(demo_data.PERSONAL_EMAIL_DOMAINS)
    )
    email = f"{local}@{domain}"
    while email in taken:
        email = f"{local}{rng.randint(1, 99)}@{domain}"
    taken.add(email)
    roll = rng.random()
    if roll < 0.03:
        return f"  {email.title()} "  # pasted with stray spaces and capitals
    if roll < 0.08:
        return email.replace(local, local.title(), 1)
    return email


def _profile_url(rng: random.Random, first: str, last: str, taken: set[str]) -> str:
    if rng.random() < 0.04 and any(ord(ch) > 127 for ch in first + last):
        # LinkedIn allows non-ASCII vanity names; browsers copy them percent-encoded.
        base = quote(f"{first.lower()}-{last.lower()}".replace(" ", "-"))
    else:
        base = "-".join(p for p in (demo_data.ascii_slug(first), demo_data.ascii_slug(last)) if p)
    slug = base if rng.random() < 0.15 else f"{base}-{rng.getrandbits(28):07x}"
    while normalize.profile_slug(f"https://www.linkedin.com/in/{slug}") in taken:
        slug = f"{base}-{rng.getrandbits(28):07x}"
    taken.add(normalize.profile_slug(f"https://www.linkedin.com/in/{slug}"))
    shape = rng.random()
    if shape < 0.55:
        return f"https://www.linkedin.com/in/{slug}"
    if shape < 0.70:
        return f"https://www.linkedin.com/in/{slug}/"
    if shape < 0.82:
        sub = rng.choice(["uk", "ie", "de", "fr", "nl", "es"])
        return f"https://{sub}.linkedin.com/in/{slug}" + ("/" if rng.random() < 0.5 else "")
    if shape < 0.90:
        return f"linkedin.com/in/{slug}"
    if shape < 0.96:
        return f"https://www.linkedin.com/in/{slug}?originalSubdomain=uk"
    return f"http://www.linkedin.com/in/{slug}/"


def _cv_text(
    name: str, title: str, company: str, location: str, skills: list[str], rng: random.Random
) -> str:
    year = 2025 - rng.randint(0, 8)
    earlier = rng.choice(demo_data.COMPANIES)
    lines = [
        name or "Curriculum vitae",
        f"{title}{f' at {company}' if company else ''} · {location}",
        "",
        "Experience",
        f"- {title}, {company or 'current employer'} ({year}\u2013present)",
        f"- {title.replace('Senior ', '').replace('Lead ', '')}, {earlier} "
        f"({year - rng.randint(2, 5)}\u2013{year})",
        "",
        f"Skills: {', '.join(skills)}" if skills else "Skills: see LinkedIn profile",
    ]
    return "\n".join(lines)


def plan_candidates(rng: random.Random, count: int) -> list[CandidatePlan]:
    fields = demo_data.FIELDS
    surname_weights = demo_data.zipf_weights(len(demo_data.LAST_NAMES))
    emails: set[str] = set()
    slugs: set[str] = set()
    plans = []
    for index in range(count):
        fld = rng.choices(fields, weights=[f.weight for f in fields])[0]
        first = rng.choice(demo_data.FIRST_NAMES)
        last = rng.choices(demo_data.LAST_NAMES, weights=surname_weights)[0]
        missing = rng.random()
        if missing < 0.005:
            first = last = ""
        elif missing < 0.015:
            first = ""
        elif missing < 0.04:
            last = ""
        title = rng.choice(fld.titles)
        company = rng.choice(demo_data.COMPANIES) if rng.random() < 0.9 else ""
        location = rng.choice(demo_data.LOCATIONS)
        skills = demo_data.weighted_sample(rng, list(fld.skills), rng.choice([0, 2, 3, 4, 5, 6]))
        if rng.random() < 0.25:
            skills += [s for s in rng.sample(demo_data.GENERAL_SKILLS, 1) if s not in skills]
        if rng.random() < 0.15:
            skills += [s for s in rng.sample(demo_data.LANGUAGE_SKILLS, 1) if s not in skills]
        email = _email(rng, first, last, company, emails) if rng.random() < 0.88 else ""
        url = _profile_url(rng, first, last, slugs) if rng.random() < 0.65 else ""
        if not (first or last or email or url):
            email = _email(rng, "", "", company, emails)
        headline_roll = rng.random()
        if headline_roll < 0.7:
            headline = f"{title} at {company}" if company else title
        elif headline_roll < 0.85 and skills:
            headline = f"{title} | {' · '.join(skills[:2])}"
        else:
            headline = ""
        name = f"{first} {last}".strip()
        # Last updated: about half in the last year, a third older than the two years that
        # bulk sync looks back, so its "too old" skip count is visible in the demo.
        bucket = rng.random()
        if bucket < 0.45:
            age_days = rng.uniform(0, 365)
        elif bucket < 0.68:
            age_days = rng.uniform(365, 730)
        else:
            age_days = rng.uniform(730, 5 * 365)
        plans.append(
            CandidatePlan(
                index=index,
                field=fld.name,
                values={
                    "first_name": first,
                    "last_name": last,
                    "email": email,
                    "phone": demo_data.phone_number(index, international=rng.random() < 0.6),
                    "current_title": title,
                    "current_company": company,
                    "headline": headline,
                    "location": location,
                    "linkedin_profile_url": url,
                    "cv_text": (
                        _cv_text(name, title, company, location, skills, rng)
                        if rng.random() < 0.7
                        else ""
                    ),
                    "source": (
                        Candidate.Source.API if rng.random() < 0.12 else Candidate.Source.MANUAL
                    ),
                },
                age_seconds=int(age_days * DAY),
                created_before_update_seconds=int(rng.uniform(0, 3 * 365) * DAY),
                skills=skills,
                created_by=rng.choice(RECRUITER_USERNAMES),
            )
        )
    return plans


_OPEN_STAGES = (
    (Placement.Stage.SHORTLISTED, 40),
    (Placement.Stage.SUBMITTED, 25),
    (Placement.Stage.INTERVIEW, 20),
    (Placement.Stage.OFFER, 5),
    (Placement.Stage.REJECTED, 10),
)


def _pick_candidates(rng: random.Random, pool: list[int], k: int) -> list[int]:
    return rng.sample(pool, min(k, len(pool)))


def plan_requisitions(
    rng: random.Random, count: int, candidates: list[CandidatePlan]
) -> list[RequisitionPlan]:
    by_field: dict[str, list[int]] = defaultdict(list)
    for plan in candidates:
        by_field[plan.field].append(plan.index)
    everyone = [plan.index for plan in candidates]
    fields = {f.name: f for f in demo_data.FIELDS}
    software = fields["software"]
    stages, stage_weights = zip(*_OPEN_STAGES, strict=True)

    def owners() -> list[str]:
        return rng.sample(RECRUITER_USERNAMES, 2 if rng.random() < 0.25 else 1)

    plans = [
        RequisitionPlan(
            title=EVERGREEN_TITLE,
            client_name=AGENCY_CLIENT,
            location="London, United Kingdom",
            status=Requisition.Status.OPEN,
            kind=Requisition.Kind.EVERGREEN,
            availability=Requisition.Availability.PUBLIC,
            description=(
                "An always-open pool for software engineers of every level. Candidates found "
                "proactively on LinkedIn can be exported here before a client role exists.\n\n"
                + demo_data.job_description(
                    title="Software Engineer",
                    client=AGENCY_CLIENT,
                    location="London and remote",
                    skills=demo_data.weighted_sample(rng, list(software.skills), 6),
                )
            ),
            owners=["recruiter1", "recruiter3"],
            opened_seconds_ago=400 * DAY,
            open_for_seconds=0,
            placements=[
                PlacementPlan(i, Placement.Stage.SHORTLISTED, int(rng.uniform(1, 390) * DAY))
                for i in _pick_candidates(rng, by_field["software"], 15)
            ],
        ),
        RequisitionPlan(
            title=PLACEHOLDER_TITLE,
            client_name=AGENCY_CLIENT,
            location="United Kingdom",
            status=Requisition.Status.OPEN,
            kind=Requisition.Kind.PLACEHOLDER,
            availability=Requisition.Availability.PRIVATE,
            description=(
                "A placeholder job for proactive candidates: Export to ATS needs a job to "
                "attach a candidate to, and this one is never shown to clients."
            ),
            owners=list(RECRUITER_USERNAMES),
            opened_seconds_ago=400 * DAY,
            open_for_seconds=0,
            placements=[
                PlacementPlan(i, Placement.Stage.SHORTLISTED, int(rng.uniform(1, 390) * DAY))
                for i in _pick_candidates(rng, everyone, 6)
            ],
        ),
    ]
    taken = {(p.title, p.client_name) for p in plans}
    while len(plans) < count:
        fld = rng.choices(demo_data.FIELDS, weights=[f.weight for f in demo_data.FIELDS])[0]
        title = rng.choice(fld.titles)
        client = rng.choice(demo_data.CLIENTS)
        if (title, client) in taken:
            continue
        taken.add((title, client))
        location = rng.choice(demo_data.LOCATIONS)
        status = rng.choices(
            [Requisition.Status.OPEN, Requisition.Status.CLOSED, Requisition.Status.FILLED],
            weights=[55, 25, 20],
        )[0]
        opened = int(rng.uniform(5, 540) * DAY)
        open_for = int(min(rng.uniform(20, 120) * DAY, opened - DAY))
        span = opened if status == Requisition.Status.OPEN else open_for
        pool = by_field[fld.name]
        placements: list[PlacementPlan] = []
        if status == Requisition.Status.OPEN:
            for i in _pick_candidates(rng, pool, rng.randint(3, 10)):
                stage = rng.choices(stages, weights=stage_weights)[0]
                placements.append(PlacementPlan(i, stage, int(rng.uniform(0.1, 1) * span)))
        elif status == Requisition.Status.FILLED:
            chosen = _pick_candidates(rng, pool, rng.randint(3, 7))
            for n, i in enumerate(chosen):
                stage = Placement.Stage.PLACED if n == 0 else Placement.Stage.REJECTED
                placements.append(PlacementPlan(i, stage, int(rng.uniform(0.1, 0.9) * span)))
        else:
            for i in _pick_candidates(rng, pool, rng.randint(0, 5)):
                placements.append(
                    PlacementPlan(i, Placement.Stage.REJECTED, int(rng.uniform(0.1, 0.9) * span))
                )
        plans.append(
            RequisitionPlan(
                title=title,
                client_name=client,
                location=location,
                status=status,
                kind=Requisition.Kind.STANDARD,
                availability=(
                    Requisition.Availability.PUBLIC
                    if rng.random() < 0.4
                    else Requisition.Availability.PRIVATE
                ),
                description=demo_data.job_description(
                    title=title,
                    client=client,
                    location=location,
                    skills=demo_data.weighted_sample(rng, list(fld.skills), 6),
                ),
                owners=owners(),
                opened_seconds_ago=opened,
                open_for_seconds=open_for,
                placements=placements,
            )
        )
    return plans


def build_plan(*, seed: int, candidates: int, requisitions: int) -> Plan:
    """The whole demo data set for ``seed``: the same plan every time (no database access)."""
    rng = random.Random(seed)
    candidate_plans = plan_candidates(rng, candidates)
    return Plan(candidate_plans, plan_requisitions(rng, requisitions, candidate_plans))


# --- Writing (only what is missing) ---------------------------------------------------------


@dataclass
class Counts:
    rows: dict[str, list[int]] = field(default_factory=dict)  # name -> [created, total]

    def add(self, name: str, *, created: int, total: int) -> None:
        self.rows[name] = [created, total]


def _ensure_users() -> tuple[dict[str, AbstractUser], int]:
    User = get_user_model()
    users: dict[str, AbstractUser] = {}
    created = 0
    for spec in DEMO_USERS:
        user = User.objects.filter(username=spec.username).first()
        if user is None:
            user = User(
                username=spec.username,
                first_name=spec.first_name,
                last_name=spec.last_name,
                email=f"{spec.username}@agency.example",
                is_staff=spec.is_admin,
                is_superuser=spec.is_admin,
            )
            user.set_password(DEMO_PASSWORD)
            user.save()
            created += 1
        users[spec.username] = user
    return users, created


def _ensure_seats(users: dict[str, AbstractUser]) -> tuple[int, int, int]:
    contract, contract_created = Contract.objects.get_or_create(
        urn=DEMO_CONTRACT_URN,
        defaults={"name": DEMO_CONTRACT_NAME, "access_level": Contract.AccessLevel.CONTRACT},
    )
    created = total = 0
    for spec in DEMO_USERS:
        user = users[spec.username]
        for seat, holder in ((spec.seat, user), (spec.unmapped_seat, None)):
            if seat is None:
                continue
            _, was_created = LinkedInSeat.objects.get_or_create(
                seat_urn=seat.seat_urn,
                defaults={
                    "user": holder,
                    "person_urn": seat.person_urn,
                    "contract": contract,
                    "first_name": user.first_name,
                    "last_name": user.last_name,
                    "product": seat.product,
                    "role": seat.role,
                    "hiring_project_creator": seat.hiring_project_creator,
                    "recruiter_searcher": seat.recruiter_searcher,
                    "hiring_assistant": seat.hiring_assistant,
                    "active": True,
                },
            )
            created += was_created
            total += 1
    return int(contract_created), created, total


def _ensure_skills() -> tuple[dict[str, int], int]:
    existing = dict(QuickSkill.objects.values_list("key", "pk"))
    created = 0
    for name, aliases in demo_data.SKILLS:
        key = normalize.normalize_skill(name)
        if key not in existing:
            existing[key] = quick_skill_create(name=name, aliases=aliases).pk
            created += 1
    return existing, created


def _pk_by_phone(phones: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(phones), BATCH_SIZE):
        chunk = phones[start : start + BATCH_SIZE]
        found.update(Candidate.objects.filter(phone__in=chunk).values_list("phone", "pk"))
    return found


def _ensure_candidates(
    plan: Plan, *, now: datetime, users: dict[str, AbstractUser], skill_pks: dict[str, int]
) -> tuple[dict[int, int], int, int]:
    phones = [c.values["phone"] for c in plan.candidates]
    existing = _pk_by_phone(phones)
    new_plans = [c for c in plan.candidates if c.values["phone"] not in existing]
    rows = []
    for c in new_plans:
        updated_at = now - timedelta(seconds=c.age_seconds)
        candidate = Candidate(
            **c.values,
            updated_at=updated_at,
            created_at=updated_at - timedelta(seconds=c.created_before_update_seconds),
            created_by=users[c.created_by],
        )
        candidate.refresh_keys()
        rows.append(candidate)
    Candidate.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    pks = _pk_by_phone(phones)
    skill_rows = [
        CandidateSkill(
            candidate_id=pks[c.values["phone"]],
            skill_id=skill_pks[normalize.normalize_skill(name)],
            source=CandidateSkill.Source.MANUAL,
            added_at=now - timedelta(seconds=c.age_seconds),
        )
        for c in new_plans
        for name in c.skills
    ]
    CandidateSkill.objects.bulk_create(skill_rows, batch_size=BATCH_SIZE, ignore_conflicts=True)
    by_index = {
        c.index: pks[c.values["phone"]] for c in plan.candidates if c.values["phone"] in pks
    }
    return by_index, len(rows), len(skill_rows)


def _ensure_requisitions(
    plan: Plan, *, now: datetime, users: dict[str, AbstractUser], candidate_pks: dict[int, int]
) -> tuple[int, int]:
    keys = {(r.title, r.client_name) for r in plan.requisitions}
    existing = {
        (title, client)
        for title, client in Requisition.objects.filter(
            title__in={k[0] for k in keys}, client_name__in={k[1] for k in keys}
        ).values_list("title", "client_name")
    }
    created = placements_created = 0
    for r in plan.requisitions:
        if (r.title, r.client_name) in existing:
            continue
        opened = now - timedelta(seconds=r.opened_seconds_ago)
        closed = (
            None
            if r.status == Requisition.Status.OPEN
            else opened + timedelta(seconds=r.open_for_seconds)
        )
        requisition = Requisition.objects.create(
            title=r.title,
            client_name=r.client_name,
            location=r.location,
            status=r.status,
            kind=r.kind,
            availability=r.availability,
            description=r.description,
            created_at=opened,
            updated_at=closed or opened,
            closed_at=closed,
            created_by=users[r.owners[0]],
        )
        requisition.owners.set([users[name] for name in r.owners])
        created += 1
        rows = []
        for p in r.placements:
            if p.candidate_index not in candidate_pks:
                continue  # the demo candidate was deleted since an earlier run
            at = opened + timedelta(seconds=p.after_open_seconds)
            rows.append(
                Placement(
                    candidate_id=candidate_pks[p.candidate_index],
                    requisition=requisition,
                    stage=p.stage,
                    source=Placement.Source.MANUAL,
                    added_by=users[r.owners[p.candidate_index % len(r.owners)]],
                    created_at=at,
                    updated_at=at,
                )
            )
        Placement.objects.bulk_create(rows, ignore_conflicts=True)
        placements_created += len(rows)
    return created, placements_created


class Command(BaseCommand):
    help = (
        "Load the demo agency: an admin and five recruiters (password "
        f"'{DEMO_PASSWORD}'), LinkedIn seats of every product, a Quick Skills dictionary, "
        "candidates, requisitions and shortlists — and, when the LinkedIn sandbox is on, the "
        "sandbox's side (members overlapping the candidates, seats, projects). Idempotent and "
        "deterministic; it never enables the LinkedIn integration."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="Random seed.")
        parser.add_argument(
            "--candidates",
            type=int,
            default=DEFAULT_CANDIDATES,
            help=f"Number of demo candidates (default {DEFAULT_CANDIDATES}).",
        )
        parser.add_argument(
            "--requisitions",
            type=int,
            default=DEFAULT_REQUISITIONS,
            help=f"Number of demo requisitions (default {DEFAULT_REQUISITIONS}).",
        )
        parser.add_argument(
            "--no-sandbox",
            action="store_true",
            help="Do not seed the LinkedIn sandbox (it is seeded when LINKEDIN_SANDBOX is on).",
        )
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Run even with DEBUG off. The demo users have a published password: only for "
            "a throw-away or staging database, never for real data.",
        )

    def handle(
        self, *args: Any, seed: int, candidates: int, requisitions: int, **opts: Any
    ) -> None:
        if not settings.DEBUG and not opts.get("allow_production"):
            # A superuser with a published password must not appear in a production database
            # because someone ran the demo command against it.
            raise CommandError(
                "seed_demo refuses to run with DEBUG off: it creates a superuser 'admin' and "
                f"recruiters with the published password '{DEMO_PASSWORD}'. Nothing was written. "
                "Run it with DEBUG=on for a local demo, or pass --allow-production to load the "
                "demo into a throw-away deployment on purpose."
            )
        if not 1 <= candidates <= demo_data.MAX_CANDIDATES:
            raise CommandError(f"--candidates must be between 1 and {demo_data.MAX_CANDIDATES}.")
        max_requisitions = len(demo_data.CLIENTS) * 20
        if not 2 <= requisitions <= max_requisitions:
            raise CommandError(
                f"--requisitions must be between 2 (the evergreen and the placeholder job) "
                f"and {max_requisitions}."
            )
        started = time.monotonic()
        plan = build_plan(seed=seed, candidates=candidates, requisitions=requisitions)
        now = timezone.now()
        counts = Counts()
        with transaction.atomic():
            users, users_created = _ensure_users()
            counts.add("users", created=users_created, total=len(DEMO_USERS))
            contract_created, seats_created, seats_total = _ensure_seats(users)
            counts.add("contracts", created=contract_created, total=1)
            counts.add("linkedin seats", created=seats_created, total=seats_total)
            skill_pks, skills_created = _ensure_skills()
            counts.add("quick skills", created=skills_created, total=len(demo_data.SKILLS))
            candidate_pks, candidates_created, skills_applied = _ensure_candidates(
                plan, now=now, users=users, skill_pks=skill_pks
            )
            counts.add("candidates", created=candidates_created, total=len(plan.candidates))
            counts.add(
                "candidate skills",
                created=skills_applied,
                total=sum(len(c.skills) for c in plan.candidates),
            )
            reqs_created, placements_created = _ensure_requisitions(
                plan, now=now, users=users, candidate_pks=candidate_pks
            )
            counts.add("requisitions", created=reqs_created, total=len(plan.requisitions))
            counts.add(
                "placements",
                created=placements_created,
                total=sum(len(r.placements) for r in plan.requisitions),
            )
        self._report(counts, seed=seed, seconds=time.monotonic() - started)
        # The sandbox's own command exists only where the sandbox app is installed.
        sandbox_installed = "seed_sandbox" in get_commands()
        if settings.LINKEDIN_SANDBOX and sandbox_installed and not opts.get("no_sandbox"):
            call_command("seed_sandbox", stdout=self.stdout, stderr=self.stderr)

    def _report(self, counts: Counts, *, seed: int, seconds: float) -> None:
        self.stdout.write(f"Demo data (seed {seed}), {seconds:.1f} s:")
        for name, (created, total) in counts.rows.items():
            self.stdout.write(f"  {name:<17} {total:>6}  ({created} created)")
        if not any(created for created, _ in counts.rows.values()):
            self.stdout.write("  Nothing to do: the demo data is already loaded.")
        elif Integration.objects.filter(status=Integration.Status.ENABLED).exists():
            self.stdout.write(
                self.style.WARNING(
                    "  The LinkedIn integration is already enabled: the new demo rows were not "
                    "live-synced; save a record to send it, or re-run the bulk sync."
                )
            )
        self.stdout.write(
            f"  Log in as admin / {DEMO_PASSWORD} (recruiters: "
            f"{', '.join(RECRUITER_USERNAMES)}; same password). The integration stays disabled "
            "until an admin enables it."
        )
