"""bench/REPORT.md's two security tables stay true: the controls and the bad inputs."""

from __future__ import annotations

import re
from pathlib import Path

from bench import controls

REPORT = Path(controls.REPO_ROOT / "bench" / "REPORT.md")


def test_every_control_is_proved_by_tests_that_exist():
    assert controls.missing_tests() == []
    assert all(control.tests for control in controls.CONTROLS)


def test_a_control_naming_a_missing_test_is_caught():
    ghost = controls.Control("area", "a control", ("tests/api/test_schema.py::test_no_such",))
    renamed = controls.Control("area", "a control", ("tests/no_such_file.py::test_x",))

    assert controls.missing_tests((ghost, renamed)) == [
        "tests/api/test_schema.py::test_no_such",
        "tests/no_such_file.py::test_x",
    ]


def test_the_report_holds_the_current_controls_table():
    assert controls.markdown() in REPORT.read_text()


def test_the_report_lists_at_least_60_bad_inputs_all_refused_with_nothing_written():
    section = REPORT.read_text().split("## bad_input:", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if re.match(r"\| (?!surface|---)", line)]
    surfaces = {row.split("|")[1].strip() for row in rows}

    assert len(rows) >= 60
    assert all(row.rstrip().endswith("| yes |") for row in rows)
    assert {
        "API",
        "callback",
        "admin",
        "sandbox control API",
        "command",
        "LinkedIn payload",
        "login",
    } <= surfaces
