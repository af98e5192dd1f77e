from __future__ import annotations

from typing import Any

from tests.api.fuzz_summary import FUZZ_SUMMARY


def pytest_terminal_summary(terminalreporter: Any) -> None:
    # In-process runs only: under xdist each worker keeps its own counts.
    if FUZZ_SUMMARY.operations:
        failed = [
            report
            for report in terminalreporter.stats.get("failed", [])
            if "test_api_never_errors_and_matches_its_schema" in report.nodeid
        ]
        terminalreporter.write_line(FUZZ_SUMMARY.line(failed_operations=len(failed)))
