"""A minimal LinkedIn stand-in for the CPU benchmarks: answers from memory, in its own process.

    python bench/linkedin_standin.py --port 0          # prints "listening on http://…" and serves

Speaks the HTTP contract ``tracker_rsc.linkedin.LinkedInClient`` expects for the calls the
measured flows make — and nothing else (no database, no matching engine, no limits):

- ``POST /oauth/v2/accessToken``: a bearer token valid for 60 days;
- ``PUT /v2/atsCandidates`` (``batch_update``): every record accepted (``{"status": 204}``),
  the candidate ids remembered;
- ``GET /v2/atsCandidates?ids[…]&fields=matchedMembers,manualMatchedMember`` (``batch_get``):
  a deterministic match per candidate id — one member for ids divisible by 5, two members
  (ambiguous) for ids divisible by 97, none otherwise; 404 for an id never upserted;
- ``GET /v2/exportedCandidates?q=request&requestId=req<requisition>x<n>``: an exported profile
  made up from the request id, so any number of exports can be fetched;
- ``GET /stats``: calls and records served (JSON), and ``GET /cpu``: this process's CPU time.

Running it in a separate process keeps its CPU out of the Tracker process whose CPU time the
benchmark reads (``resource.getrusage``). ``start_standin()`` starts one and returns its URL.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

_ID_PARAM = re.compile(r"^ids\[(\d+)\]\.(\w+)$")
ORG = "urn:li:organization:2414183"  # the organization every bench enables


class State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.known: set[str] = set()
        self.calls: dict[str, int] = {}
        self.records: dict[str, int] = {}

    def count(self, name: str, records: int) -> None:
        with self.lock:
            self.calls[name] = self.calls.get(name, 0) + 1
            self.records[name] = self.records.get(name, 0) + records


STATE = State()


def matched_members(candidate_id: str) -> list[str]:
    number = int(candidate_id) if candidate_id.isdigit() else 1
    if number % 97 == 0:
        return [f"urn:li:person:sa{number}", f"urn:li:person:sb{number}"]
    if number % 5 == 0:
        return [f"urn:li:person:s{number}"]
    return []


def key_text(fields: dict[str, str]) -> str:
    # The 1.0 key as LinkedIn echoes it (decoded values); the client reads either form.
    return "&".join(f"{name}={value}" for name, value in fields.items())


def batch_keys(query: str) -> list[dict[str, str]]:
    keys: dict[int, dict[str, str]] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        match = _ID_PARAM.match(name)
        if match:
            keys.setdefault(int(match.group(1)), {})[match.group(2)] = value
    return [keys[index] for index in sorted(keys)]


def exported_candidate(request_id: str) -> dict:
    """An export of a made-up member to the requisition the request id names
    (``req<requisition id>x<anything>``), so any number of exports can be fetched."""
    job, _, rest = request_id.removeprefix("req").partition("x")
    suffix = re.sub(r"[^A-Za-z0-9_-]", "", rest) or "x"
    return {
        "requestId": request_id,
        "integrationContext": ORG,
        "externalJobPostingId": job if job.isdigit() else "0",
        "candidate": {
            "member": f"urn:li:person:exp{suffix}",
            "profileUrl": f"https://www.linkedin.com/in/standin-{suffix}",
            "firstName": f"Export{suffix}",
            "lastName": "Standin",
            "emailAddresses": [f"standin.{suffix}@example.com"],
            "phoneNumbers": [],
            "headline": "Data Engineer",
            "location": "London, United Kingdom",
            "currentEmployerNames": ["Acme"],
            "skills": ["Python", "Apache Spark", "SQL"],
            "positions": [{"title": "Data Engineer", "companyName": "Acme"}],
            "educations": [],
        },
    }


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def _answer(self, status: int, body: object | None) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def do_POST(self) -> None:
        self._body()
        if urlsplit(self.path).path.endswith("/oauth/v2/accessToken"):
            STATE.count("accessToken", 1)
            self._answer(200, {"access_token": "standin-token", "expires_in": "5184000"})
            return
        self._answer(404, {"status": 404, "message": "not in the stand-in"})

    def do_PUT(self) -> None:
        body = json.loads(self._body() or b"{}")
        parts = urlsplit(self.path)
        if not parts.path.endswith("/v2/atsCandidates"):
            self._answer(404, {"status": 404, "message": "not in the stand-in"})
            return
        keys = batch_keys(parts.query)
        entities = body.get("entities", {})
        results = {}
        with STATE.lock:
            for key in keys:
                STATE.known.add(key.get("atsCandidateId", ""))
        for text in entities:
            results[text] = {"status": 204}
        STATE.count("atsCandidates.upsert", len(entities))
        self._answer(200, {"results": results, "errors": {}})

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        path = parts.path
        if path == "/stats":
            self._answer(200, {"calls": STATE.calls, "records": STATE.records})
            return
        if path == "/cpu":
            usage = resource.getrusage(resource.RUSAGE_SELF)
            self._answer(200, {"cpu_seconds": usage.ru_utime + usage.ru_stime})
            return
        if path.endswith("/v2/atsCandidates"):
            keys = batch_keys(parts.query)
            results, errors = {}, {}
            for key in keys:
                candidate_id = key.get("atsCandidateId", "")
                fields = {name: unquote(value) for name, value in key.items()}
                if candidate_id not in STATE.known:
                    errors[key_text(fields)] = {"status": 404, "message": "Candidate not found."}
                    continue
                results[key_text(fields)] = {
                    "matchedMembers": matched_members(candidate_id),
                    "manualMatchedMember": None,
                }
            STATE.count("atsCandidates.get", len(keys))
            self._answer(200, {"results": results, "errors": errors})
            return
        if path.endswith("/v2/exportedCandidates"):
            params = dict(parse_qsl(parts.query))
            STATE.count("exportedCandidates", 1)
            self._answer(200, {"elements": [exported_candidate(params.get("requestId", ""))]})
            return
        self._answer(404, {"status": 404, "message": "not in the stand-in"})


def serve(port: int) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


def start_standin() -> tuple[subprocess.Popen, str]:
    """Start the stand-in in a child process; returns it with its base URL."""
    process = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    line = process.stdout.readline().strip() if process.stdout else ""
    if not line.startswith("listening on "):
        process.kill()
        raise RuntimeError(f"the LinkedIn stand-in did not start: {line!r}")
    return process, line.removeprefix("listening on ")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0)
    serve(parser.parse_args().port)
