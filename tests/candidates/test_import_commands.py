"""The import commands: output (progress, rows, summary), the report file, and the Quick Skills
dictionary import."""

from __future__ import annotations

import csv
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from candidates.models import Candidate, QuickSkill, QuickSkillAlias
from tests.candidates.factories import QuickSkillFactory

pytestmark = pytest.mark.django_db


def command(name: str, *args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(name, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_candidates_prints_progress_refusals_and_a_summary_and_writes_the_report(
    tmp_path,
):
    source = tmp_path / "people.csv"
    source.write_text(
        "First Name,Last Name,Email,Hobby\nJane,Doe,jane@example.com,chess\nBad,Row,nope,\n"
    )
    report = tmp_path / "report.csv"
    out, err = command("import_candidates", str(source), "--report", str(report))

    assert "2/2 rows (100%)" in err and "rows/s" in err and "ETA" in err
    assert "line 3: refused: Invalid email address: “nope”." in out
    assert "line 2" not in out  # created rows are in the report, not on screen
    assert "Import finished: 2 candidate rows" in out
    assert "1 created, 0 updated, 0 unchanged, 0 merged, 0 ambiguous, 1 refused" in out
    assert "Columns not imported (unknown): “Hobby”" in out
    assert f"Report: {report}" in out
    lines = list(csv.reader(report.open()))
    assert lines[0] == ["line", "status", "record_id", "detail"]
    assert lines[1][1] == "note" and "Hobby" in lines[1][3]
    assert lines[2][:3] == ["2", "created", str(Candidate.objects.get().pk)]
    assert lines[3][:2] == ["3", "refused"]


def test_a_dry_run_prints_every_row_and_writes_nothing(tmp_path):
    source = tmp_path / "people.csv"
    source.write_text("Email\njane@example.com\njane@example.com\n")
    out, _ = command("import_candidates", str(source), "--dry-run", "--quiet")
    assert "line 2: created" in out and "line 3: merged" in out
    assert "Dry run, nothing was written" in out and "1 would be created" in out
    assert not Candidate.objects.exists()


def test_an_unreadable_file_is_a_command_error(tmp_path):
    source = tmp_path / "people.csv"
    source.write_text("Phone\n+44\n")
    with pytest.raises(CommandError, match="needs an Email"):
        command("import_candidates", str(source))
    with pytest.raises(CommandError, match="No such file"):
        command("import_candidates", str(tmp_path / "missing.csv"))


def test_quick_skills_import_with_aliases_merges_duplicates_and_reports_clashes(tmp_path):
    QuickSkillFactory(name="PostgreSQL")
    postgres = QuickSkill.objects.get()
    QuickSkillAlias.objects.create(skill=postgres, alias="Postgres", key="postgres")
    source = tmp_path / "skills.csv"
    source.write_text(
        "Skill;Aliases\n"
        "Python;py|Python 3\n"
        "postgresql;psql\n"  # existing: gets the alias it lacks
        " python ;CPython\n"  # same as line 2: merged
        "SQL;Postgres|T-SQL\n"  # Postgres belongs to PostgreSQL: left out, reported
        "Postgres;\n"  # another skill's alias: refused
        f"{'x' * 101};\n"
    )
    out, _ = command("import_quick_skills", str(source), "-v", "2", "--quiet")
    assert "line 2: created" in out
    assert "line 3: updated" in out and "Aliases added: psql" in out
    assert "line 4: merged" in out
    assert (
        "line 5: created" in out and "“Postgres” is an alias of the Quick Skill “PostgreSQL”" in out
    )
    assert "line 6: refused" in out and "already an alias of the Quick Skill “PostgreSQL”" in out
    assert "line 7: refused" in out and "at most 100" in out
    python = QuickSkill.objects.get(key="python")
    assert set(python.aliases.values_list("alias", flat=True)) == {"CPython", "py", "Python 3"}
    assert sorted(QuickSkill.objects.get(key="sql").aliases.values_list("alias", flat=True)) == [
        "T-SQL"
    ]
    assert set(postgres.aliases.values_list("alias", flat=True)) == {"Postgres", "psql"}

    again, _ = command("import_quick_skills", str(source), "--quiet")
    assert "0 created, 0 updated, 3 unchanged, 1 merged, 0 ambiguous, 2 refused" in again


def test_user_option_records_who_created_the_records(tmp_path):
    from tests.tracker_rsc.factories import UserFactory

    alice = UserFactory(username="alice")
    source = tmp_path / "people.csv"
    source.write_text("Email\njane@example.com\n")
    command("import_candidates", str(source), "--user", "alice", "--quiet")
    assert Candidate.objects.get().created_by == alice
    with pytest.raises(CommandError, match="No active user named “bob”"):
        command("import_candidates", str(source), "--user", "bob")
