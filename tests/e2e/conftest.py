"""End-to-end fixtures: a real headless Chromium (Debian's) driven by Playwright.

Never runs ``playwright install``: the browser is Debian's ``chromium`` package. The tests skip,
saying why, when it or the playwright package is missing. Screenshots of the main pages are
written to ``tests/e2e/screenshots/`` (git-ignored) on every run, for a person to look at.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).parent / "screenshots"
PASSWORD = "pass-word-123"  # the factories' password

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None


def _skip_reason() -> str:
    if sync_playwright is None:
        return "playwright is not installed (pip install -e '.[dev]')"
    if not (os.path.exists(CHROMIUM) and shutil.which(CHROMIUM)):
        return f"{CHROMIUM} is missing (apt-get install -y chromium)"
    return ""


@pytest.fixture(autouse=True)
def _e2e_environment(monkeypatch):
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    # No worker runs in these tests: publishing a task is recorded instead of reaching a
    # broker, so a save leaves its outbox event queued, as it would with the worker down.
    published: list[str] = []
    monkeypatch.setattr(
        "celery.app.task.Task.apply_async",
        lambda self, *args, **kwargs: published.append(self.name),
    )


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    SCREENSHOTS.mkdir(exist_ok=True)
    # Playwright's sync API keeps an event loop in this thread while the browser lives; the
    # ORM calls that tests and database fixtures make meanwhile are still plain synchronous
    # code, which Django's async-safety check would refuse.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield chromium
        chromium.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    context.set_default_timeout(120_000)  # the shared CI machine can be very slow
    tab = context.new_page()
    yield tab
    context.close()


def sign_in(page, username: str, password: str = PASSWORD, next_url: str = "/candidates/") -> None:
    page.goto(f"/accounts/login/?next={next_url}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"**{next_url}")


def screenshot(page, name: str) -> Path:
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
