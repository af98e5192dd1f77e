"""The security controls, each with the tests that prove it: ``python bench/controls.py``.

    python bench/controls.py            # the table, and a count; exit 1 if a test is missing
    python bench/controls.py --markdown # the table alone (bench/report.py includes it)

Every control of "secure by default" (fail closed, who may do what, the API contract,
dependencies) is listed with the tests that fail when the control is taken away (or, where CI
itself is the proof, the CI step or make target). The script checks that each named test
exists (file and function, found by parsing the file) and each CI proof is in its file, so the
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
    # "tests/file.py::test_name" (or "::Class::test_name"); where CI itself is the proof,
    # "file: text it contains" (a step of .ci/run, a make target's command).
    tests: tuple[str, ...]


CONTROLS: tuple[Control, ...] = (
    # --- Fail closed ----------------------------------------------------------------------
    Control(
        "fail closed",
        "DEBUG is off unless set",
        (
            "tests/tracker_rsc/test_fail_closed.py::test_debug_is_off_unless_set_so_a_careless_start_is_refused",
        ),
    ),
    Control(
        "fail closed",
        "DEBUG off refuses to start (a system check error naming the setting) on a missing or "
        "known SECRET_KEY, an empty ALLOWED_HOSTS, the sandbox switched on",
        (
            "tests/tracker_rsc/test_fail_closed.py::test_a_missing_or_known_secret_key_is_refused",
            "tests/tracker_rsc/test_fail_closed.py::test_an_empty_allowed_hosts_is_refused",
            "tests/tracker_rsc/test_fail_closed.py::test_the_sandbox_switched_on_is_refused",
            "tests/tracker_rsc/test_fail_closed.py::test_manage_py_check_refuses_the_sandbox_with_debug_off",
            "tests/tracker_rsc/test_fail_closed.py::test_the_wsgi_application_refuses_to_load_with_unsafe_settings",
            "tests/tracker_rsc/test_fail_closed.py::test_celery_refuses_to_start_with_unsafe_settings",
        ),
    ),
    Control(
        "fail closed",
        "check --deploy stays clean apart from the documented HTTPS warnings",
        (
            "tests/tracker_rsc/test_fail_closed.py::test_a_careful_deployment_passes",
            '.ci/run: step "check --deploy (DEBUG off)" deploy_check',
        ),
    ),
    Control(
        "fail closed",
        "The sandbox is not installed at all when off (no app, tables, admin, tasks, URLs)",
        (
            "tests/tracker_rsc/test_fail_closed.py::test_with_debug_off_the_sandbox_is_not_installed_at_all",
            "tests/sandbox/test_control.py::test_sandbox_urls_are_absent_when_the_sandbox_is_off",
            '.ci/run: step "makemigrations --check (sandbox installed and not)"',
        ),
    ),
    Control(
        "fail closed",
        "The sandbox's control page and JSON API need a logged-in staff user and CSRF",
        (
            "tests/sandbox/test_control.py::test_control_api_needs_a_login_then_staff",
            "tests/sandbox/test_control.py::test_an_inactive_staff_user_is_refused",
            "tests/sandbox/test_control.py::test_control_page_and_forms_send_a_visitor_to_log_in",
            "tests/sandbox/test_control.py::test_control_api_writes_need_the_csrf_token",
            "tests/sandbox/test_control.py::test_forms_are_protected_by_csrf",
        ),
    ),
    Control(
        "fail closed",
        "Nothing in the sandbox fetches a URL a caller supplies",
        (
            "tests/sandbox/test_control.py::test_the_challenge_action_never_fetches_a_caller_supplied_url",
            "tests/sandbox/test_pushes.py::test_a_callback_outside_the_allowed_origins_is_refused_at_registration",
            "tests/sandbox/test_pushes.py::test_a_stored_callback_outside_the_allowed_origins_is_never_called",
        ),
    ),
    Control(
        "fail closed",
        "The sandbox signs its pushes with a secret of its own, not the production secret",
        (
            "tests/sandbox/test_pushes.py::test_pushes_are_signed_with_the_sandboxs_own_secret",
            "tests/sandbox/test_auth.py::"
            "test_tokens_are_issued_for_the_sandboxs_own_app_not_trackers_settings",
        ),
    ),
    Control(
        "fail closed",
        "seed_demo refuses to run with DEBUG off unless forced (--allow-production)",
        (
            "tests/test_seed_demo.py::test_seed_demo_refuses_with_debug_off_and_writes_nothing",
            "tests/test_seed_demo.py::test_seed_demo_runs_with_debug_off_only_when_forced",
            "tests/tracker_rsc/test_fail_closed.py::test_seed_demo_refuses_a_production_database_in_a_real_start",
        ),
    ),
    Control(
        "fail closed",
        "/healthz/ says which dependency is down, never the exception text",
        (
            "tests/test_healthz.py::test_the_answer_names_the_dependency_never_the_exception_text",
            "tests/test_healthz.py::test_broker_url_credentials_never_shown",
        ),
    ),
    # --- Who may do what ------------------------------------------------------------------
    Control(
        "who may do what",
        "API delete and erasure need the admin's model permissions (delete_candidate, "
        "erase_candidate…), not merely is_staff; every API write checks a permission",
        (
            "tests/tracker_rsc/test_permission_matrix.py::test_api_write_matrix",
            "tests/tracker_rsc/test_permission_matrix.py::test_every_api_write_is_in_the_matrix",
            "tests/tracker_rsc/test_permission_matrix.py::test_a_write_the_table_does_not_name_is_refused",
        ),
    ),
    Control(
        "who may do what",
        "Every admin action checks a permission; the matrix walks superuser, staff with and "
        "without each permission, recruiter, unseated recruiter, anonymous",
        (
            "tests/tracker_rsc/test_permission_matrix.py::test_every_admin_action_is_in_the_matrix_and_checks_a_permission",
            "tests/tracker_rsc/test_permission_matrix.py::test_admin_action_matrix",
            "tests/tracker_rsc/test_permission_matrix.py::test_admin_erase_needs_the_erase_permission_not_delete",
            "tests/tracker_rsc/test_permission_matrix.py::test_anonymous_and_recruiters_do_not_reach_the_admin",
        ),
    ),
    Control(
        "who may do what",
        "DRF throttles per user and anonymous, stricter on writes and on erasure",
        (
            "tests/tracker_rsc/test_rate_limits.py::test_anonymous_requests_are_limited_by_address",
            "tests/tracker_rsc/test_rate_limits.py::test_guessed_tokens_count_against_the_anonymous_limit",
            "tests/tracker_rsc/test_rate_limits.py::test_each_user_has_a_limit_of_their_own",
            "tests/tracker_rsc/test_rate_limits.py::test_writes_have_a_stricter_limit_and_a_refused_write_changes_nothing",
            "tests/tracker_rsc/test_rate_limits.py::test_erasure_has_the_strictest_limit",
        ),
    ),
    Control(
        "who may do what",
        "A lockout after repeated failed logins on both login pages (django-axes)",
        (
            "tests/tracker_rsc/test_rate_limits.py::test_repeated_failures_lock_the_username_from_that_address",
            "tests/tracker_rsc/test_rate_limits.py::test_the_lockout_counts_failures_on_both_pages_together",
            "tests/tracker_rsc/test_rate_limits.py::test_the_lock_ends_after_the_cool_off",
            "tests/tracker_rsc/test_rate_limits.py::test_staff_unlock_an_account_in_the_admin",
        ),
    ),
    Control(
        "who may do what",
        "A bound on how many rejected callback rows one token stores per hour",
        (
            "tests/syncjobs/test_callback_token.py::test_unsigned_deliveries_beyond_the_hourly_bound_are_counted_not_stored",
        ),
    ),
    Control(
        "who may do what",
        "API tokens expire and can be revoked (django-rest-knox, hashed at rest)",
        (
            "tests/tracker_rsc/test_api_tokens.py::test_the_default_lifetime_is_api_token_ttl_days",
            "tests/tracker_rsc/test_api_tokens.py::test_expires_days_sets_the_lifetime_and_an_expired_token_is_refused",
            "tests/tracker_rsc/test_api_tokens.py::test_a_revoked_token_is_refused",
            "tests/tracker_rsc/test_api_tokens.py::test_drf_plaintext_tokens_become_hashed_tokens_that_still_work",
        ),
    ),
    Control(
        "who may do what",
        "The admin never shows a token after it is created",
        (
            "tests/tracker_rsc/test_api_tokens.py::test_the_admin_never_shows_a_token",
            "tests/tracker_rsc/test_api_tokens.py::test_the_admin_creates_a_token_and_shows_it_once",
        ),
    ),
    Control(
        "who may do what",
        "manage.py create_api_token USERNAME [--expires-days N] prints the token alone on its "
        "last line",
        (
            "tests/tracker_rsc/test_api_tokens.py::test_create_api_token_prints_the_token_alone_on_the_last_line",
            "tests/tracker_rsc/test_api_tokens.py::test_bad_input_is_a_clear_error_and_creates_nothing",
            "tests/tracker_rsc/test_api_tokens.py::test_the_command_exits_non_zero_on_an_error",
        ),
    ),
    Control(
        "who may do what",
        "The callback token is redacted from request logs",
        (
            "tests/syncjobs/test_callback_token.py::test_the_filter_redacts_the_token_from_every_shape_of_record",
            "tests/syncjobs/test_callback_token.py::test_a_refused_push_logs_the_path_without_the_token",
            "tests/syncjobs/test_callback_token.py::test_gunicorn_s_access_log_redacts_the_token",
        ),
    ),
    Control(
        "who may do what",
        "An admin action rotates the callback token and re-registers the URL with LinkedIn",
        (
            "tests/syncjobs/test_callback_token.py::test_rotation_registers_the_new_url_and_the_old_token_stops_at_once",
            "tests/syncjobs/test_callback_token.py::test_a_failed_registration_keeps_the_old_token_and_says_why",
            "tests/syncjobs/test_callback_token.py::test_rotation_needs_its_permission",
        ),
    ),
    Control(
        "who may do what",
        "A profile URL that is not http(s) never becomes a link (admin, API, LinkedIn)",
        (
            "tests/pages/test_profile_links.py::test_anything_but_an_absolute_http_url_is_text",
            "tests/pages/test_profile_links.py::"
            "test_recruiter_pages_show_a_hostile_profile_url_as_text",
            "tests/pages/test_profile_links.py::"
            "test_admin_list_and_detail_show_a_hostile_profile_url_as_text",
            "tests/admin/test_candidate_admin.py::"
            "test_a_profile_url_that_is_not_linkedin_is_refused_on_the_form",
        ),
    ),
    Control(
        "who may do what",
        "Erasure tombstones are keyed with an HMAC under a secret, not a bare hash",
        (
            "tests/candidates/test_tombstone_keys.py::"
            "test_the_key_is_an_hmac_of_the_sha256_under_the_secret",
            "tests/candidates/test_tombstone_keys.py::"
            "test_the_key_depends_on_the_erasure_secret_not_on_secret_key",
            "tests/candidates/test_tombstone_keys.py::"
            "test_the_migration_rekeys_bare_digests_so_the_erased_stay_erased",
        ),
    ),
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
    # --- Dependencies ---------------------------------------------------------------------
    Control(
        "dependencies",
        "CI installs from a lock file with hashes (uv), kept in step with pyproject.toml",
        (
            "Makefile: --require-hashes -r $(DEV_LOCK)",
            '.ci/run: step "fresh install (.venv from requirements/dev.lock, hashes required)"',
        ),
    ),
    Control(
        "dependencies",
        "make audit runs pip-audit against the lock files (needs the internet; not in CI)",
        ("Makefile: $(AUDIT) -r $(PROD_LOCK)",),
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


def _exists(proof: str) -> bool:
    if "::" in proof:  # a test: file::function (or file::Class::method)
        file, _, name = proof.partition("::")
        path = REPO_ROOT / file
        return path.is_file() and name in _test_names(path)
    # A step of CI or a make target: "file: text that the file contains".
    file, separator, text = proof.partition(": ")
    path = REPO_ROOT / file
    return bool(separator and text) and path.is_file() and text in path.read_text()


def missing_tests(controls: tuple[Control, ...] = CONTROLS) -> list[str]:
    """The proofs of the table that name no existing test (or CI step, or make target)."""
    return [proof for control in controls for proof in control.tests if not _exists(proof)]


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
        print(f"\n== {len(CONTROLS)} controls, proved by {tests} tests and CI steps")
    for test_id in missing:
        print(f"missing test: {test_id}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
