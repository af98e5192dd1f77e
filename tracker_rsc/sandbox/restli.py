"""Rest.li protocol details the sandbox needs: keys, query parameters, paging, epoch ms, errors.

Pure functions over strings (no ORM). The sandbox accepts both key syntaxes LinkedIn uses:
Rest.li 1.0 (``ids[0].atsCandidateId=1&ids[0].dataProvider=ATS``; entity keys
``atsCandidateId=1&dataProvider=ATS&integrationContext=urn:li:organization:1``) and Rest.li 2.0
(``ids=List((externalJobRequisitionId:1,integrationContext:urn%3Ali%3Aorganization%3A1))``).
A 2.0 key's values are percent-encoded inside the structure, so 2.0 parameters are parsed from
the raw query string, before any decoding.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal, overload
from urllib.parse import quote, unquote_plus

Key = dict[str, str] | str
"""An entity key: a complex key (field -> value) or a simple string key."""

_V1_BATCH_PARAM = re.compile(r"^ids\[(\d+)\]\.(\w+)$")


@dataclass
class ApiError(Exception):
    """An error answered in LinkedIn's shape: ``{"message", "serviceErrorCode", "status"}``."""

    status: int
    message: str
    service_error_code: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    extra: dict[str, object] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.status}: {self.message}"

    def body(self) -> dict[str, object]:
        return {
            **self.extra,
            "message": self.message,
            "serviceErrorCode": self.service_error_code or self.status,
            "status": self.status,
        }


def bad_request(message: str) -> ApiError:
    return ApiError(status=400, message=message, service_error_code=100)


# --- Query parameters ---------------------------------------------------------------------------


class QueryParams:
    """Query parameters that keep each raw value next to its decoded form."""

    def __init__(self, raw_query: str) -> None:
        self._pairs: list[tuple[str, str]] = []
        for part in raw_query.split("&"):
            if not part:
                continue
            name, _, value = part.partition("=")
            self._pairs.append((unquote_plus(name), value))

    def __contains__(self, name: str) -> bool:
        return any(n == name for n, _ in self._pairs)

    def names(self) -> list[str]:
        return [n for n, _ in self._pairs]

    def raw_list(self, name: str) -> list[str]:
        return [v for n, v in self._pairs if n == name]

    def getlist(self, name: str) -> list[str]:
        return [unquote_plus(v) for v in self.raw_list(name)]

    def get(self, name: str, default: str | None = None) -> str | None:
        values = self.getlist(name)
        return values[0] if values else default

    def require(self, name: str) -> str:
        value = self.get(name)
        if value is None or value == "":
            raise bad_request(f"Missing required query parameter '{name}'.")
        return value

    def items(self) -> Iterable[tuple[str, str]]:
        return ((n, unquote_plus(v)) for n, v in self._pairs)


# --- Keys -----------------------------------------------------------------------------------------


def _restli2_text(raw: str) -> str:
    """A Rest.li 2.0 value whose structure may itself have been percent-encoded once more."""
    text = raw
    for _ in range(2):
        if text.startswith(("List(", "(")) or "%" not in text:
            break
        text = unquote_plus(text)
    return text


class _Restli2Parser:
    """``List(...)``, ``(k:v,...)`` and literals; a literal ends at ``,`` or ``)``."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def parse(self) -> object:
        value = self._value()
        if self.pos != len(self.text):
            raise bad_request(f"Malformed Rest.li 2.0 value near '{self.text[self.pos :]}'.")
        return value

    def _value(self) -> object:
        if self.text.startswith("List(", self.pos):
            self.pos += len("List(")
            items: list[object] = []
            while not self._peek(")"):
                items.append(self._value())
                if not self._peek(")"):
                    self._expect(",")
            self._expect(")")
            return items
        if self._peek("("):
            self.pos += 1
            record: dict[str, object] = {}
            while not self._peek(")"):
                colon = self.text.find(":", self.pos)
                if colon < 0:
                    raise bad_request("Malformed Rest.li 2.0 key: expected 'name:value'.")
                name = unquote_plus(self.text[self.pos : colon])
                self.pos = colon + 1
                record[name] = self._value()
                if not self._peek(")"):
                    self._expect(",")
            self._expect(")")
            return record
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] not in ",)":
            self.pos += 1
        return unquote_plus(self.text[start : self.pos])

    def _peek(self, char: str) -> bool:
        if self.pos >= len(self.text):
            raise bad_request("Malformed Rest.li 2.0 value: unexpected end.")
        return self.text[self.pos] == char

    def _expect(self, char: str) -> None:
        if self.pos >= len(self.text) or self.text[self.pos] != char:
            raise bad_request(f"Malformed Rest.li 2.0 value: expected '{char}'.")
        self.pos += 1


def _as_key(value: object) -> Key:
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    if isinstance(value, str):
        return value
    raise bad_request("Malformed key: nested lists are not keys.")


def parse_restli2(raw: str) -> object:
    return _Restli2Parser(_restli2_text(raw)).parse()


def batch_keys(params: QueryParams) -> list[Key]:
    """The ``ids`` of a batch request, in either protocol's syntax; [] when there are none."""
    indexed: dict[int, dict[str, str]] = {}
    for name, value in params.items():
        match = _V1_BATCH_PARAM.match(name)
        if match:
            indexed.setdefault(int(match.group(1)), {})[match.group(2)] = value
    if indexed:
        return [indexed[i] for i in sorted(indexed)]
    keys: list[Key] = []
    for raw in params.raw_list("ids"):
        text = _restli2_text(raw)
        if text.startswith("List("):
            parsed = parse_restli2(text)
            assert isinstance(parsed, list)
            keys.extend(_as_key(item) for item in parsed)
        elif text.startswith("("):
            keys.append(_as_key(parse_restli2(text)))
        else:
            keys.append(unquote_plus(raw))
    return keys


def parse_entity_key(text: str) -> Key:
    """A body's entity key: ``(k:v,…)`` (2.0), ``k=v&k=v`` (1.0) or a simple key."""
    if text.startswith("(") or text.startswith("%28"):
        return _as_key(parse_restli2(text))
    if "=" in text:
        key: dict[str, str] = {}
        for part in text.split("&"):
            name, sep, value = part.partition("=")
            if not sep:
                raise bad_request(f"Malformed entity key '{text}'.")
            key[unquote_plus(name)] = unquote_plus(value)
        return key
    return text


def key_identity(key: Key) -> tuple[tuple[str, str], ...] | str:
    """A hashable form in which equal keys compare equal whatever their field order."""
    if isinstance(key, dict):
        return tuple(sorted(key.items()))
    return key


def format_v1_key(key: Key) -> str:
    """``a=1&b=ATS&c=urn:li:organization:1``: fields in name order, values as they are."""
    if isinstance(key, str):
        return key
    return "&".join(f"{name}={key[name]}" for name in sorted(key))


def format_v2_key(key: Key) -> str:
    """``(a:1,c:urn%3Ali%3Aorganization%3A1)``: fields in name order, values encoded."""
    if isinstance(key, str):
        return key
    return "(" + ",".join(f"{name}:{quote(key[name], safe='')}" for name in sorted(key)) + ")"


def require_fields(key: Key, names: Iterable[str]) -> dict[str, str]:
    if not isinstance(key, dict):
        raise bad_request(f"Key '{key}' must be a complex key with {', '.join(names)}.")
    missing = [name for name in names if not key.get(name)]
    if missing:
        raise bad_request(f"Key {format_v1_key(key)!r} is missing {', '.join(missing)}.")
    return key


# --- Paging and time ----------------------------------------------------------------------------

MAX_PAGE_SIZE = 1000


def paging(
    params: QueryParams, *, default_count: int, require_start: bool = False
) -> tuple[int, int]:
    """``(start, count)`` from the query; 400 on a missing (when required) or bad value."""
    raw_start = params.get("start")
    if raw_start is None:
        if require_start:
            raise bad_request("Pagination is required: the 'start' parameter is mandatory.")
        raw_start = "0"
    start = _int_param("start", raw_start, minimum=0)
    raw_count = params.get("count")
    count = default_count if raw_count is None else _int_param("count", raw_count, minimum=1)
    if count > MAX_PAGE_SIZE:
        raise bad_request(f"'count' must not exceed {MAX_PAGE_SIZE}.")
    return start, count


def page(elements: list, *, start: int, count: int) -> dict[str, object]:
    """A finder answer: one page of ``elements`` and the paging block with the total."""
    return {
        "elements": elements[start : start + count],
        "paging": {"start": start, "count": count, "total": len(elements)},
    }


def page_of(rows, serialize, *, start: int, count: int) -> dict[str, object]:
    """A finder answer over an ordered queryset: only the page's rows are read and serialised."""
    return {
        "elements": [serialize(row) for row in rows[start : start + count]],
        "paging": {"start": start, "count": count, "total": rows.count()},
    }


def _int_param(name: str, raw: str, *, minimum: int) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise bad_request(f"'{name}' must be an integer, got '{raw}'.") from None
    if value < minimum:
        raise bad_request(f"'{name}' must be at least {minimum}.")
    return value


def to_ms(moment: datetime | None) -> int | None:
    if moment is None:
        return None
    return int(moment.timestamp() * 1000)


def from_ms(value: object) -> datetime:
    """An epoch-ms value (int or numeric string) as an aware UTC datetime; ValueError if not."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError("not an epoch-ms value")
    number = int(value)
    if number <= 0:
        raise ValueError("not a positive epoch-ms value")
    return datetime.fromtimestamp(number / 1000, tz=UTC)


@overload
def ms_param(params: QueryParams, name: str, *, required: Literal[True] = True) -> datetime: ...
@overload
def ms_param(params: QueryParams, name: str, *, required: bool) -> datetime | None: ...
def ms_param(params: QueryParams, name: str, *, required: bool = True) -> datetime | None:
    raw = params.get(name)
    if raw is None or raw == "":
        if required:
            raise bad_request(f"Missing required query parameter '{name}' (epoch milliseconds).")
        return None
    try:
        return from_ms(raw)
    except (ValueError, OverflowError, OSError):
        raise bad_request(f"'{name}' must be epoch milliseconds, got '{raw}'.") from None


def list_param(params: QueryParams, name: str) -> list[str]:
    """A list parameter, given repeated (``a=1&a=2``), or as ``List(a,b)``."""
    values: list[str] = []
    for raw in params.raw_list(name):
        text = _restli2_text(raw)
        if text.startswith("List("):
            parsed = parse_restli2(text)
            assert isinstance(parsed, list)
            values.extend(str(item) for item in parsed)
        else:
            values.extend(v for v in unquote_plus(raw).split(",") if v)
    return values
