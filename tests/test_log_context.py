"""The log context filter: the Celery task id of the running task and the bound sync run."""

from __future__ import annotations

import logging

from celery import current_app

from tracker_rsc.log_format import ContextFilter, bind_sync_run, clear_context


def record() -> logging.LogRecord:
    return logging.LogRecord("x", logging.INFO, __file__, 1, "hello", (), None)


def test_outside_a_task_the_ids_are_empty():
    clear_context()
    rec = record()
    assert ContextFilter().filter(rec) is True
    assert (rec.task_id, rec.task_name, rec.sync_run_id) == ("", "", None)


def test_inside_a_task_the_record_carries_its_id_and_the_bound_run():
    seen = {}

    @current_app.task(name="tests.log_context_probe")
    def probe() -> None:
        bind_sync_run(7)
        rec = record()
        ContextFilter().filter(rec)
        seen.update(task_id=rec.task_id, task_name=rec.task_name, run=rec.sync_run_id)

    probe.apply(task_id="abc-123")
    assert seen == {"task_id": "abc-123", "task_name": "tests.log_context_probe", "run": 7}


def test_an_explicit_extra_wins_over_the_bound_run():
    bind_sync_run(1)
    rec = record()
    rec.sync_run_id = 99
    ContextFilter().filter(rec)
    assert rec.sync_run_id == 99
    clear_context()


def test_claiming_a_sync_run_tags_the_following_log_lines_with_its_id(db):
    from syncjobs.models import SyncRun
    from syncjobs.runs import sync_run_start

    clear_context()
    run, _ = sync_run_start(kind=SyncRun.Kind.SEAT_SYNC)
    rec = record()
    ContextFilter().filter(rec)
    assert rec.sync_run_id == run.pk
    clear_context()
