"""The security controls, each with the tests that prove it: ``python bench/controls.py``.

    python bench/controls.py            # the table, and a count; exit 1 if a test is missing
    python bench/controls.py --markdown # the table alone (bench/report.py includes it)

Every control of "secure by default" (fail closed, who may do what, the API contract,
dependencies) is listed with the tests that fail when the control is taken away. The script
checks that each named test exists (file and function, found by parsing the file), so the
table cannot silently point at a renamed or deleted test; tests/test_controls.py runs the same
check in the suite and compares the table with bench/REPORT.md.
"""

from __future__ import annotations

import argparse
import ast
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Control:
    area: str
    control: str
    tests: tuple[str, ...]  # "tests/file.py::test_name" (or "::Class::test_name")


CONTROLS: tuple[Control, ...] = (
    # --- Who may do what ------------------------------------------------------------------
    Control(
        "who may do what",
        "API schema needs a login: anonymous gets 401 (session or token opens it)",
        (
            "tests/api/test_schema.py::test_the_schema_needs_a_login",
            "tests/api/test_schema.py::test_the_schema_is_served_to_a_token_or_a_session",
        ),
    ),
    Control(
        "who may do what",
        "API docs need a login: an anonymous browser is sent to the login page",
        ("tests/api/test_schema.py::test_the_docs_send_an_anonymous_browser_to_the_login_page",),
    ),
    Control(
        "who may do what",
        "Swagger UI is served from the app (drf-spectacular-sidecar), never from a CDN",
        (
            "tests/api/test_schema.py::"
            "test_the_docs_are_served_from_the_app_and_reference_no_other_host",
        ),
    ),
    Control(
        "who may do what",
        "A 429 carries Retry-After, as the schema documents",
        (
            "tests/api/test_contract.py::"
            "test_a_throttled_request_is_the_documented_429_with_retry_after",
        ),
    ),
    # --- The API contract -----------------------------------------------------------------
    Control(
        "API contract",
        "Every operation documents 400 (error shape), 401, 403, 404, 405, 406, 415, 429",
        (
            "tests/api/test_schema.py::test_every_operation_documents_the_errors_it_can_answer",
            "tests/api/test_schema.py::test_error_bodies_and_headers_are_components",
        ),
    ),
    Control(
        "API contract",
        "schemathesis, every check (mode all, coverage and fuzzing phases): 0 failures",
        ("tests/api/test_fuzz.py::test_api_never_errors_and_matches_its_schema",),
    ),
    Control(
        "API contract",
        "Unknown ids (any size, any spelling) and URLs beyond the schema are a JSON 404",
        (
            "tests/api/test_contract.py::test_an_id_that_names_no_record_is_a_json_404",
            "tests/api/test_contract.py::test_a_huge_id_in_a_path_never_reaches_the_database",
            "tests/api/test_contract.py::test_the_api_has_no_urls_beyond_the_schemas_paths",
        ),
    ),
    Control(
        "API contract",
        "Invalid or empty filters and page sizes are a 400 naming the parameter",
        (
            "tests/api/test_contract.py::test_a_page_size_outside_1_to_200_is_a_400",
            "tests/api/test_contract.py::test_a_filter_sent_empty_is_a_400_not_everything",
            "tests/api/test_fuzz.py::test_an_id_filter_beyond_64_bits_is_a_400",
        ),
    ),
    Control(
        "API contract",
        "JSON in and out: wrong JSON types are a 400, other bodies a 415, other formats a 406",
        (
            "tests/api/test_contract.py::test_a_candidate_field_of_the_wrong_json_type_is_a_400",
            "tests/api/test_contract.py::test_placement_ids_are_json_integers_within_64_bits",
            "tests/api/test_contract.py::test_a_form_encoded_body_is_a_415",
            "tests/api/test_contract.py::"
            "test_the_api_answers_json_even_to_a_browser_and_refuses_other_formats",
        ),
    ),
    Control(
        "API contract",
        "Bounds are in the schema (ids, page sizes) and bodies are JSON only",
        (
            "tests/api/test_schema.py::test_ids_and_page_sizes_have_their_bounds_in_the_schema",
            "tests/api/test_schema.py::test_request_bodies_are_json_only",
        ),
    ),
)


@cache
def _test_names(path: Path) -> frozenset[str]:
    """``name`` and ``Class::name`` of every test function in a file."""
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            names.update(
                f"{node.name}::{item.name}"
                for item in node.body
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
            )
    return frozenset(names)


def missing_tests(controls: tuple[Control, ...] = CONTROLS) -> list[str]:
    """The test ids of the table that name no existing test."""
    missing = []
    for control in controls:
        for test_id in control.tests:
            file, _, name = test_id.partition("::")
            path = REPO_ROOT / file
            if not name or not path.is_file() or name not in _test_names(path):
                missing.append(test_id)
    return missing


def markdown(controls: tuple[Control, ...] = CONTROLS) -> str:
    lines = ["| # | area | control | proved by |", "| ---: | --- | --- | --- |"]
    for number, control in enumerate(controls, 1):
        tests = "<br>".join(f"`{test_id}`" for test_id in control.tests)
        lines.append(f"| {number} | {control.area} | {control.control} | {tests} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--markdown", action="store_true", help="print only the Markdown table")
    args = parser.parse_args()
    print(markdown())
    missing = missing_tests()
    if not args.markdown:
        tests = sum(len(control.tests) for control in CONTROLS)
        print(f"\n== {len(CONTROLS)} controls, proved by {tests} tests")
    for test_id in missing:
        print(f"missing test: {test_id}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
