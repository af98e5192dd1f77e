#!/usr/bin/env python3
"""``make prod-smoke``: start Tracker's production topology on this machine and drive it.

What it starts (each process in a process group of its own, all stopped at the end, also on a
failure or Ctrl-C):

- a local S3 server (moto) with a bucket for CVs;
- the LinkedIn sandbox as a **separate server** (gunicorn, ``DEBUG=on LINKEDIN_SANDBOX=on``,
  its own database and port), reached by Tracker only through ``LINKEDIN_API_URL`` and
  ``LINKEDIN_TOKEN_URL`` as LinkedIn would be; it has no worker of its own, so this script
  plays LinkedIn's push delivery with the sandbox's control API (``deliver``);
- Tracker with ``DEBUG=off``: gunicorn with ``gunicorn.conf.py`` (workers from the CPU count)
  serving static files from WhiteNoise's manifest; **two** Celery workers with different
  hostnames, each in its own temporary working directory and ``TRACKER_VAR_DIR`` (as if on
  two machines: CVs only in the bucket); one beat; PostgreSQL and Redis.

What it does, over HTTP only, as an admin, a recruiter and LinkedIn would: logs into the admin
with a superuser it created, creates candidates through the API, enables the integration,
waits for the bulk sync and checks every candidate's LinkedIn link; creates two jobs, connects
one in LinkedIn; exports members from the sandbox; uploads a CV for each exported candidate in
the admin (stored in the bucket); shortlists them on the connected job while LinkedIn is slow,
SIGKILLs the worker that is sending the CVs, and checks that the other worker delivers every
CV to LinkedIn byte for byte (acks late, a short visibility timeout, stale claims re-driven).
It prints its timings per phase and a summary.

Needs PostgreSQL and Redis: ``PROD_SMOKE_DATABASE_URL`` (a URL whose user may create
databases; default ``postgres://postgres@127.0.0.1:5432/postgres``), ``PROD_SMOKE_REDIS_URL``
(a Redis database of its own, flushed at the start and the end; default
``redis://127.0.0.1:6379/6``). It creates and drops its own two databases (names start with
``PROD_SMOKE_DB_PREFIX``, default ``prod_smoke``). ``--keep`` keeps the temporary folder
(logs) and the databases for a look afterwards.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import html.parser
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import boto3
import psycopg
import redis
import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

# The production commands; compose.yaml runs the same ones (tests/test_prod_topology.py).
COMMANDS = {
    "migrate": ["python", "manage.py", "migrate", "--noinput"],
    "web": ["gunicorn", "tracker_rsc.wsgi", "-c", "gunicorn.conf.py"],
    "worker": ["celery", "-A", "tracker_rsc", "worker", "-l", "info"],
    "beat": ["celery", "-A", "tracker_rsc", "beat", "-l", "info"],
}

ORGANIZATION = "urn:li:organization:2414183"  # the sandbox's seeded organization
CONTRACT = "urn:li:contract:100"
ADMIN_SEAT = "urn:li:seat:5001"  # a Recruiter Admin seat: may export to and connect any job
ADMIN_USER = "smoke-admin"
VISIBILITY_TIMEOUT = 30  # seconds; the settings derive task limits of 15 s hard / 12 s soft
MATCHED = 12  # Tracker candidates that have a LinkedIn member with the same e-mail
UNMATCHED = 8  # Tracker candidates LinkedIn does not know
EXPORTED = 3  # members exported from LinkedIn, then given a CV and shortlisted
SLOW_ATTACHMENT_MS = 6000  # LinkedIn's answer to the first CV upload takes this long


class SmokeFailure(Exception):
    pass


def check(condition: object, message: str) -> None:
    if not condition:
        raise SmokeFailure(message)


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(what: str, probe: Callable[[], Any], timeout: float, interval: float = 0.5) -> Any:
    """Call ``probe`` until it returns something truthy; SmokeFailure after ``timeout``."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            result = probe()
        except (requests.RequestException, SmokeFailure, KeyError, ValueError) as exc:
            last_error = exc
            result = None
        if result:
            return result
        time.sleep(interval)
    detail = f" (last error: {last_error})" if last_error else ""
    raise SmokeFailure(f"timed out after {timeout:.0f}s waiting for {what}{detail}")


# --- Processes --------------------------------------------------------------------------------


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen
    log: Path

    def alive(self) -> bool:
        return self.popen.poll() is None

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@dataclass
class Topology:
    work: Path
    procs: dict[str, Proc] = field(default_factory=dict)

    def start(self, name: str, command: list[str], env: dict[str, str], cwd: Path) -> Proc:
        log = self.work / "logs" / f"{name}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        handle = log.open("ab")
        popen = subprocess.Popen(  # noqa: S603 - our own commands
            command,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped as a whole
        )
        handle.close()
        proc = Proc(name, popen, log)
        self.procs[name] = proc
        return proc

    def kill(self, name: str) -> None:
        """SIGKILL a process and its children, as a machine that loses power would."""
        proc = self.procs[name]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.popen.pid, signal.SIGKILL)
        proc.popen.wait(timeout=10)

    def stop_all(self, grace: float = 15) -> None:
        """SIGTERM every process group, SIGKILL what is left after ``grace`` seconds."""
        running = [p for p in self.procs.values() if p.alive()]
        started = time.monotonic()
        for proc in running:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.popen.pid, signal.SIGTERM)
        for proc in running:
            remaining = max(0.1, started + grace - time.monotonic())
            try:
                proc.popen.wait(timeout=remaining)
            except subprocess.TimeoutExpired:
                say(f"    {proc.name} still running after {grace:.0f}s: SIGKILL")
            else:
                if (took := time.monotonic() - started) > 3:
                    say(f"    {proc.name} took {took:.0f}s to stop")
        for proc in self.procs.values():
            # Children of a process that exited may linger in its group.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.popen.pid, signal.SIGKILL)
            if proc.popen.poll() is None:
                proc.popen.wait(timeout=10)

    def assert_running(self) -> None:
        for proc in self.procs.values():
            if proc.name in {"worker-a", "worker-b"} and proc.popen.returncode == -signal.SIGKILL:
                continue
            check(proc.alive(), f"{proc.name} exited ({proc.popen.returncode}):\n{proc.tail()}")


# --- Timings ----------------------------------------------------------------------------------

TIMINGS: list[tuple[str, float]] = []
CHECKED: list[str] = []


@contextlib.contextmanager
def phase(name: str) -> Iterator[None]:
    say(f"--> {name}")
    started = time.monotonic()
    try:
        yield
    finally:
        elapsed = time.monotonic() - started
        TIMINGS.append((name, elapsed))
        say(f"    {name}: {elapsed:.1f}s")


def checked(message: str) -> None:
    CHECKED.append(message)
    say(f"    ok: {message}")


# --- HTTP clients -----------------------------------------------------------------------------


class FormParser(html.parser.HTMLParser):
    """Every form of a page with the fields a browser would post (no buttons, no files)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[dict[str, str], list[tuple[str, str]]]] = []
        self._current: list[tuple[str, str]] | None = None
        self._select: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._current = []
            self.forms.append((a, self._current))
            return
        if self._current is None:
            return
        name = a.get("name", "")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in {"submit", "button", "image", "file", "reset"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in a:
                return
            self._current.append((name, a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self._current.append((self._select, a.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._current is None:
            return
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self._current.append((self._textarea, "".join(self._text).removeprefix("\n")))
            self._textarea = None
        elif tag == "form":
            self._current = None

    def fields_of(self, *, form_id: str = "", field_name: str = "") -> list[tuple[str, str]]:
        for attrs, fields in self.forms:
            if form_id and attrs.get("id") == form_id:
                return fields
            if field_name and any(name == field_name for name, _ in fields):
                return fields
        raise SmokeFailure(f"no form {form_id or 'with the field ' + field_name} on the page")


class Browser:
    """A requests session that behaves like a signed-in person: cookies and Django's CSRF."""

    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")
        self.http = requests.Session()

    def url(self, path: str) -> str:
        return path if path.startswith("http") else f"{self.base}{path}"

    def csrf(self) -> dict[str, str]:
        token = self.http.cookies.get("csrftoken", "")
        return {"X-CSRFToken": token, "Referer": self.base + "/"}

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 30)
        return self.http.get(self.url(path), **kwargs)

    def post_json(self, path: str, data: object, expect: tuple[int, ...] = (200, 201)) -> Any:
        answer = self.http.post(self.url(path), json=data, headers=self.csrf(), timeout=60)
        check(
            answer.status_code in expect,
            f"POST {path} answered {answer.status_code}: {answer.text[:500]}",
        )
        return answer.json()

    def get_json(self, path: str, **params: Any) -> Any:
        answer = self.get(path, params=params)
        check(answer.status_code == 200, f"GET {path} answered {answer.status_code}")
        return answer.json()

    def admin_login(self, username: str, password: str) -> None:
        self.get("/admin/login/")
        answer = self.http.post(
            self.url("/admin/login/?next=/admin/"),
            data={
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": self.http.cookies.get("csrftoken", ""),
                "next": "/admin/",
            },
            headers={"Referer": self.url("/admin/login/")},
            timeout=30,
            allow_redirects=False,
        )
        check(
            answer.status_code == 302 and "sessionid" in self.http.cookies,
            f"admin login as {username} failed ({answer.status_code})",
        )

    def submit_form(
        self,
        path: str,
        changes: dict[str, str],
        files: dict[str, tuple[str, bytes, str]] | None = None,
        form_id: str = "",
        field_name: str = "",
    ) -> requests.Response:
        """GET the page, keep the form's fields as a browser would, change some, and POST."""
        page = self.get(path)
        check(page.status_code == 200, f"GET {path} answered {page.status_code}")
        parser = FormParser()
        parser.feed(page.text)
        fields = parser.fields_of(form_id=form_id, field_name=field_name)
        data = [(k, v) for k, v in fields if k not in changes] + list(changes.items())
        return self.http.post(
            self.url(path),
            data=data,
            files=files,
            headers={"Referer": self.url(path)},
            timeout=60,
            allow_redirects=False,
        )


# --- Set-up -----------------------------------------------------------------------------------


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def create_databases(admin_url: str, names: list[str]) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')


def drop_databases(admin_url: str, names: list[str]) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_together(commands: list[tuple[list[str], dict[str, str]]], timeout: int = 600) -> None:
    """Run independent one-shot commands side by side; SmokeFailure naming any that failed."""
    running = [
        (
            command,
            subprocess.Popen(  # noqa: S603 - our own commands
                tool(command),
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            ),
        )
        for command, env in commands
    ]
    failures = []
    for command, process in running:
        output, _ = process.communicate(timeout=timeout)
        if process.returncode != 0:
            failures.append(f"{' '.join(command)} failed:\n{output}")
    check(not failures, "\n".join(failures))


def tool(command: list[str]) -> list[str]:
    """The command with its program from this virtualenv (python, gunicorn, celery)."""
    program = command[0]
    path = sys.executable if program == "python" else str(BIN / program)
    return [path, *command[1:]]


@dataclass
class Config:
    work: Path
    web_url: str
    sandbox_url: str
    s3_url: str
    bucket: str
    password: str
    tracker_env: dict[str, str]
    sandbox_env: dict[str, str]
    var_dirs: dict[str, Path]


def base_env() -> dict[str, str]:
    keep = {"PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "SYSTEMROOT"}
    env = {k: v for k, v in os.environ.items() if k in keep}
    env["PYTHONPATH"] = str(ROOT)
    env["PYTHONUNBUFFERED"] = "1"
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


def make_config(
    work: Path, *, database_url: str, sandbox_database_url: str, redis_url: str
) -> Config:
    web_port, sandbox_port, s3_port = free_port(), free_port(), free_port()
    web_url = f"http://127.0.0.1:{web_port}"
    sandbox_url = f"http://127.0.0.1:{sandbox_port}"
    s3_url = f"http://127.0.0.1:{s3_port}"
    client_id = f"smoke-{secrets.token_hex(4)}"
    client_secret = secrets.token_urlsafe(32)
    bucket = f"tracker-cvs-{secrets.token_hex(4)}"
    var_dirs = {name: work / name / "var" for name in ("web", "worker-a", "worker-b", "beat")}
    var_dirs["sandbox"] = work / "sandbox" / "var"
    for folder in var_dirs.values():
        folder.mkdir(parents=True)
    tracker_env = {
        **base_env(),
        "DEBUG": "off",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ERASURE_HMAC_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": web_url,
        "CSRF_TRUSTED_ORIGINS": web_url,
        # Plain HTTP on the loopback: a browser would not send secure cookies back.
        "SESSION_COOKIE_SECURE": "off",
        "CSRF_COOKIE_SECURE": "off",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        "CELERY_WORKER_CONCURRENCY": "1",
        "STATIC_ROOT": str(work / "staticfiles"),
        "AWS_STORAGE_BUCKET_NAME": bucket,
        "AWS_S3_ENDPOINT_URL": s3_url,
        "AWS_ACCESS_KEY_ID": "smoke-access-key",
        "AWS_SECRET_ACCESS_KEY": "smoke-secret-key",
        "AWS_S3_REGION_NAME": "us-east-1",
        "LINKEDIN_SANDBOX": "off",
        "LINKEDIN_API_URL": f"{sandbox_url}/sandbox/linkedin",
        "LINKEDIN_TOKEN_URL": f"{sandbox_url}/sandbox/linkedin/oauth/v2/accessToken",
        "LINKEDIN_CLIENT_ID": client_id,
        "LINKEDIN_CLIENT_SECRET": client_secret,
        "LINKEDIN_RETRY_BASE_WAIT": "0.2",
        "LOG_FORMAT": "json",
        "SENTRY_DSN": "",
        "GUNICORN_GRACEFUL_TIMEOUT": "5",  # stopping at the end need not wait long
    }
    sandbox_env = {
        **base_env(),
        "DEBUG": "on",
        "LINKEDIN_SANDBOX": "on",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": sandbox_url,
        "CSRF_TRUSTED_ORIGINS": sandbox_url,
        "DATABASE_URL": sandbox_database_url,
        "TRACKER_VAR_DIR": str(var_dirs["sandbox"]),
        # The registered LinkedIn application (checked at the token URL, signs the pushes)
        # and where it may call back: Tracker only.
        "LINKEDIN_SANDBOX_CLIENT_ID": client_id,
        "LINKEDIN_SANDBOX_CLIENT_SECRET": client_secret,
        "LINKEDIN_CLIENT_ID": client_id,
        "LINKEDIN_CLIENT_SECRET": client_secret,
        "LINKEDIN_SANDBOX_CALLBACK_ORIGINS": web_url,
        "GUNICORN_WORKERS": "2",
        "GUNICORN_THREADS": "4",
        "GUNICORN_GRACEFUL_TIMEOUT": "5",
        "GUNICORN_BIND": f"127.0.0.1:{sandbox_port}",
    }
    tracker_env["GUNICORN_BIND"] = f"127.0.0.1:{web_port}"
    return Config(
        work=work,
        web_url=web_url,
        sandbox_url=sandbox_url,
        s3_url=s3_url,
        bucket=bucket,
        password=secrets.token_urlsafe(16),
        tracker_env=tracker_env,
        sandbox_env=sandbox_env,
        var_dirs=var_dirs,
    )


def env_for(config: Config, name: str) -> dict[str, str]:
    return {**config.tracker_env, "TRACKER_VAR_DIR": str(config.var_dirs[name])}


def s3_client(config: Config) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=config.s3_url,
        aws_access_key_id="smoke-access-key",
        aws_secret_access_key="smoke-secret-key",  # noqa: S106 - moto's local server
        region_name="us-east-1",
    )


def prepare(top: Topology, config: Config) -> None:
    """Object storage, both databases' schemas, static files and the two superusers."""
    top.start(
        "s3",
        [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", config.s3_url.rsplit(":", 1)[1]],
        base_env(),
        config.work,
    )
    wait_until("the S3 server", lambda: requests.get(config.s3_url, timeout=2).ok, 30)
    s3_client(config).create_bucket(Bucket=config.bucket)

    web_env, sandbox_env = env_for(config, "web"), config.sandbox_env
    started = time.monotonic()
    run_together([(COMMANDS["migrate"], web_env), (COMMANDS["migrate"], sandbox_env)])
    say(f"    both databases migrated in {time.monotonic() - started:.1f}s")
    superuser = [
        "python",
        "manage.py",
        "createsuperuser",
        "--noinput",
        "--username",
        ADMIN_USER,
        "--email",
        "smoke-admin@example.com",
    ]
    password = {"DJANGO_SUPERUSER_PASSWORD": config.password}
    run_together(
        [
            (["python", "manage.py", "collectstatic", "--noinput", "-v", "0"], web_env),
            (["python", "manage.py", "seed_sandbox"], sandbox_env),
            (superuser, {**web_env, **password}),
            (superuser, {**sandbox_env, **password}),
        ]
    )
    checked("migrated both databases, collected static files, created the superusers")


def start_services(top: Topology, config: Config) -> None:
    top.start("sandbox", tool(COMMANDS["web"]), config.sandbox_env, ROOT)
    top.start("web", tool(COMMANDS["web"]), env_for(config, "web"), ROOT)
    for name in ("worker-a", "worker-b"):
        # Its own working directory and var dir, as on a machine of its own.
        cwd = config.var_dirs[name].parent
        top.start(name, tool([*COMMANDS["worker"], "-n", f"{name}@%h"]), env_for(config, name), cwd)
    beat_cwd = config.var_dirs["beat"].parent
    top.start("beat", tool(COMMANDS["beat"]), env_for(config, "beat"), beat_cwd)

    def healthy() -> bool:
        top.assert_running()
        return requests.get(f"{config.web_url}/healthz/", timeout=5).status_code == 200

    wait_until("Tracker's /healthz/", healthy, 90)
    wait_until(
        "the sandbox server",
        lambda: requests.get(f"{config.sandbox_url}/admin/login/", timeout=5).ok,
        90,
    )
    for name in ("worker-a", "worker-b"):
        wait_until(f"{name} ready", lambda n=name: "ready" in top.procs[n].log.read_text(), 90)
    wait_until("beat to take the lock", lambda: "beat lock taken" in top.procs["beat"].tail(), 60)
    checked("gunicorn, two workers (worker-a, worker-b), beat and the sandbox server are up")


# --- The run ----------------------------------------------------------------------------------


def check_web_production_mode(config: Config) -> None:
    login = requests.get(f"{config.web_url}/admin/login/", timeout=10)
    check(login.status_code == 200, "the admin login page does not answer 200")
    css = re.search(r'href="(/static/admin/css/base\.[0-9a-f]{12}\.css)"', login.text)
    check(css, "the admin's stylesheet is not served under a hashed (manifest) name")
    static = requests.get(f"{config.web_url}{css.group(1)}", timeout=10)
    check(static.status_code == 200, f"{css.group(1)} answered {static.status_code}")
    check(
        "immutable" in static.headers.get("Cache-Control", ""),
        "WhiteNoise does not serve the hashed file as immutable",
    )
    missing = requests.get(f"{config.web_url}/no-such-page/", timeout=10)
    check(missing.status_code == 404, "an unknown URL does not answer 404")
    check("URLconf" not in missing.text, "the 404 page is Django's debug page: DEBUG is on")
    sandbox = requests.get(f"{config.web_url}/sandbox/linkedin/control/", timeout=10)
    check(sandbox.status_code == 404, "Tracker serves a sandbox with LINKEDIN_SANDBOX=off")
    checked("DEBUG off: hashed static files from WhiteNoise (immutable), plain 404, no sandbox")


def admin_user_id(tracker: Browser) -> int:
    page = tracker.get("/admin/auth/user/", params={"q": ADMIN_USER})
    found = re.search(r"/admin/auth/user/(\d+)/change/", page.text)
    check(found, "the superuser is not listed in the admin")
    return int(found.group(1))


def create_people(tracker: Browser, sandbox: Browser) -> dict[str, Any]:
    people: dict[str, Any] = {"matched": [], "unmatched": [], "exported": []}
    for i in range(MATCHED + UNMATCHED + EXPORTED):
        group = "matched" if i < MATCHED else "unmatched" if i < MATCHED + UNMATCHED else "exported"
        person = {
            "first_name": f"Smoke{i:02d}",
            "last_name": f"Tester{chr(65 + i % 26)}",
            "email": f"smoke.{i:02d}.{secrets.token_hex(3)}@example.com",
        }
        if group != "unmatched":
            member = sandbox.post_json(
                "/sandbox/linkedin/control/api/members",
                {
                    "first_name": person["first_name"],
                    "last_name": person["last_name"],
                    "emails": [person["email"]],
                    "headline": "Data Engineer",
                    "skills": ["Python", "SQL", "Airflow"],
                },
            )["member"]
            person["person_urn"] = member["person_urn"]
        if group != "exported":
            created = tracker.post_json(
                "/api/v1/candidates/", {**{k: person[k] for k in person if k != "person_urn"}}
            )
            person["id"] = created["id"]
        people[group].append(person)
    checked(
        f"{MATCHED + UNMATCHED} candidates created through Tracker's API, "
        f"{MATCHED + EXPORTED} members in LinkedIn"
    )
    return people


def enable_and_bulk_sync(
    tracker: Browser, sandbox: Browser, people: dict[str, Any], owner: int
) -> None:
    answer = tracker.submit_form(
        "/admin/tracker_rsc/integration/enable/",
        {"organization_urn": ORGANIZATION, "contract_urns": CONTRACT},
        field_name="organization_urn",
    )
    check(answer.status_code == 302, f"enabling answered {answer.status_code}: {answer.text[:300]}")

    # LinkedIn data is shown only to users with a Recruiter seat: the admin maps the seat
    # LinkedIn reports (seat sync, started by enabling) to itself, as on the seats page.
    def seat_page() -> str:
        page = tracker.get("/admin/tracker_rsc/linkedinseat/", params={"q": ADMIN_SEAT})
        found = re.search(r"/admin/tracker_rsc/linkedinseat/(\d+)/change/", page.text)
        return found.group(0) if found else ""

    seat_url = wait_until(f"seat {ADMIN_SEAT} from LinkedIn's seat sync", seat_page, 60, 1)
    answer = tracker.submit_form(
        seat_url, {"user": str(owner), "_save": "Save"}, form_id=("linkedinseat_form")
    )
    check(answer.status_code == 302, f"mapping the seat answered {answer.status_code}")

    def all_linked() -> bool:
        linked = tracker.get_json("/api/v1/candidates/", linked="true")["results"]
        return len(linked) >= MATCHED

    wait_until("the bulk sync to link every matched candidate", all_linked, 90, interval=1)
    for person in people["matched"]:
        record = tracker.get_json(f"/api/v1/candidates/{person['id']}/")
        link = record.get("linkedin") or {}
        check(
            link.get("person_urn") == person["person_urn"],
            f"candidate {person['id']} is linked to {link} instead of {person['person_urn']}",
        )
    for person in people["unmatched"]:
        record = tracker.get_json(f"/api/v1/candidates/{person['id']}/")
        check(record.get("linkedin") is None, f"candidate {person['id']} is linked: {record}")
    at_linkedin = {
        row["candidate_id"]: row
        for row in sandbox.get_json("/sandbox/linkedin/control/api/candidates")["candidates"]
    }
    for person in people["matched"] + people["unmatched"]:
        row = at_linkedin.get(str(person["id"]))
        check(row is not None, f"candidate {person['id']} never reached LinkedIn")
        emails = json.dumps(row["record"]).lower()
        check(person["email"] in emails, f"LinkedIn has another e-mail for {person['id']}")
    checked(
        f"seat {ADMIN_SEAT} mapped to the admin; bulk sync: {MATCHED} candidates linked to the "
        f"right member, {UNMATCHED} unlinked, "
        f"all {MATCHED + UNMATCHED} records at LinkedIn with their e-mail"
    )


def deliver_pushes(sandbox: Browser) -> None:
    sandbox.post_json("/sandbox/linkedin/control/api/deliver", {"force": True})


def create_jobs(tracker: Browser, sandbox: Browser, owner: int) -> tuple[int, int]:
    ids = []
    for title in ("Data Engineer (connected)", "Analytics Engineer"):
        job = tracker.post_json(
            "/api/v1/requisitions/",
            {
                "title": title,
                "description": "Pipelines in Python and SQL.",
                "location": "London",
                "client_name": "Smoke Ltd",
                "owners": [owner],
                "availability": "public",
            },
        )
        ids.append(job["id"])
    connected, other = ids

    def listed() -> bool:
        state = sandbox.get_json("/sandbox/linkedin/control/api/state")
        postings = {p["id"]: p["state"] for p in state["job_postings"]}
        return all(postings.get(str(i)) == "LISTED" for i in ids)

    wait_until("both jobs to be listed at LinkedIn", listed, 60)
    sandbox.post_json(
        "/sandbox/linkedin/control/api/connect",
        {"seat": ADMIN_SEAT, "requisition_id": str(connected), "project_name": "Smoke project"},
    )

    def is_connected() -> bool:
        deliver_pushes(sandbox)
        job = tracker.get_json(f"/api/v1/requisitions/{connected}/")
        return bool(job.get("connection"))

    wait_until("Tracker to record the job's project connection", is_connected, 60, interval=1)
    checked(f"jobs {connected} and {other} listed at LinkedIn; {connected} connected to a project")
    return connected, other


def export_from_linkedin(tracker: Browser, sandbox: Browser, people: dict, job: int) -> None:
    for person in people["exported"]:
        sandbox.post_json(
            "/sandbox/linkedin/control/api/export",
            {
                "seat": ADMIN_SEAT,
                "member": person["person_urn"],
                "requisition_id": str(job),
                "email": person["email"],  # the recruiter shares the member's e-mail
            },
        )

    def arrived() -> bool:
        deliver_pushes(sandbox)
        for person in people["exported"]:
            if "id" in person:
                continue
            found = tracker.get_json("/api/v1/candidates/", email=person["email"])["results"]
            if not found:
                return False
            person["id"] = found[0]["id"]
        return True

    wait_until("the exported candidates in Tracker", arrived, 90, interval=1)
    for person in people["exported"]:
        record = tracker.get_json(f"/api/v1/candidates/{person['id']}/")
        check(
            (record["first_name"], record["last_name"])
            == (person["first_name"], person["last_name"]),
            f"exported candidate {person['id']} has another name: {record}",
        )
        check(record["source"] == "export_to_ats", f"candidate {person['id']}: {record['source']}")
        check(
            (record.get("linkedin") or {}).get("person_urn") == person["person_urn"],
            f"exported candidate {person['id']} is not linked to {person['person_urn']}",
        )
        placements = tracker.get_json("/api/v1/placements/", candidate=person["id"])["results"]
        check(
            [p["requisition"] for p in placements] == [job],
            f"exported candidate {person['id']} is not shortlisted on job {job}: {placements}",
        )
    checked(f"{EXPORTED} members exported from LinkedIn: created, linked, shortlisted on {job}")


def upload_cvs(tracker: Browser, config: Config, people: dict) -> dict[int, bytes]:
    cvs: dict[int, bytes] = {}
    for person in people["exported"]:
        content = b"%PDF-1.4\n% smoke CV of " + person["email"].encode() + secrets.token_bytes(64)
        answer = tracker.submit_form(
            f"/admin/candidates/candidate/{person['id']}/change/",
            {"_save": "Save"},
            files={"cv_file": (f"cv-{person['first_name']}.pdf", content, "application/pdf")},
            form_id="candidate_form",
        )
        check(
            answer.status_code == 302,
            f"saving the CV of {person['id']} answered {answer.status_code}: "
            f"{re.findall(r'errorlist[^>]*>(.*?)</ul>', answer.text)[:3]}",
        )
        cvs[person["id"]] = content
        download = tracker.get(f"/candidates/{person['id']}/cv/")
        check(download.content == content, f"the CV of {person['id']} reads back differently")
    objects = s3_client(config).list_objects_v2(Bucket=config.bucket).get("Contents", [])
    stored = {
        s3_client(config).get_object(Bucket=config.bucket, Key=o["Key"])["Body"].read()
        for o in objects
    }
    check(stored == set(cvs.values()), "the bucket does not hold exactly the uploaded CVs")
    local = [p for d in config.var_dirs.values() for p in d.rglob("*") if p.suffix == ".pdf"]
    check(not local, f"CV files on a local disk: {local}")
    checked(f"{EXPORTED} CVs uploaded in the admin: in the bucket only, downloadable from the web")
    return cvs


def task_lines(proc: Proc, offset: int) -> list[dict[str, Any]]:
    """The JSON log lines a worker wrote after ``offset`` bytes (other lines are skipped)."""
    with proc.log.open("rb") as handle:
        handle.seek(offset)
        raw = handle.read().decode(errors="replace")
    lines = []
    for line in raw.splitlines():
        with contextlib.suppress(ValueError):
            record = json.loads(line)
            if isinstance(record, dict):
                lines.append(record)
    return lines


def in_flight_since(lines: list[dict[str, Any]], task: str) -> str | None:
    """When the oldest ``task`` that this worker received and has not finished arrived."""
    finished = {
        match
        for line in lines
        for match in re.findall(
            rf"{re.escape(task)}\[([0-9a-f-]+)\] (?:succeeded|raised|failed)",
            str(line.get("message", "")),
        )
    }
    for line in lines:
        received = re.search(
            rf"{re.escape(task)}\[([0-9a-f-]+)\] received", line.get("message", "")
        )
        if received and received.group(1) not in finished:
            return str(line.get("time", ""))
    return None


def _messages(lines: list[dict[str, Any]]) -> str:
    return "\n".join(str(line.get("message", "")) for line in lines)


def shortlist_and_kill(
    top: Topology, tracker: Browser, sandbox: Browser, people: dict, cvs: dict, job: int
) -> dict[str, Any]:
    # LinkedIn answers the first CV upload slowly, and then with a 503 without storing it: the
    # worker sending it is killed meanwhile, so only the other worker can deliver that CV.
    for fault in (
        {"kind": "latency", "latency_ms": SLOW_ATTACHMENT_MS},
        {"kind": "http_503"},
    ):
        sandbox.post_json(
            "/sandbox/linkedin/control/api/faults", {"endpoint": "attachments", "count": 1, **fault}
        )
    offsets = {n: top.procs[n].log.stat().st_size for n in ("worker-a", "worker-b")}
    for person in people["exported"]:
        tracker.post_json("/api/v1/placements/", {"candidate": person["id"], "requisition": job})

    def slow_call_in_flight() -> bool:
        faults = sandbox.get_json("/sandbox/linkedin/control/api/faults", active="all")["faults"]
        return any(f["kind"] == "latency" and f["fired"] for f in faults)

    wait_until("a worker to be sending a CV to LinkedIn", slow_call_in_flight, 60, interval=0.2)
    # The slow call is the first CV upload: made by the worker whose unfinished dispatch
    # arrived first (both may be busy when the shortlists were dispatched separately).
    busy = {
        name: since
        for name in offsets
        if (since := in_flight_since(task_lines(top.procs[name], offsets[name]), "outbox_dispatch"))
    }
    victim = min(busy, key=busy.get) if busy else None
    check(victim, "no worker log shows the CV upload in progress")
    survivor = "worker-b" if victim == "worker-a" else "worker-a"
    top.kill(victim)
    killed_at = time.monotonic()
    say(f"    SIGKILLed {victim} while it was sending CVs to LinkedIn; {survivor} carries on")
    after_kill = top.procs[survivor].log.stat().st_size

    expected = {str(p["id"]): hashlib.sha256(cvs[p["id"]]).hexdigest() for p in people["exported"]}

    def all_cvs_at_linkedin() -> bool:
        top.assert_running()
        rows = sandbox.get_json("/sandbox/linkedin/control/api/applications", job_id=str(job))
        arrived = {
            row["candidate_id"]: [a["sha256"] for a in row["attachments"]]
            for row in rows["applications"]
        }
        return all(arrived.get(cid) == [digest] for cid, digest in expected.items())

    wait_until(
        "every CV at LinkedIn after the kill",
        all_cvs_at_linkedin,
        VISIBILITY_TIMEOUT + 180,
        interval=1,
    )

    def all_events_sent() -> bool:
        page = tracker.get(
            "/admin/syncjobs/outboxevent/", params={"kind__exact": "application_upsert"}
        )
        statuses = re.findall(r'class="field-status">([^<]+)<', page.text)
        return len(statuses) == EXPORTED and set(statuses) == {"Sent"}

    wait_until("Tracker's outbox to show every application sent", all_events_sent, 60, interval=1)
    recovered = time.monotonic() - killed_at
    survivor_lines = task_lines(top.procs[survivor], after_kill)
    check(
        re.search(r"outbox_(dispatch|redrive)\[[0-9a-f-]+\] succeeded", _messages(survivor_lines)),
        f"{survivor}'s log shows no outbox task after the kill",
    )
    checked(
        f"{victim} killed mid-upload; {survivor} delivered all {EXPORTED} applications with "
        f"their CVs byte for byte (sha256), and the outbox shows them all sent, "
        f"{recovered:.0f}s after the kill"
    )
    return {"victim": victim, "survivor": survivor, "recovered_seconds": recovered}


def check_json_logs(top: Topology) -> None:
    lines = [
        line
        for name in ("worker-a", "worker-b")
        for line in task_lines(top.procs[name], 0)
        if line.get("task_id")
    ]
    check(lines, "no JSON log line of a worker carries a task id")
    check(
        any(line.get("sync_run_id") for line in lines),
        "no JSON log line of a worker carries a sync run id",
    )
    checked("workers log JSON lines with the Celery task id and the sync run id")


def check_nothing_stuck(tracker: Browser) -> None:
    """Tracker's own records at the end: no outbox event or notification failed or dead."""
    for path, statuses in (
        ("/admin/syncjobs/outboxevent/", ("failed", "dead", "pending", "sending")),
        ("/admin/syncjobs/inboundnotification/", ("failed", "received", "processing")),
    ):
        for status in statuses:
            page = tracker.get(path, params={"status__exact": status})
            check(page.status_code == 200, f"GET {path} answered {page.status_code}")
            rows = re.findall(r'class="field-status">([^<]+)<', page.text)
            check(not rows, f"{path}: {len(rows)} row(s) {status}")
    checked("no outbox event or LinkedIn notification is pending, failed or dead")


def drive(top: Topology, config: Config) -> dict[str, Any]:
    tracker, sandbox = Browser(config.web_url), Browser(config.sandbox_url)
    with phase("production mode (static, DEBUG off)"):
        check_web_production_mode(config)
    with phase("admin logins, data through the API"):
        tracker.admin_login(ADMIN_USER, config.password)
        sandbox.admin_login(ADMIN_USER, config.password)
        owner = admin_user_id(tracker)
        people = create_people(tracker, sandbox)
    with phase("enable the integration, bulk sync"):
        enable_and_bulk_sync(tracker, sandbox, people, owner)
    with phase("jobs to LinkedIn, project connection"):
        connected, other = create_jobs(tracker, sandbox, owner)
    with phase("exports from LinkedIn"):
        export_from_linkedin(tracker, sandbox, people, other)
    with phase("CVs into object storage"):
        cvs = upload_cvs(tracker, config, people)
    with phase("shortlist on the connected job, kill a worker mid-upload"):
        outcome = shortlist_and_kill(top, tracker, sandbox, people, cvs, connected)
    with phase("logs, nothing stuck"):
        check_json_logs(top)
        check_nothing_stuck(tracker)
    return outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the logs and the databases")
    args = parser.parse_args(argv)

    admin_url = os.environ.get(
        "PROD_SMOKE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"
    )
    redis_url = os.environ.get("PROD_SMOKE_REDIS_URL", "redis://127.0.0.1:6379/6")
    prefix = os.environ.get("PROD_SMOKE_DB_PREFIX", "prod_smoke")
    check(re.fullmatch(r"[a-z_][a-z0-9_]{0,40}", prefix), "PROD_SMOKE_DB_PREFIX: [a-z0-9_] only")
    names = [f"{prefix}_{os.getpid()}", f"{prefix}_{os.getpid()}_sandbox"]
    work = Path(tempfile.mkdtemp(prefix="tracker-prod-smoke-"))
    top = Topology(work)
    started = time.monotonic()
    status, outcome = 1, {}

    def stop(signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, stop)
    created = False
    try:
        with phase("set-up (databases, S3, migrate, static, superusers)"):
            redis.Redis.from_url(redis_url).flushdb()
            create_databases(admin_url, names)
            created = True
            config = make_config(
                work,
                database_url=with_database(admin_url, names[0]),
                sandbox_database_url=with_database(admin_url, names[1]),
                redis_url=redis_url,
            )
            prepare(top, config)
        with phase("start gunicorn, two workers, beat, the sandbox server"):
            start_services(top, config)
        outcome = drive(top, config)
        top.assert_running()
        status = 0
    except SmokeFailure as failure:
        say(f"FAILED: {failure}")
        for proc in top.procs.values():
            print(f"---- {proc.name} (last lines of {proc.log}) ----\n{proc.tail(25)}", flush=True)
    except KeyboardInterrupt:
        say("interrupted")
        status = 130
    finally:
        with phase("stop everything"):
            top.stop_all()
            with contextlib.suppress(Exception):
                redis.Redis.from_url(redis_url).flushdb()
            if created and not args.keep:
                drop_databases(admin_url, names)
            if not args.keep:
                shutil.rmtree(work, ignore_errors=True)
        total = time.monotonic() - started
        print("\n==================== prod-smoke summary ====================")
        for name, seconds in TIMINGS:
            print(f"  {seconds:6.1f}s  {name}")
        print(f"  {total:6.1f}s  total")
        print("  checked:")
        for line in CHECKED:
            print(f"    - {line}")
        if outcome:
            print(
                f"  worker killed: {outcome['victim']}; work finished by {outcome['survivor']} "
                f"{outcome['recovered_seconds']:.0f}s after the kill"
            )
        if args.keep:
            print(f"  kept: {work} and databases {', '.join(names)}")
        print(f"  prod-smoke {'passed' if status == 0 else 'FAILED'}")
        print("============================================================", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
