"""CSV import of candidates: the Export to ATS duplicate check, merging, refusals, dry run."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from candidates.candidate_import import CandidateImporter
from candidates.csv_reader import CsvError
from candidates.dedupe import IncomingPerson, find_duplicate
from candidates.importing import ReportWriter, import_file
from candidates.models import Candidate, MatchReview
from candidates.services import candidate_erase
from tests.candidates.factories import CandidateFactory

pytestmark = pytest.mark.django_db

HEADER = "First Name,Last Name,Email,Phone,LinkedIn Profile URL,Created At,Last Updated\n"


def run(text: str | bytes, *, overwrite: bool = False, dry_run: bool = False, chunk: int = 0):
    raw = text.encode() if isinstance(text, str) else text
    importer = CandidateImporter(overwrite=overwrite)
    if chunk:
        importer.chunk_size = chunk
    outcomes = []
    report = io.StringIO()
    summary = import_file(
        importer=importer,
        stream=io.BytesIO(raw),
        dry_run=dry_run,
        report=ReportWriter(report),
        on_row=outcomes.append,
    )
    return summary, outcomes, report.getvalue()


def statuses(outcomes) -> list[str]:
    return [o.status.value for o in outcomes]


def test_a_file_with_a_bom_in_excels_semicolon_dialect_with_synonyms_imports():
    text = "\ufeffFirstname;Surname;E-mail;Mobile\nJane;Doe;jane@example.com;+44 20 1\n"
    summary, outcomes, _ = run(text.encode("utf-8"))
    assert statuses(outcomes) == ["created"]
    jane = Candidate.objects.get()
    assert (jane.first_name, jane.last_name, jane.email, jane.phone) == (
        "Jane",
        "Doe",
        "jane@example.com",
        "+44 20 1",
    )
    assert jane.source == Candidate.Source.IMPORT
    assert jane.email_key == "jane@example.com"  # the duplicate-check keys are kept
    assert summary.layout.delimiter == ";"


def test_unknown_columns_are_reported_in_the_summary_and_the_report():
    summary, _, report = run("Email,Shoe Size\njane@example.com,38\n")
    assert summary.unknown_columns == ["Shoe Size"]
    assert "Shoe Size" in summary.as_text()
    assert "Columns not imported (unknown): “Shoe Size”" in report


def test_a_file_without_any_identifier_column_is_refused_before_writing():
    with pytest.raises(CsvError, match="Email, a LinkedIn Profile URL"):
        run("Phone,Location\n+44,London\n")
    assert not Candidate.objects.exists()


def test_rows_of_the_same_person_in_the_file_are_merged_into_one_candidate():
    text = (
        HEADER
        + "Jane,Doe,jane@example.com,,https://uk.linkedin.com/in/jane-doe/,,\n"
        + "Jane,Doe,,+44 1,http://linkedin.com/in/Jane-Doe?trk=x,,\n"  # same profile
        + "Jane,Doe,JANE@example.com,,,,\n"  # same email
        + "Bob,Roe,bob@example.com,,,,\n"
    )
    _, outcomes, _ = run(text)
    assert statuses(outcomes) == ["created", "merged", "merged", "created"]
    jane = Candidate.objects.get(email_key="jane@example.com")
    assert jane.phone == "+44 1"  # the later row filled what the first lacked
    assert jane.linkedin_profile_url == "https://www.linkedin.com/in/jane-doe"
    assert {o.record_id for o in outcomes[:3]} == {jane.pk}
    assert Candidate.objects.count() == 2


def test_in_file_duplicates_across_chunks_are_merged_too():
    text = HEADER + "Jane,Doe,jane@example.com,,,,\nBob,Roe,bob@example.com,,,,\n"
    text += "Jane,Doe,jane@example.com,+44 2,,,\n"
    _, outcomes, _ = run(text, chunk=1)
    assert statuses(outcomes) == ["created", "created", "merged"]
    assert Candidate.objects.get(email_key="jane@example.com").phone == "+44 2"


def test_a_match_is_updated_only_where_empty_or_everywhere_with_overwrite():
    old = CandidateFactory(
        first_name="Jane", last_name="Doe", email="jane@example.com", phone="", location="Leeds"
    )
    text = "Email,Phone,Location\njane@example.com,+44 3,London\n"
    _, outcomes, _ = run(text)
    old.refresh_from_db()
    assert statuses(outcomes) == ["updated"]
    assert (old.phone, old.location) == ("+44 3", "Leeds")
    assert "email address matches candidate" in outcomes[0].detail

    _, outcomes, _ = run(text, overwrite=True)
    old.refresh_from_db()
    assert statuses(outcomes) == ["updated"]
    assert old.location == "London"


def test_an_empty_cell_never_erases_a_value_even_with_overwrite():
    old = CandidateFactory(email="jane@example.com", phone="+44 4")
    _, outcomes, _ = run("Email,Phone\njane@example.com,\n", overwrite=True)
    old.refresh_from_db()
    assert statuses(outcomes) == ["unchanged"] and old.phone == "+44 4"


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("Jane,Doe,jane@example.com,,,,", "unchanged"),  # the email
        ("Janet,Doe,,,https://www.linkedin.com/in/jdoe,,", "unchanged"),  # the profile URL
        ("Jane,Doe,,,,,", "unchanged"),  # a unique name, nothing contradicts it
        ("Jan,Doe,,,,,", "created"),  # no similar name (short names: one letter is too much)
        ("Mary,Smith,,,,,", "ambiguous"),  # two similar names
        ("Jane,Doe,other@example.com,,,,", "ambiguous"),  # the name, contradicted by the email
    ],
)
def test_every_row_gets_the_decision_export_to_ats_would_make(row, expected):
    CandidateFactory(
        first_name="Jane",
        last_name="Doe",
        email="jane@example.com",
        linkedin_profile_url="https://www.linkedin.com/in/jdoe",
    )
    CandidateFactory(first_name="Mary", last_name="Smith", email="m1@example.com")
    CandidateFactory(first_name="Marry", last_name="Smith", email="m2@example.com")
    first, last, email, _, url, _, _ = row.split(",")
    export = find_duplicate(
        IncomingPerson(
            profile_url=url, emails=(email,) if email else (), first_name=first, last_name=last
        )
    )
    _, outcomes, _ = run(HEADER + row + "\n", dry_run=True)
    outcome = outcomes[0]
    assert outcome.status == expected
    if export.candidate_id:
        assert outcome.record_id == export.candidate_id
        assert export.reason in outcome.detail
    elif export.possible_duplicate_of:
        assert f"possible duplicate of candidate {export.possible_duplicate_of}" in outcome.detail


def test_an_ambiguous_name_is_created_and_put_on_the_review_queue():
    a = CandidateFactory(first_name="Mary", last_name="Smith", email="m1@example.com")
    b = CandidateFactory(first_name="Marry", last_name="Smith", email="m2@example.com")
    _, outcomes, _ = run("First Name,Last Name\nMary,Smith\n")
    assert statuses(outcomes) == ["ambiguous"]
    new = Candidate.objects.get(pk=outcomes[0].record_id)
    review = MatchReview.objects.get(candidate=new)
    assert review.kind == MatchReview.Kind.POSSIBLE_DUPLICATE
    assert review.other_candidate_id in (a.pk, b.pk)
    assert new.possible_duplicate_of_id == review.other_candidate_id


def test_refused_rows_write_nothing_and_never_stop_the_rest():
    text = (
        HEADER
        + "Ann,Ok,ann@example.com,,,,\n"
        + "Bad,Email,not-an-email,,,,\n"
        + f"{'L' * 101},Long,long@example.com,,,,\n"
        + "Not,Linkedin,,,https://example.com/in/x,,\n"
        + "Bad,Date,bad@example.com,,,31/02/2020,\n"
        + ",,,+44 5,,,\n"
        + "Zed,Ok,zed@example.com,,,,\n"
    )
    _, outcomes, _ = run(text)
    assert statuses(outcomes) == [
        "created",
        "refused",
        "refused",
        "refused",
        "refused",
        "refused",
        "created",
    ]
    details = [o.detail for o in outcomes[1:6]]
    assert "Invalid email address" in details[0]
    assert "Too long: first name has 101 characters, at most 100" in details[1]
    assert "not a LinkedIn profile URL" in details[2]
    assert "is not a date" in details[3]
    assert "Nothing to identify the person by" in details[4]
    assert set(Candidate.objects.values_list("email", flat=True)) == {
        "ann@example.com",
        "zed@example.com",
    }


def test_a_row_the_database_refuses_is_refused_alone(monkeypatch):
    from django.db import DatabaseError

    real = Candidate.objects.bulk_create

    def refuse_bob(objs, *args, **kwargs):
        if any(c.email == "bob@example.com" for c in objs):
            raise DatabaseError("value too long")
        return real(objs, *args, **kwargs)

    monkeypatch.setattr(Candidate.objects, "bulk_create", refuse_bob)
    _, outcomes, _ = run("Email\nann@example.com\nbob@example.com\ncid@example.com\n")
    assert statuses(outcomes) == ["created", "refused", "created"]
    assert "the database refused it" in outcomes[1].detail
    assert Candidate.objects.count() == 2


def test_a_person_erased_on_request_is_not_recreated():
    gone = CandidateFactory(email="gone@example.com")
    candidate_erase(candidate=gone, reason="GDPR request")
    _, outcomes, _ = run("Email,First Name\ngone@example.com,Gone\n")
    assert statuses(outcomes) == ["refused"]
    assert "erased on request" in outcomes[0].detail
    assert not Candidate.objects.exists()


def test_a_re_run_of_the_same_file_changes_nothing():
    CandidateFactory(first_name="Mary", last_name="Smith", email="m1@example.com")
    CandidateFactory(first_name="Marry", last_name="Smith", email="m2@example.com")
    existing = CandidateFactory(email="old@example.com", phone="")
    text = (
        HEADER
        + "Jane,Doe,jane@example.com,,https://www.linkedin.com/in/jane,2019-01-01,2020-01-01\n"
        + "Jane,Doe,,+44 6,,,\n"
        + "Mary,Smith,mary3@example.com,,,,\n"
        + "Old,Timer,old@example.com,+44 7,,,\n"
        + "Bad,Email,nope,,,,\n"
    )
    _, first, _ = run(text)
    assert statuses(first) == ["created", "merged", "ambiguous", "updated", "refused"]
    snapshot = list(Candidate.objects.order_by("pk").values())
    reviews = MatchReview.objects.count()

    _, again, _ = run(text)
    assert statuses(again) == ["unchanged", "merged", "unchanged", "unchanged", "refused"]
    assert list(Candidate.objects.order_by("pk").values()) == snapshot
    assert MatchReview.objects.count() == reviews
    existing.refresh_from_db()
    assert existing.phone == "+44 7"


def test_a_dry_run_writes_nothing_and_reports_what_the_real_run_does():
    CandidateFactory(email="old@example.com", phone="")
    text = HEADER + "Jane,Doe,jane@example.com,,,,\nJane,Doe,jane@example.com,+1,,,\n"
    text += "Old,Timer,old@example.com,+44 7,,,\nBad,Email,nope,,,,\n"
    before = list(Candidate.objects.values())
    summary, dry, dry_report = run(text, dry_run=True)
    assert list(Candidate.objects.values()) == before
    assert "would be created" in summary.as_text()
    _, real, real_report = run(text)
    assert statuses(dry) == statuses(real) == ["created", "merged", "updated", "refused"]
    # Same rows, same decisions; only the new records' ids can differ.
    assert [line.split(",")[:2] for line in dry_report.splitlines()] == [
        line.split(",")[:2] for line in real_report.splitlines()
    ]


def test_original_timestamps_are_kept():
    run(
        HEADER
        + "Jane,Doe,jane@example.com,,,2018-03-04,2019-05-06 07:08:09\n"
        + "Bob,Roe,bob@example.com,,,2017-01-01T10:00:00+02:00,\n"
    )
    jane = Candidate.objects.get(email="jane@example.com")
    assert jane.created_at == datetime(2018, 3, 4, tzinfo=UTC)
    assert jane.updated_at == datetime(2019, 5, 6, 7, 8, 9, tzinfo=UTC)
    bob = Candidate.objects.get(email="bob@example.com")
    assert bob.created_at == bob.updated_at == datetime(2017, 1, 1, 8, tzinfo=UTC)


def test_timestamps_in_the_future_or_out_of_order_are_refused():
    future = (timezone.now() + timedelta(days=3)).date().isoformat()
    _, outcomes, _ = run(
        HEADER
        + f"Jane,Doe,jane@example.com,,,{future},\n"
        + "Bob,Roe,bob@example.com,,,2020-01-02,2020-01-01\n"
    )
    assert statuses(outcomes) == ["refused", "refused"]
    assert "in the future" in outcomes[0].detail
    assert "before Created At" in outcomes[1].detail


def test_decisions_equal_the_exports_on_a_crowded_table():
    """Names that collide, typos, shared emails: each row alone decides as find_duplicate does."""
    import random

    rng = random.Random(7)
    firsts = ["Anna", "Anne", "Hannah", "Mohammed", "Muhammad", "Jon", "John", "Zoë", "Zoe"]
    lasts = ["Smith", "Smyth", "Schmidt", "Nguyen", "O'Brien", "Obrien", "Müller", "Muller"]
    for n in range(120):
        CandidateFactory(
            first_name=rng.choice(firsts),
            last_name=rng.choice(lasts),
            email=f"p{n % 90}@example.com" if n % 4 else "",
            linkedin_profile_url=f"https://www.linkedin.com/in/p{n % 70}" if n % 3 == 0 else "",
        )
    for _ in range(40):
        first, last = rng.choice(firsts), rng.choice(lasts)
        email = f"p{rng.randrange(120)}@example.com" if rng.random() < 0.4 else ""
        url = f"https://uk.linkedin.com/in/p{rng.randrange(100)}/" if rng.random() < 0.3 else ""
        export = find_duplicate(
            IncomingPerson(
                profile_url=url, emails=(email,) if email else (), first_name=first, last_name=last
            )
        )
        _, outcomes, _ = run(f"{HEADER}{first},{last},{email},,{url},,\n", dry_run=True)
        outcome = outcomes[0]
        if export.candidate_id:
            assert outcome.record_id == export.candidate_id, (first, last, email, url)
            assert export.reason in outcome.detail
        elif export.possible_duplicate_of:
            assert outcome.status == "ambiguous", (first, last, email, url)
            assert f"duplicate of candidate {export.possible_duplicate_of}." in outcome.detail
        else:
            assert outcome.status == "created", (first, last, email, url)


def test_an_import_row_takes_the_same_identity_locks_as_an_export_of_that_person():
    """So an export and an import of one new person wait for each other (one candidate)."""
    from candidates.candidate_import import identity_keys, parse_row
    from candidates.csv_reader import SourceRow
    from candidates.identity_locks import identity_lock_ids
    from syncjobs.profile_intake import advisory_lock_ids
    from syncjobs.profile_intake import identity_keys as export_identity_keys
    from tracker_rsc.linkedin import MemberProfile

    row = parse_row(
        SourceRow(
            2,
            {
                "first_name": "Zoë",
                "last_name": "O'Brien",
                "email": " Zoe@Example.com",
                "linkedin_profile_url": "https://uk.linkedin.com/in/zoe-obrien/",
            },
        )
    )
    profile = MemberProfile(
        person_urn="",
        profile_url="https://www.linkedin.com/in/zoe-obrien",
        first_name="Zoe",
        last_name="OBrien",
        emails=["zoe@example.com"],
    )
    assert sorted(identity_keys(row.keys)) == export_identity_keys(profile)
    assert identity_lock_ids(identity_keys(row.keys)) == advisory_lock_ids(
        export_identity_keys(profile)
    )
