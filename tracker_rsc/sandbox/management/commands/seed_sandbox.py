"""``manage.py seed_sandbox``: give the simulated LinkedIn a realistic, imperfect world.

Idempotent: every row has a natural key (URN or a fixed id) and is created or updated in
place, so running it twice changes nothing. This is the one place the sandbox reads Tracker's
tables: the demo recruiters' seats (mirrored with the same seat and person URNs) and the
demo candidates, to create members that overlap them the way real LinkedIn data does:

- the same person under the same email, with a country-subdomain profile URL;
- the same person with a different (personal) email, at the same company;
- an accented (or unaccented) spelling of the name, with the phone in another format;
- two people with the same name at the candidate's company (an ambiguous match);
- the candidate's profile URL written differently, with no email in common;
- and candidates with no LinkedIn counterpart, plus members with no Tracker counterpart.
"""

from __future__ import annotations

import hashlib
import random
import re
import unicodedata
from datetime import timedelta
from typing import TYPE_CHECKING

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from tracker_rsc.sandbox import services
from tracker_rsc.sandbox.models import (
    Contract,
    ConversationEvent,
    HiringProject,
    MailStub,
    Member,
    ProspectNote,
    SandboxSettings,
    Seat,
)

if TYPE_CHECKING:
    from candidates.models import Candidate

ORGANIZATION = "urn:li:organization:2414183"
CONTRACT = "urn:li:contract:100"
CANDIDATES_MIRRORED = 40

PRODUCTS = {
    "recruiter_professional_services": Seat.Product.RPS,
    "recruiter": Seat.Product.RECRUITER,
    "rps_plus": Seat.Product.RPS_PLUS,
}
ROLES = {
    "recruiter_user": Seat.Role.RECRUITER_USER,
    "recruiter_admin": Seat.Role.RECRUITER_ADMIN,
    "custom": Seat.Role.CUSTOM,
}
DEFAULT_SEATS = [
    # urn, first, last, product, role, permissions, hiring assistant
    ("urn:li:seat:5001", "Alice", "Admin", "RPS_PLUS", "RECRUITER_ADMIN", [], True),
    ("urn:li:seat:5002", "Ben", "Carter", "RECRUITER", "RECRUITER_USER", [], False),
    (
        "urn:li:seat:5003",
        "Chloé",
        "Dubois",
        "RECRUITER_PROFESSIONAL_SERVICES",
        "CUSTOM",
        ["HIRING_PROJECT_CREATOR", "RECRUITER_SEARCHER"],
        True,
    ),
    ("urn:li:seat:5004", "Dev", "Patel", "RECRUITER", "RECRUITER_USER", [], False),
]
SKILL_POOLS = [
    ["Python", "SQL", "Apache Spark", "Airflow", "dbt"],
    ["Java", "Spring Boot", "Kubernetes", "AWS", "Microservices"],
    ["Recruiting", "Talent Acquisition", "Sourcing", "Employer Branding"],
    ["Financial Modelling", "Excel", "IFRS", "Forecasting"],
    ["React", "TypeScript", "Node.js", "GraphQL", "CSS"],
    ["Project Management", "Agile", "Scrum", "Stakeholder Management"],
    ["Data Analysis", "Power BI", "Tableau", "Statistics"],
]
SCHOOLS = [
    ("University of Leeds", "BSc"),
    ("University of Manchester", "MSc"),
    ("King's College London", "BA"),
    ("Universidad de Salamanca", "Grado"),
    ("Technische Universität München", "MSc"),
]
STANDALONE_MEMBERS = [
    ("Priya", "Raman", "Senior Data Engineer", "Monzo", "London, United Kingdom", 0),
    ("Tomás", "Ó Briain", "Site Reliability Engineer", "Stripe", "Dublin, Ireland", 1),
    ("Sam", "Taylor", "Financial Analyst", "Barclays", "Manchester, United Kingdom", 3),
    ("Sam", "Taylor", "Frontend Developer", "Ocado Technology", "Hatfield, United Kingdom", 4),
    ("Ingrid", "Løvaas", "Product Manager", "Spotify", "Stockholm, Sweden", 5),
    ("Kwame", "Mensah", "Talent Partner", "Deliveroo", "London, United Kingdom", 2),
    ("Mei", "Chen", "Data Scientist", "DeepMind", "London, United Kingdom", 6),
    ("Lucas", "Müller", "Backend Engineer", "Zalando", "Berlin, Germany", 1),
    ("Aoife", "Kelly", "Scrum Master", "Workday", "Dublin, Ireland", 5),
    ("Rafael", "Souza", "Analytics Engineer", "Nubank", "São Paulo, Brazil", 0),
    ("Hannah", "Schmidt", "HR Business Partner", "SAP", "Walldorf, Germany", 2),
    ("Oliver", "Brown", "React Developer", "BBC", "Salford, United Kingdom", 4),
]


def _urn(*parts: object) -> str:
    """A stable person URN for seed data, so re-running the seed updates in place."""
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:10]
    return f"urn:li:person:sbx{digest}"


def _slug(first: str, last: str, salt: str) -> str:
    text = unicodedata.normalize("NFKD", f"{first}-{last}")
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-") + "-" + salt[:4]


def _toggle_accent(name: str) -> str:
    """'Zoe' -> 'Zoé', 'José' -> 'Jose': the same name as another system spells it."""
    stripped = "".join(
        c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c)
    )
    if stripped != name:
        return stripped
    accents = {"e": "é", "a": "á", "o": "ö", "i": "í", "u": "ü"}
    for index in range(len(name) - 1, 0, -1):
        if name[index] in accents:
            return name[:index] + accents[name[index]] + name[index + 1 :]
    return name


def _profile(rng: random.Random, title: str, company: str) -> dict[str, object]:
    skills = rng.choice(SKILL_POOLS)
    school, degree = rng.choice(SCHOOLS)
    start_year = rng.randint(2016, 2023)
    previous = rng.choice(["Accenture", "Capgemini", "Deloitte", "IBM", "Sky", "Tesco"])
    return {
        "headline": f"{title} at {company}" if title and company else title or company,
        "companies": [company] if company else [],
        "years_of_experience": rng.randint(2, 18),
        "skills": rng.sample(skills, k=min(3, len(skills))),
        "positions": [
            {"title": title, "companyName": company, "startedOn": {"year": start_year}},
            {
                "title": title or "Consultant",
                "companyName": previous,
                "startedOn": {"year": start_year - rng.randint(2, 5)},
            },
        ],
        "educations": [{"schoolName": school, "degreeName": degree}],
    }


class Command(BaseCommand):
    help = "Seed the LinkedIn sandbox: contract, seats, projects, members, InMails, notes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--organization", default=ORGANIZATION)
        parser.add_argument("--contract", default=CONTRACT)

    def handle(self, *args: object, **options: object) -> None:
        organization = str(options["organization"])
        with transaction.atomic():
            SandboxSettings.get()
            contract = services.contract_ensure(
                urn=str(options["contract"]),
                organization_urn=organization,
                name="Agency Recruiter contract",
            )
            seats = self._seats(contract, organization)
            members = self._members()
            projects = self._projects(seats)
            activity = self._activity(seats, members)
        self.stdout.write(
            self.style.SUCCESS(
                f"Sandbox seeded: {len(seats)} seats, {len(members)} members, "
                f"{len(projects)} hiring projects, {activity} InMails/notes/stubs."
            )
        )

    # --- Seats -------------------------------------------------------------------------------

    def _seats(self, contract: Contract, organization: str) -> list[Seat]:
        from tracker_rsc.models import LinkedInSeat  # the demo recruiters, if any

        tracker_seats = list(LinkedInSeat.objects.select_related("contract").order_by("seat_urn"))
        seats = []
        if tracker_seats:
            for row in tracker_seats:
                own_contract = services.contract_ensure(
                    urn=row.contract.urn,
                    organization_urn=organization,
                    name=row.contract.name or "Agency Recruiter contract",
                )
                permissions = [
                    name
                    for name, held in (
                        ("HIRING_PROJECT_CREATOR", row.hiring_project_creator),
                        ("RECRUITER_SEARCHER", row.recruiter_searcher),
                    )
                    if held
                ]
                seats.append(
                    services.seat_ensure(
                        contract=own_contract,
                        urn=row.seat_urn,
                        person_urn=row.person_urn or _urn("seat", row.seat_urn),
                        first_name=row.first_name,
                        last_name=row.last_name,
                        product=PRODUCTS.get(row.product, Seat.Product.RECRUITER),
                        role=ROLES.get(row.role, Seat.Role.RECRUITER_USER),
                        permissions=permissions,
                        hiring_assistant=row.hiring_assistant,
                        active=row.active,
                    )
                )
            return seats
        for urn, first, last, product, role, permissions, assistant in DEFAULT_SEATS:
            seats.append(
                services.seat_ensure(
                    contract=contract,
                    urn=urn,
                    person_urn=_urn("seat", urn),
                    first_name=first,
                    last_name=last,
                    product=product,
                    role=role,
                    permissions=permissions,
                    hiring_assistant=assistant,
                )
            )
        return seats

    # --- Members -----------------------------------------------------------------------------

    def _members(self) -> list[Member]:
        from candidates.models import Candidate  # the demo candidates, if any

        members: list[Member] = []
        candidates = Candidate.objects.order_by("id")[:CANDIDATES_MIRRORED]
        for position, candidate in enumerate(candidates):
            try:
                members += self._overlapping(position, candidate)
            except services.Refusal as refusal:
                self.stderr.write(f"Candidate {candidate.pk} not mirrored: {refusal.message}")
        for index, (first, last, title, company, location, pool) in enumerate(STANDALONE_MEMBERS):
            rng = random.Random(f"standalone-{index}")
            profile = _profile(rng, title, company)
            profile["skills"] = SKILL_POOLS[pool][:3]
            slug = _slug(first, last, hashlib.sha1(str(index).encode()).hexdigest())  # noqa: S324
            members.append(
                services.member_upsert(
                    person_urn=_urn("standalone", index),
                    first_name=first,
                    last_name=last,
                    emails=[f"{slug.rsplit('-', 1)[0].replace('-', '.')}{index}@mail.example"],
                    phones=[f"+44 7700 9{index:05d}"],
                    profile_url=f"https://www.linkedin.com/in/{slug}",
                    location=location,
                    **profile,
                )
            )
        return members

    def _overlapping(self, position: int, candidate: Candidate) -> list[Member]:
        """One of six kinds of overlap with a Tracker candidate (the sixth: none)."""
        rng = random.Random(f"candidate-{candidate.pk}")
        first, last = candidate.first_name, candidate.last_name
        if not first or not last:
            return []
        title, company = candidate.current_title, candidate.current_company
        profile = _profile(rng, title, company)
        slug = _slug(first, last, hashlib.sha1(str(candidate.pk).encode()).hexdigest())  # noqa: S324
        base = {
            "first_name": first,
            "last_name": last,
            "location": candidate.location,
            **profile,
        }
        variant = position % 6
        if variant == 0 and candidate.email:
            # Same person, same email; LinkedIn shows a country-subdomain URL.
            return [
                services.member_upsert(
                    person_urn=_urn("candidate", candidate.pk),
                    emails=[candidate.email.upper() if rng.random() < 0.3 else candidate.email],
                    profile_url=(
                        candidate.linkedin_profile_url.replace("://www.", "://uk.")
                        or f"https://uk.linkedin.com/in/{slug}/"
                    ),
                    **base,
                )
            ]
        if variant == 1 and company:
            # Same person under a personal email, at the same company.
            personal = f"{_slug(first, last, 'x').rsplit('-', 1)[0].replace('-', '.')}"
            return [
                services.member_upsert(
                    person_urn=_urn("candidate", candidate.pk),
                    emails=[f"{personal}.{candidate.pk}@gmail.example"],
                    profile_url=f"https://www.linkedin.com/in/{slug}",
                    **base,
                )
            ]
        if variant == 2:
            # The name spelled with (or without) accents; the phone in another format.
            digits = re.sub(r"\D", "", (candidate.phone or "").split("x")[0])
            phones = [f"+{digits}"] if len(digits) >= 9 else []
            return [
                services.member_upsert(
                    person_urn=_urn("candidate", candidate.pk),
                    **{**base, "first_name": _toggle_accent(first), "last_name": last},
                    emails=[f"{_slug(first, last, 'y')[:-2].replace('-', '')}@outlook.example"],
                    phones=phones,
                    profile_url=f"https://de.linkedin.com/in/{slug}",
                )
            ]
        if variant == 3 and company:
            # Two people with the candidate's name at the candidate's company: ambiguous.
            twin = {**base, "headline": f"Former {title} at {company}", "companies": ["Freelance"]}
            return [
                services.member_upsert(
                    person_urn=_urn("candidate", candidate.pk),
                    emails=[f"{slug}@proton.example"],
                    profile_url=f"https://www.linkedin.com/in/{slug}",
                    **base,
                ),
                services.member_upsert(
                    person_urn=_urn("candidate-twin", candidate.pk),
                    emails=[f"{slug}-2@proton.example"],
                    profile_url=f"https://www.linkedin.com/in/{slug}-2",
                    **twin,
                ),
            ]
        if variant == 4 and candidate.linkedin_profile_url:
            # Only the profile URL in common, written another way.
            url = candidate.linkedin_profile_url.replace("www.", "fr.").rstrip("/") + "/?trk=public"
            return [
                services.member_upsert(
                    person_urn=_urn("candidate", candidate.pk),
                    emails=[],
                    profile_url=url,
                    **base,
                )
            ]
        return []

    # --- Projects and Recruiter activity --------------------------------------------------

    def _projects(self, seats: list[Seat]) -> list[HiringProject]:
        names = ["Senior Data Engineer (London)", "Graduate Java Developers", "Finance Analysts"]
        projects = []
        for number, (name, seat) in enumerate(zip(names, seats, strict=False)):
            project, _ = HiringProject.objects.update_or_create(
                urn=f"urn:li:hiringProject:{77 + number}",
                defaults={"name": name, "contract": seat.contract, "owner": seat},
            )
            projects.append(project)
        return projects

    def _activity(self, seats: list[Seat], members: list[Member]) -> int:
        """InMails (some answered, giving stub profiles) and notes, with fixed ids."""
        active_seats = [s for s in seats if s.active] or seats
        if not active_seats or not members:
            return 0
        now = timezone.now()
        created = 0
        for index, member in enumerate(members[:8]):
            seat = active_seats[index % len(active_seats)]
            sent_at = now - timedelta(hours=6 * (index + 1))
            conversation = f"urn:li:conversation:seed-{index}"
            _, new = ConversationEvent.objects.get_or_create(
                event_id=f"seed-inmail-{index}",
                defaults={
                    "conversation": conversation,
                    "seat": seat,
                    "member": member,
                    "direction": ConversationEvent.Direction.OUTBOUND,
                    "subject": "A role you may like",
                    "body": f"Hi {member.first_name}, I am hiring for a team that fits your "
                    "background. Would you be open to a short call this week?",
                    "occurred_at": sent_at,
                },
            )
            created += new
            if index % 2 == 0:
                replied_at = sent_at + timedelta(hours=2)
                _, new = ConversationEvent.objects.get_or_create(
                    event_id=f"seed-reply-{index}",
                    defaults={
                        "conversation": conversation,
                        "seat": seat,
                        "member": member,
                        "direction": ConversationEvent.Direction.INBOUND,
                        "subject": "Re: A role you may like",
                        "body": "Thanks! Happy to talk; here are my details.",
                        "occurred_at": replied_at,
                    },
                )
                created += new
                _, new = MailStub.objects.get_or_create(
                    stub_id=f"seed-stub-{index}",
                    defaults={
                        "contract": seat.contract,
                        "owner": seat,
                        "member": member,
                        "created_at": replied_at,
                    },
                )
                created += new
            _, new = ProspectNote.objects.get_or_create(
                note_id=f"seed-note-{index}",
                defaults={
                    "contract": seat.contract,
                    "owner": seat,
                    "member": member,
                    "note": f"Spoke to {member.first_name}: open to offers, notice 1 month.",
                    "active": index != 3,  # one note was deleted in Recruiter
                    "created_at": sent_at,
                    "last_modified_at": sent_at + timedelta(minutes=30),
                },
            )
            created += new
        return created
