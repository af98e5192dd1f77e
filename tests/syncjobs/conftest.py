"""Fixtures of the sync job tests (shared by several modules of this folder)."""

from __future__ import annotations

# The LinkedIn fakes and sandbox wiring of the notification, export and stub-import tests.
from tests.syncjobs.linkedin_fakes import (  # noqa: F401
    fake_linkedin,
    linkedin_secret,
    no_sandbox_broker,
    published,
    sandbox_control,
    sandbox_linkedin,
)
