"""The Celery wiring that docs/architecture.md §8 relies on: late acks, JSON only, time limits,
one beat."""

from __future__ import annotations

import json
import os
import runpy
from datetime import timedelta
from pathlib import Path

import pytest
from celery.schedules import maybe_schedule
from django.conf import settings
from django.utils import timezone

from tracker_rsc.celery import app

SETTINGS_FILE = Path(settings.BASE_DIR) / "tracker_rsc" / "settings.py"


def evaluate_settings(monkeypatch, tmp_path, **env: str) -> dict:
    """Run settings.py afresh under ``env`` (nothing else in the process changes)."""
    for name in (
        "REDIS_URL",
        "CELERY_BROKER_URL",
        "CELERY_VISIBILITY_TIMEOUT",
        "CELERY_TASK_TIME_LIMIT",
        "CELERY_TASK_SOFT_TIME_LIMIT",
        "CELERY_BROKER_POLLING_INTERVAL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TRACKER_VAR_DIR", str(tmp_path / "var"))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS_FILE))


def test_a_killed_worker_never_loses_a_task():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1


def test_messages_are_json_only():
    assert app.conf.task_serializer == "json"
    assert app.conf.result_serializer == "json"
    assert list(app.conf.accept_content) == ["json"]


def test_results_are_ignored_and_there_is_no_result_backend():
    assert app.conf.task_ignore_result is True
    assert app.conf.result_backend is None


def test_time_limits_stay_below_the_visibility_timeout():
    soft, hard = app.conf.task_soft_time_limit, app.conf.task_time_limit

    assert 0 < soft < hard < settings.CELERY_VISIBILITY_TIMEOUT
    if not app.conf.broker_url.startswith("filesystem://"):
        assert app.conf.broker_transport_options["visibility_timeout"] == (
            settings.CELERY_VISIBILITY_TIMEOUT
        )


def test_redis_broker_carries_the_visibility_timeout(monkeypatch, tmp_path):
    conf = evaluate_settings(
        monkeypatch, tmp_path, REDIS_URL="redis://127.0.0.1:6379/5", CELERY_VISIBILITY_TIMEOUT="600"
    )

    assert conf["CELERY_BROKER_URL"] == "redis://127.0.0.1:6379/5"
    assert conf["CELERY_BROKER_TRANSPORT_OPTIONS"]["visibility_timeout"] == 600
    # Derived limits follow a shorter visibility timeout down.
    assert conf["CELERY_TASK_SOFT_TIME_LIMIT"] < conf["CELERY_TASK_TIME_LIMIT"] < 600
    assert conf["CACHES"]["default"]["LOCATION"] == "redis://127.0.0.1:6379/5"


def test_embedded_default_uses_the_filesystem_broker_in_the_var_dir(monkeypatch, tmp_path):
    conf = evaluate_settings(monkeypatch, tmp_path)

    assert conf["CELERY_BROKER_URL"] == "filesystem://"
    options = conf["CELERY_BROKER_TRANSPORT_OPTIONS"]
    queue = tmp_path / "var" / "broker" / "queue"
    assert options["data_folder_in"] == options["data_folder_out"] == str(queue)
    assert queue.is_dir()
    assert conf["CELERY_TASK_SOFT_TIME_LIMIT"] < conf["CELERY_TASK_TIME_LIMIT"]
    assert conf["CELERY_TASK_TIME_LIMIT"] < conf["CELERY_VISIBILITY_TIMEOUT"]


def test_beat_uses_the_single_beat_scheduler():
    assert app.conf.beat_scheduler == "tracker_rsc.beat:SingleBeatScheduler"


def test_beat_schedule_is_present_and_every_entry_is_a_schedule():
    schedule = app.conf.beat_schedule

    assert schedule
    for name, entry in schedule.items():
        assert entry["task"], name
        next_run = maybe_schedule(entry["schedule"], app=app).remaining_estimate(timezone.now())
        assert timedelta(0) <= next_run <= timedelta(days=7), name


def _entry_for(task_suffix: str) -> dict:
    matches = [e for e in app.conf.beat_schedule.values() if e["task"].endswith(task_suffix)]
    assert len(matches) == 1, f"exactly one beat entry should run *{task_suffix}"
    return matches[0]


@pytest.mark.parametrize(
    ("task_suffix", "at_most"),
    [
        ("stub_import_all", timedelta(hours=1)),  # FAQ: InMail stub profiles hourly
        ("purge_check", timedelta(days=30)),  # LinkedIn: purge notices at least every 30 days
        ("seat_sync", timedelta(days=1)),  # seats pulled daily
        ("outbox_redrive", timedelta(minutes=5)),  # a lost enqueue is re-driven soon
        ("interaction_sync_all", timedelta(minutes=30)),  # InMails and notes every 30 min
        ("connection_sync", timedelta(hours=1)),  # connected projects reconciled hourly
        ("integration_housekeeping", timedelta(minutes=5)),  # a lost bulk sync step resumes
    ],
)
def test_schedule_meets_the_promised_cadence(task_suffix, at_most):
    entry = _entry_for(task_suffix)
    sched = maybe_schedule(entry["schedule"], app=app)
    now = timezone.now()

    # Whenever the last run was, the next one follows within `at_most`.
    for hours in range(0, 24 * 8, 7):
        last_run = now - timedelta(hours=hours, minutes=13)
        gap = sched.remaining_estimate(last_run) + (now - last_run)
        assert gap <= at_most + timedelta(seconds=1), (task_suffix, last_run)


def test_every_beat_task_is_registered_after_autodiscovery():
    app.loader.import_default_modules()

    registered = set(app.tasks.keys())
    missing = {
        name: entry["task"]
        for name, entry in app.conf.beat_schedule.items()
        if entry["task"] not in registered
    }
    assert missing == {}


def test_smoke_task_is_registered():
    assert "tracker_rsc.smoke" in app.tasks


def test_the_filesystem_broker_keeps_every_folder_under_the_var_dir(monkeypatch, tmp_path):
    # kombu's default control folder is ``control/`` in whatever directory a process starts in.
    evaluated = evaluate_settings(monkeypatch, tmp_path)
    broker_dir = tmp_path / "var" / "broker"
    options = evaluated["CELERY_BROKER_TRANSPORT_OPTIONS"]

    for name in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        assert Path(options[name]).is_relative_to(broker_dir), name


def test_the_filesystem_broker_is_polled_often_enough_to_feel_immediate(monkeypatch, tmp_path):
    # kombu's default (1 s) made every task of the embedded default wait about a second.
    default = evaluate_settings(monkeypatch, tmp_path)["CELERY_BROKER_TRANSPORT_OPTIONS"]
    tuned = evaluate_settings(monkeypatch, tmp_path, CELERY_BROKER_POLLING_INTERVAL="0.2")
    redis = evaluate_settings(monkeypatch, tmp_path, REDIS_URL="redis://127.0.0.1:6379/5")

    assert default["polling_interval"] == 0.05
    assert tuned["CELERY_BROKER_TRANSPORT_OPTIONS"]["polling_interval"] == 0.2
    # Redis pushes messages to the worker: no polling to tune there.
    assert "polling_interval" not in redis["CELERY_BROKER_TRANSPORT_OPTIONS"]


def test_the_filesystem_broker_never_shows_a_worker_a_half_written_message(monkeypatch, tmp_path):
    # kombu's own channel creates the message file empty and then writes it: a worker polling
    # in between took the empty file and the task was lost.
    from kombu import Connection
    from kombu.transport import filesystem

    import tracker_rsc.broker

    seen_while_writing: list[list[str]] = []

    def dumps_and_look(payload):
        seen_while_writing.append(os.listdir(tmp_path))
        return json.dumps(payload)

    monkeypatch.setattr(filesystem, "dumps", dumps_and_look)
    monkeypatch.setattr(tracker_rsc.broker, "dumps", dumps_and_look)
    folders = {"data_folder_in": str(tmp_path), "data_folder_out": str(tmp_path)}
    with Connection("filesystem://", transport_options=folders) as connection:
        channel = connection.default_channel
        channel._put("tasks", {"body": "whole"})

        assert seen_while_writing and all(
            name.partition(".")[2] != "tasks.msg" for name in seen_while_writing[0]
        )
        assert isinstance(channel, tracker_rsc.broker.Channel)
        assert channel._get("tasks") == {"body": "whole"}
        assert os.listdir(tmp_path) == []
