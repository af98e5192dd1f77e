"""Reading an import CSV: encoding, dialect and header mapping (pure: no ORM, no settings).

What a file may look like, as agencies' spreadsheets and old ATSs export them:

- UTF-8 with or without a byte order mark (Excel's "CSV UTF-8" writes one);
- comma, semicolon (Excel in locales whose decimal separator is a comma) or tab separated,
  detected from the header line; quoted values may span lines;
- columns named by a documented name or a common synonym, compared without case, spaces or
  punctuation ("First Name", "first_name" and "firstname" are one column);
- a column the importer does not know is reported (``CsvLayout.unknown``), never silently
  dropped, and the rest of the file is still read.

The file is streamed record by record; nothing holds it whole.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO

# Field values up to this size: a CV pasted into a cell is the largest thing an ATS exports.
FIELD_SIZE_LIMIT = 1_000_000
# The header line is searched for a delimiter among these (in this order when tied).
DELIMITERS = (",", ";", "\t", "|")
_HEADER_NOISE = re.compile(r"[^0-9a-z]+")


class CsvError(ValueError):
    """The file as a whole cannot be read (no header, a required column missing, …)."""


def header_key(text: str) -> str:
    """A header name without case, spaces, punctuation or BOM: "E-mail" -> "email"."""
    return _HEADER_NOISE.sub("", (text or "").replace("\ufeff", "").casefold())


@dataclass(frozen=True)
class Column:
    """One importable field: its documented header name and the synonyms also accepted."""

    field: str
    name: str
    synonyms: tuple[str, ...] = ()
    required: bool = False
    help: str = ""

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(header_key(n) for n in (self.name, self.field, *self.synonyms)))


@dataclass(frozen=True)
class CsvLayout:
    """How the header maps onto the importer's fields."""

    delimiter: str
    headers: tuple[str, ...]
    positions: dict[str, int]  # field -> column index
    unknown: tuple[str, ...]  # header names that are not importable fields

    @property
    def delimiter_name(self) -> str:
        return {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}[self.delimiter]


@dataclass
class SourceRow:
    """One record of the file: ``line`` is where it starts (1 = the header)."""

    line: int
    values: dict[str, str]
    problem: str = ""  # set when the record cannot be read as intended
    extra: list[str] = field(default_factory=list)


def _decode_problem(values: Sequence[str]) -> str:
    for value in values:
        if any("\udc80" <= ch <= "\udcff" for ch in value):
            return "The row is not valid UTF-8 text: save the file as “CSV UTF-8”."
        if "\x00" in value:
            return "The row contains a NUL character."
    return ""


def detect_delimiter(header_line: str) -> str:
    """The delimiter of a file from its header line (Excel's ';' dialect included).

    ``csv.Sniffer`` is asked first; a header it cannot decide (a single column, or names that
    contain other candidates) falls back to the delimiter that occurs most often outside quotes.
    """
    try:
        return csv.Sniffer().sniff(header_line, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        pass
    unquoted = re.sub(r'"[^"]*"', "", header_line)
    counts = {delimiter: unquoted.count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def map_header(headers: Sequence[str], columns: Sequence[Column]) -> tuple[dict[str, int], list]:
    """``(field -> index, unknown header names)``; CsvError for a repeated or missing column."""
    by_key = {key: column for column in columns for key in column.keys}
    positions: dict[str, int] = {}
    unknown: list[str] = []
    for index, name in enumerate(headers):
        key = header_key(name)
        if not key:
            if name.strip():
                unknown.append(name.strip())
            continue
        column = by_key.get(key)
        if column is None:
            unknown.append(name.strip())
            continue
        if column.field in positions:
            first = headers[positions[column.field]].strip()
            raise CsvError(
                f"The columns “{first}” and “{name.strip()}” are both {column.name}: "
                "keep one of them."
            )
        positions[column.field] = index
    missing = [c.name for c in columns if c.required and c.field not in positions]
    if missing:
        raise CsvError(
            f"The file has no {' or '.join(missing)} column (the header line is: "
            f"{', '.join(h.strip() for h in headers)[:200]})."
        )
    if not positions:
        raise CsvError("None of the header's columns is an importable field.")
    return positions, unknown


class CsvFile:
    """An import file opened for streaming: ``layout`` from its header, then ``rows()``.

    ``stream`` is the file's bytes. Raises CsvError when the header is missing or unusable.
    """

    def __init__(self, stream: IO[bytes], columns: Sequence[Column]) -> None:
        csv.field_size_limit(FIELD_SIZE_LIMIT)
        head = stream.read(len(codecs.BOM_UTF8))
        buffered = io.BufferedReader(_Prefixed(b"" if head == codecs.BOM_UTF8 else head, stream))
        # Undecodable bytes are kept as surrogates so that one bad row is refused, not the file.
        self._text = io.TextIOWrapper(
            buffered, encoding="utf-8", errors="surrogateescape", newline=""
        )
        self._header_line = 1
        header_line = self._text.readline()
        while header_line and not header_line.strip():
            header_line = self._text.readline()
            self._header_line += 1
        if not header_line.strip():
            raise CsvError("The file is empty: it needs a header line naming the columns.")
        if _decode_problem([header_line]):
            raise CsvError("The file is not UTF-8 text: save it as “CSV UTF-8”.")
        delimiter = detect_delimiter(header_line)
        headers = next(csv.reader([header_line], delimiter=delimiter))
        positions, unknown = map_header(headers, columns)
        self.layout = CsvLayout(delimiter, tuple(headers), positions, tuple(unknown))
        self._reader = csv.reader(self._text, delimiter=delimiter)

    def rows(self) -> Iterator[SourceRow]:
        """Every non-blank record, with the line it starts on; values are trimmed."""
        positions = self.layout.positions
        width = len(self.layout.headers)
        reader = self._reader
        lines_before = 0
        while True:
            start = self._header_line + lines_before + 1
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                # The rest of the file cannot be trusted to split into the intended records.
                yield SourceRow(start, {}, problem=f"The file cannot be read from here on: {exc}.")
                return
            lines_before = reader.line_num
            if not any(value.strip() for value in record):
                continue
            values = {
                name: record[index].strip() if index < len(record) else ""
                for name, index in positions.items()
            }
            row = SourceRow(start, values, problem=_decode_problem(record))
            if len(record) > width:
                row.extra = [value for value in record[width:] if value.strip()]
                if row.extra:
                    row.problem = row.problem or (
                        f"The row has {len(record)} values but the header names {width} columns "
                        "(a value with the delimiter in it needs quotes)."
                    )
            yield row


class _Prefixed(io.RawIOBase):
    """A byte stream with a few already-read bytes put back in front."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self._head = head
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._head:
            size = min(len(buffer), len(self._head))
            buffer[:size] = self._head[:size]
            self._head = self._head[size:]
            return size
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def count_records(stream: IO[bytes]) -> int:
    """Records after the header (blank lines not counted), for progress and ETA; streams."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace", newline="")
    header = text.readline()
    while header and not header.strip():
        header = text.readline()
    delimiter = detect_delimiter(header) if header else ","
    count = 0
    try:
        for record in csv.reader(text, delimiter=delimiter):
            if any(value.strip() for value in record):
                count += 1
    except csv.Error:
        pass
    text.detach()
    return count


def columns_help(columns: Sequence[Column]) -> str:
    """The accepted header names, for command help and the admin upload page."""
    lines = []
    for column in columns:
        names = ", ".join(dict.fromkeys((column.name, column.field, *column.synonyms)))
        mark = " (required)" if column.required else ""
        lines.append(f"{column.name}{mark}: {names}" + (f" — {column.help}" if column.help else ""))
    return "\n".join(lines)
