"""CSV import of requisitions (an agency's open jobs), through ``requisitions.services``.

Columns: ``Title`` and ``Owners`` (required), ``Description``, ``Location``, ``Client``,
``Status`` (open, closed, filled), ``Kind`` (standard, evergreen, placeholder) and
``Availability`` (public, private). Owners are Tracker users named by username or email,
separated by ``|``; a row naming an unknown or inactive user is refused (the owners form the
job's access list on LinkedIn, so a guess would give the wrong people access).

A requisition is the same job as an existing one when title, client and location are equal
(case ignored): it is then updated — empty text fields filled, or with
``overwrite`` every field the row has, owners and status included — or left unchanged. A
second row for the same job in the file is merged into the first. Several existing jobs with
that title, client and location cannot be told apart: the row is refused, naming them.
Each row is its own savepoint; the services send ``requisition_saved`` as for any change, so
an enabled integration syncs what the import created or changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models import Q

from candidates.csv_reader import Column, SourceRow
from candidates.importing import RowOutcome, RowStatus
from candidates.model_fields import model_field
from requisitions import services
from requisitions.models import Requisition

if TYPE_CHECKING:
    from tracker_rsc.roles import Actor

OWNER_SEPARATOR = "|"
# Requisitions number in the hundreds or thousands: rows one by one, each in a savepoint.
CHUNK_SIZE = 200
TEXT_FIELDS = ("description", "location", "client_name")

COLUMNS: tuple[Column, ...] = (
    Column("title", "Title", ("job title", "job", "requisition", "position"), required=True),
    Column(
        "owners",
        "Owners",
        ("owner", "recruiter", "recruiters", "owner email", "owner username"),
        required=True,
        help=f"usernames or emails of Tracker users, separated by “{OWNER_SEPARATOR}”",
    ),
    Column("description", "Description", ("job description", "profile", "job profile")),
    Column("location", "Location", ("city", "job location")),
    Column("client_name", "Client", ("client name", "company", "customer", "account")),
    Column("status", "Status", ("state",), help="open, closed or filled"),
    Column("kind", "Kind", ("type", "job type"), help="standard, evergreen or placeholder"),
    Column("availability", "Availability", ("visibility",), help="public or private"),
)

_CHOICE_SYNONYMS = {
    "availability": {"private": Requisition.Availability.PRIVATE},
}


def _clean(value: str) -> str:
    return " ".join(value.split())


def _choice(name: str, value: str) -> str:
    """A choice from its value or label, case-insensitively; ValueError naming the options."""
    field = model_field(Requisition, name)
    wanted = value.casefold()
    for choice, label in field.choices or ():
        if wanted in (str(choice).casefold(), str(label).casefold()):
            return str(choice)
    synonym = _CHOICE_SYNONYMS.get(name, {}).get(wanted)
    if synonym:
        return str(synonym)
    options = ", ".join(str(choice) for choice, _ in field.choices or ())
    raise ValueError(f"{field.verbose_name.capitalize()} “{value[:40]}” is not one of: {options}.")


class RequisitionImporter:
    kind = "requisitions"
    noun = "requisition"
    columns = COLUMNS
    chunk_size = CHUNK_SIZE

    def __init__(self, *, overwrite: bool = False, actor: Actor = None) -> None:
        self.overwrite = overwrite
        self.actor = actor
        self.touched: set[int] = set()
        self._users: dict[str, Any] = {}

    def process(self, rows: list[SourceRow]) -> list[RowOutcome]:
        outcomes = []
        with transaction.atomic():
            for row in rows:
                try:
                    with transaction.atomic():
                        outcome = self._row(row)
                except ValidationError as exc:
                    outcome = RowOutcome(row.line, RowStatus.REFUSED, None, _messages(exc))
                except ValueError as exc:
                    outcome = RowOutcome(row.line, RowStatus.REFUSED, None, str(exc))
                except DatabaseError as exc:
                    outcome = RowOutcome.refused_by_database(row.line, exc)
                outcomes.append(outcome)
        return outcomes

    def _owners(self, text: str) -> list[Any]:
        names = [_clean(name) for name in text.split(OWNER_SEPARATOR) if _clean(name)]
        if not names:
            raise ValueError("No owner: a requisition needs at least one owner.")
        users, unknown = [], []
        user_model = get_user_model()
        for name in names:
            key = name.casefold()
            if key not in self._users:
                matches = list(
                    user_model.objects.filter(
                        Q(username__iexact=name) | Q(email__iexact=name), is_active=True
                    )[:2]
                )
                self._users[key] = matches[0] if len(matches) == 1 else None
            user = self._users[key]
            if user is None:
                unknown.append(name)
            elif user not in users:
                users.append(user)
        if unknown:
            raise ValueError(
                "Unknown owner"
                + ("s" if len(unknown) > 1 else "")
                + ": "
                + ", ".join(f"“{n[:60]}”" for n in unknown)
                + " (no single active Tracker user has this username or email)."
            )
        return users

    def _fields(self, row: SourceRow) -> dict[str, str]:
        fields: dict[str, str] = {}
        for name in ("title", "location", "client_name"):
            if value := _clean(row.values.get(name, "")):
                fields[name] = value
        if value := row.values.get("description", "").strip():
            fields["description"] = value
        for name in ("status", "kind", "availability"):
            if value := _clean(row.values.get(name, "")):
                fields[name] = _choice(name, value)
        for name, value in fields.items():
            limit = model_field(Requisition, name).max_length
            if limit and len(value) > limit:
                label = model_field(Requisition, name).verbose_name
                raise ValueError(f"Too long: {label} has {len(value)} characters, at most {limit}.")
        return fields

    def _row(self, row: SourceRow) -> RowOutcome:
        if row.problem:
            return RowOutcome(row.line, RowStatus.REFUSED, None, row.problem)
        fields = self._fields(row)
        if not fields.get("title"):
            return RowOutcome(row.line, RowStatus.REFUSED, None, "The row has no title.")
        owners = self._owners(row.values.get("owners", ""))
        same = list(
            Requisition.objects.filter(
                title__iexact=fields["title"],
                client_name__iexact=fields.get("client_name", ""),
                location__iexact=fields.get("location", ""),
            ).values_list("pk", flat=True)[:6]
        )
        if len(same) > 1:
            ids = ", ".join(str(pk) for pk in same[:5])
            return RowOutcome(
                row.line,
                RowStatus.REFUSED,
                None,
                f"Ambiguous: requisitions {ids} all have this title, client and location; "
                "change one of them or the row.",
            )
        if not same:
            requisition = services.requisition_create(owners=owners, actor=self.actor, **fields)
            self.touched.add(requisition.pk)
            return RowOutcome(row.line, RowStatus.CREATED, requisition.pk)
        requisition = Requisition.objects.get(pk=same[0])
        changes: dict[str, str] = {}
        for name, value in fields.items():
            current = getattr(requisition, name)
            if value == current or (name == "title" and value.casefold() == current.casefold()):
                continue
            if self.overwrite or (name in TEXT_FIELDS and not current.strip()):
                changes[name] = value
        new_owners = None
        if self.overwrite and {u.pk for u in owners} != set(
            requisition.owners.values_list("pk", flat=True)
        ):
            new_owners = owners
        if changes or new_owners is not None:
            services.requisition_update(
                requisition=requisition, owners=new_owners, actor=self.actor, **changes
            )
        changed = sorted(changes) + (["owners"] if new_owners is not None else [])
        detail = (
            f"{'Set' if self.overwrite else 'Filled'}: {', '.join(changed)}." if changed else ""
        )
        if requisition.pk in self.touched:
            status = RowStatus.MERGED
            detail = f"The same job as an earlier row. {detail}".strip()
        else:
            status = RowStatus.UPDATED if changed else RowStatus.UNCHANGED
        self.touched.add(requisition.pk)
        return RowOutcome(row.line, status, requisition.pk, detail)


def _messages(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return " ".join(f"{field}: {' '.join(m)}" for field, m in exc.message_dict.items())
    return " ".join(exc.messages)
