"""Settings a production deployment turns on through the environment: object storage for CVs,
Sentry, JSON logs, and Celery time limits that stay below a short visibility timeout.

Each case starts a fresh interpreter, because the settings module reads the environment once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def settings_in(env: dict[str, str], code: str) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SENTRY_", "LOG_"))}
    clean.pop("CELERY_TASK_TIME_LIMIT", None)
    clean.pop("CELERY_TASK_SOFT_TIME_LIMIT", None)
    clean.pop("CELERY_VISIBILITY_TIMEOUT", None)
    script = "import django; django.setup(); from django.conf import settings\n" + code
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "tracker_rsc.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_without_a_bucket_cvs_stay_on_the_local_filesystem():
    out = settings_in({}, "print(settings.STORAGES['default']['BACKEND'])")
    assert out.strip() == "django.core.files.storage.FileSystemStorage"


def test_a_bucket_puts_cvs_in_private_object_storage_with_django_storages_variables():
    env = {
        "AWS_STORAGE_BUCKET_NAME": "cvs",
        "AWS_S3_ENDPOINT_URL": "http://127.0.0.1:9000",
        "AWS_ACCESS_KEY_ID": "key",
        "AWS_SECRET_ACCESS_KEY": "secret",
        "AWS_S3_REGION_NAME": "eu-west-2",
    }
    out = settings_in(
        env,
        "import json; from django.core.files.storage import default_storage as s\n"
        "print(json.dumps({'backend': settings.STORAGES['default']['BACKEND'],"
        " 'bucket': s.bucket_name, 'endpoint': s.endpoint_url, 'region': s.region_name,"
        " 'key': s.access_key, 'acl': s.default_acl, 'overwrite': s.file_overwrite,"
        " 'signed': s.querystring_auth}))",
    )
    assert json.loads(out) == {
        "backend": "storages.backends.s3.S3Storage",
        "bucket": "cvs",
        "endpoint": "http://127.0.0.1:9000",
        "region": "eu-west-2",
        "key": "key",
        "acl": "private",
        "overwrite": False,
        "signed": True,
    }


def test_sentry_is_off_without_a_dsn_and_on_with_django_and_celery_integrations():
    code = (
        "import sentry_sdk; c = sentry_sdk.get_client()\n"
        "print(c.is_active(), sorted(c.integrations))"
    )
    assert settings_in({}, code).startswith("False")
    out = settings_in({"SENTRY_DSN": "https://key@sentry.invalid/1"}, code)
    assert out.startswith("True")
    assert "'celery'" in out
    assert "'django'" in out


def test_json_log_lines_carry_the_task_id_and_the_sync_run_id():
    code = (
        "import logging; from tracker_rsc.log_format import bind_sync_run\n"
        "bind_sync_run(42); logging.getLogger('syncjobs').warning('step %s done', 3)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + code],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "tracker_rsc.settings", "LOG_FORMAT": "json"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert line["message"] == "step 3 done"
    assert line["level"] == "WARNING"
    assert line["logger"] == "syncjobs"
    assert line["sync_run_id"] == 42
    assert line["task_id"] == ""
    assert "time" in line


def test_an_unknown_log_format_is_refused_at_start():
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "tracker_rsc.settings", "LOG_FORMAT": "xml"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "LOG_FORMAT must be 'plain' or 'json'" in result.stderr


@pytest.mark.parametrize(
    ("visibility", "hard", "soft"), [("3600", 900, 840), ("40", 20, 16), ("3", 1, 1)]
)
def test_task_time_limits_stay_below_the_visibility_timeout(visibility, hard, soft):
    out = settings_in(
        {"CELERY_VISIBILITY_TIMEOUT": visibility},
        "print(settings.CELERY_TASK_TIME_LIMIT, settings.CELERY_TASK_SOFT_TIME_LIMIT)",
    )
    assert out.split() == [str(hard), str(soft)]
