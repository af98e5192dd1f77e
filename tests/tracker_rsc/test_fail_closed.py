"""Fail closed: with DEBUG off, unsafe settings stop every kind of start, and the sandbox is gone.

The in-process tests call the registered check with each bad setting; the subprocess tests start
``manage.py``, the WSGI module (what gunicorn imports) and Celery as a deployment would, with
the environment set before Django loads.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured

from tracker_rsc.checks import check_fail_closed, refuse_unsafe_start

ROOT = Path(__file__).resolve().parents[2]
GOOD_SECRET = secrets.token_urlsafe(64)
GOOD_ERASURE_KEY = secrets.token_urlsafe(32)


@pytest.fixture
def production(settings):
    """Settings a careful deployment has: nothing for the checks to refuse."""
    settings.DEBUG = False
    settings.SECRET_KEY = GOOD_SECRET
    settings.ALLOWED_HOSTS = ["tracker.example.com"]
    settings.LINKEDIN_SANDBOX = False
    settings.ERASURE_HMAC_KEY = GOOD_ERASURE_KEY
    return settings


def test_a_careful_deployment_passes(production):
    assert check_fail_closed() == []
    refuse_unsafe_start()  # does not raise


def test_the_check_is_registered_with_djangos_system_checks(production):
    production.ALLOWED_HOSTS = []

    assert "tracker_rsc.E002" in [message.id for message in run_checks()]


@pytest.mark.parametrize(
    "secret_key",
    [
        "insecure-local-only-key-change-me-" + "x" * 32,  # this project's published default
        "django-insecure-" + "k" * 50,  # startproject's generated development key
        "short-but-random-Xy7",
        "a" * 80,  # long, but one character repeated
        "",
    ],
)
def test_a_missing_or_known_secret_key_is_refused(production, secret_key):
    production.SECRET_KEY = secret_key

    errors = check_fail_closed()

    assert [e.id for e in errors] == ["tracker_rsc.E001"]
    assert "SECRET_KEY" in errors[0].msg


def test_an_empty_allowed_hosts_is_refused(production):
    production.ALLOWED_HOSTS = []

    errors = check_fail_closed()

    assert [e.id for e in errors] == ["tracker_rsc.E002"]
    assert "ALLOWED_HOSTS" in errors[0].msg


def test_the_sandbox_switched_on_is_refused(production):
    production.LINKEDIN_SANDBOX = True

    errors = check_fail_closed()

    assert [e.id for e in errors] == ["tracker_rsc.E003"]
    assert "LINKEDIN_SANDBOX" in errors[0].msg


@pytest.mark.parametrize(
    "key", ["", "insecure-local-erasure-key-change-me-" + "y" * 32, "too-short-key"]
)
def test_a_missing_or_known_erasure_key_is_refused(production, key):
    production.ERASURE_HMAC_KEY = key

    errors = check_fail_closed()

    assert [e.id for e in errors] == ["tracker_rsc.E004"]
    assert "ERASURE_HMAC_KEY" in errors[0].msg


def test_with_debug_on_the_local_defaults_are_fine(production):
    production.DEBUG = True
    production.SECRET_KEY = "insecure-local-only-key-change-me-" + "x" * 32
    production.ALLOWED_HOSTS = []
    production.LINKEDIN_SANDBOX = True
    production.ERASURE_HMAC_KEY = ""

    assert check_fail_closed() == []


def test_refuse_unsafe_start_lists_every_error(production):
    production.ALLOWED_HOSTS = []
    production.LINKEDIN_SANDBOX = True

    with pytest.raises(ImproperlyConfigured) as refused:
        refuse_unsafe_start()

    assert "ALLOWED_HOSTS" in str(refused.value) and "LINKEDIN_SANDBOX" in str(refused.value)


# --- Real starts, environment set before Django loads -------------------------------------------

# Variables of the test session that must not leak into a "deployment" started from here.
SESSION_ONLY = (
    "DJANGO_SETTINGS_MODULE",
    "DEBUG",
    "LINKEDIN_SANDBOX",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "ERASURE_HMAC_KEY",
    "PYTHONDONTWRITEBYTECODE",
)


def deployment_env(tmp_path: Path, **values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SESSION_ONLY}
    env.pop("DATABASE_URL", None)  # a throw-away SQLite database in the var dir
    env.pop("REDIS_URL", None)
    env.pop("CELERY_BROKER_URL", None)
    env.update(
        DJANGO_SETTINGS_MODULE="tracker_rsc.settings",  # the real one, not the tests' override
        TRACKER_VAR_DIR=str(tmp_path / "var"),
        **values,
    )
    return env


def run(args: list[str], env: dict[str, str], timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


SAFE = {
    "DEBUG": "off",
    "SECRET_KEY": GOOD_SECRET,
    "ALLOWED_HOSTS": "tracker.example.com",
    "ERASURE_HMAC_KEY": GOOD_ERASURE_KEY,
}


def test_debug_is_off_unless_set_so_a_careless_start_is_refused(tmp_path):
    # Nothing set at all, not even DEBUG: a deployment that forgot everything.
    env = deployment_env(tmp_path)
    debug = run(
        [sys.executable, "-c", "from tracker_rsc import settings; print(settings.DEBUG)"],
        env,
        timeout=120,
    )
    done = run([sys.executable, "manage.py", "check"], env, timeout=120)

    assert debug.stdout.strip() == "False", debug.stderr
    assert done.returncode != 0
    for name in ("SECRET_KEY", "ALLOWED_HOSTS", "ERASURE_HMAC_KEY"):
        assert name in done.stderr, done.stderr


def test_manage_py_check_refuses_the_sandbox_with_debug_off(tmp_path):
    env = deployment_env(tmp_path, **SAFE, LINKEDIN_SANDBOX="on")

    done = run([sys.executable, "manage.py", "check"], env, timeout=120)

    assert done.returncode != 0
    assert "tracker_rsc.E003" in done.stderr and "LINKEDIN_SANDBOX" in done.stderr


def test_the_wsgi_application_refuses_to_load_with_unsafe_settings(tmp_path):
    # What gunicorn does: import tracker_rsc.wsgi (no system checks run on that path).
    probe = [sys.executable, "-c", "import tracker_rsc.wsgi"]

    refused = run(probe, deployment_env(tmp_path, DEBUG="off"), timeout=120)
    served = run(probe, deployment_env(tmp_path, **SAFE), timeout=120)

    assert refused.returncode != 0
    assert "ImproperlyConfigured" in refused.stderr and "SECRET_KEY" in refused.stderr
    assert served.returncode == 0, served.stderr


@pytest.mark.parametrize("kind", ["worker", "beat"])
def test_celery_refuses_to_start_with_unsafe_settings(tmp_path, kind):
    celery = str(Path(sys.executable).with_name("celery"))
    args = [celery, "-A", "tracker_rsc", kind, "-l", "info"]
    if kind == "worker":
        args += ["--pool", "solo", "--without-mingle", "--without-gossip"]

    done = run(args, deployment_env(tmp_path, DEBUG="off"), timeout=120)

    assert done.returncode != 0
    output = done.stdout + done.stderr
    assert "Refusing to start with DEBUG off" in output and "SECRET_KEY" in output


PROBE_SANDBOX_ABSENT = """
import json, django
django.setup()
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.urls import Resolver404, resolve
from tracker_rsc.celery import app as celery_app

def resolves(path):
    try:
        resolve(path)
    except Resolver404:
        return False
    return True

celery_app.loader.import_default_modules()
print(json.dumps({
    "installed": apps.is_installed("tracker_rsc.sandbox"),
    "urls": [p for p in ("/sandbox/linkedin/control/", "/sandbox/linkedin/oauth/v2/accessToken",
                         "/sandbox/linkedin/control/api/state") if resolves(p)],
    "admin": sorted(m._meta.app_label for m in admin.site._registry
                    if m._meta.app_label == "sandbox"),
    "tables": sorted(t for t in connection.introspection.table_names() if t.startswith("sandbox")),
    "migrations": sorted({app for app, _ in MigrationLoader(connection).graph.nodes
                          if app == "sandbox"}),
    "beat": sorted(k for k, v in settings.CELERY_BEAT_SCHEDULE.items()
                   if "sandbox" in k or v["task"].startswith("sandbox.")),
    "tasks": sorted(t for t in celery_app.tasks if t.startswith("sandbox.")),
    "client_secret": settings.LINKEDIN_CLIENT_SECRET,
}))
"""


def test_with_debug_off_the_sandbox_is_not_installed_at_all(tmp_path):
    env = deployment_env(tmp_path, **SAFE)
    migrated = run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], env)
    assert migrated.returncode == 0, migrated.stderr
    seeded = run(
        [
            *(sys.executable, "manage.py", "seed_demo", "--allow-production"),
            *("--candidates", "5", "--requisitions", "2"),
        ],
        env,
    )
    assert seeded.returncode == 0, seeded.stderr
    assert "sandbox" not in seeded.stdout.lower()

    probed = run([sys.executable, "-c", PROBE_SANDBOX_ABSENT], env, timeout=120)

    assert probed.returncode == 0, probed.stderr
    assert json.loads(probed.stdout.strip().splitlines()[-1]) == {
        "installed": False,
        "urls": [],
        "admin": [],
        "tables": [],
        "migrations": [],
        "beat": [],
        "tasks": [],
        "client_secret": "",  # never the sandbox's published secret
    }


def test_seed_demo_refuses_a_production_database_in_a_real_start(tmp_path):
    env = deployment_env(tmp_path, **SAFE)
    run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], env)

    refused = run([sys.executable, "manage.py", "seed_demo", "--candidates", "5"], env)
    users = run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.contrib.auth.models import User; "
            "print(User.objects.count())",
        ],
        env,
        timeout=120,
    )

    assert refused.returncode != 0
    assert "refuses to run with DEBUG off" in refused.stderr
    assert users.stdout.strip() == "0"
