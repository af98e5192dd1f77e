"""Rest.li key and query-string encoding, built by hand.

``requests`` would encode ``ids[0].atsCandidateId`` and ``List((a:b))`` in its own way, so every
query string the client sends is assembled here and appended to the URL as is. The results
only use ``%XX`` escapes and characters that ``requests``/urllib3 leave alone in a query
(``( ) , : . = &``), so what we build is byte for byte what goes on the wire.

Brackets are the exception that is written escaped: RFC 3986 reserves ``[ ]`` for IPv6 hosts and
urllib3 percent-encodes them in any query, so ``ids[0].x`` always travels as ``ids%5B0%5D.x``.
Servers decode parameter names before reading them (Rest.li does, as does Django's QueryDict),
so LinkedIn and the sandbox both see ``ids[0].x``; we emit the escaped form ourselves so that
the string built here is the string sent.

Two protocols (docs/architecture.md §5):
- Rest.li 1.0 on ``/v2/``: batch ids ``ids[0].a=x&ids[0].b=y``, entity keys ``a=x&b=y``.
  Values keep their colons (as in LinkedIn's own Postman collection) and escape everything
  else that is reserved, so ``urn:li:organization:1`` stays readable but ``a&b`` is ``a%26b``.
- Rest.li 2.0 on ``/rest/``: keys ``(a:x,b:y)``, batch ids ``ids=List((..),(..))``. Values
  escape every reserved character, colons included (``urn%3Ali%3Aorganization%3A1``), because
  ``( ) , :`` are the syntax of the key itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from urllib.parse import quote, unquote

Key = Mapping[str, str]
QueryPairs = Sequence[tuple[str, str]]

V1 = "1.0"
V2 = "2.0"


def encode_v1(value: str) -> str:
    """A Rest.li 1.0 query or key value: reserved characters escaped except ``:``."""
    return quote(str(value), safe=":")


def encode_v2(value: str) -> str:
    """A Rest.li 2.0 value: every reserved character escaped, ``( ) , :`` included."""
    return quote(str(value), safe="")


def v1_key(key: Key) -> str:
    """``atsCandidateId=1&dataProvider=ATS&integrationContext=urn:li:organization:1``."""
    return "&".join(f"{name}={encode_v1(value)}" for name, value in key.items())


def v1_batch_ids(keys: Sequence[Key]) -> str:
    """``ids[0].a=x&ids[0].b=y&ids[1].a=..`` (brackets escaped, see above), in the given order
    of keys and fields.
    """
    return "&".join(
        f"ids%5B{index}%5D.{name}={encode_v1(value)}"
        for index, key in enumerate(keys)
        for name, value in key.items()
    )


def v2_key(key: Key) -> str:
    """``(externalJobRequisitionId:1,integrationContext:urn%3Ali%3Aorganization%3A1)``."""
    return "(" + ",".join(f"{name}:{encode_v2(value)}" for name, value in key.items()) + ")"


def v2_batch_ids(keys: Sequence[Key]) -> str:
    """``ids=List((..),(..))``."""
    return "ids=List(" + ",".join(v2_key(key) for key in keys) + ")"


def simple_batch_ids(ids: Iterable[str], protocol: str = V1) -> str:
    """Batch ids of a simple (string) key: ``ids=A&ids=B`` (1.0) or ``ids=List(A,B)`` (2.0)."""
    if protocol == V2:
        return "ids=List(" + ",".join(encode_v2(value) for value in ids) + ")"
    return "&".join(f"ids={encode_v1(value)}" for value in ids)


def build_query(pairs: QueryPairs, protocol: str = V1) -> str:
    """A finder's query string from ``(name, value)`` pairs, values encoded for the protocol.

    Repeated names are kept (``owners=a&owners=b``), which is how Rest.li 1.0 sends arrays.
    """
    encode = encode_v2 if protocol == V2 else encode_v1
    return "&".join(f"{quote(name, safe='.')}={encode(value)}" for name, value in pairs)


def join_query(*parts: str) -> str:
    """Join already-encoded query fragments, skipping empty ones."""
    return "&".join(part for part in parts if part)


def parse_key(text: str) -> dict[str, str]:
    """Read back a key LinkedIn echoes in ``results``/``errors``, whichever way it is written.

    Accepts 1.0 (``a=x&b=y``) and 2.0 (``(a:x,b:y)``) forms, escaped or not, so the client
    finds its records whether LinkedIn (or the sandbox) echoes the key encoded or decoded.
    """
    text = text.strip()
    fields: dict[str, str] = {}
    if text.startswith("(") and text.endswith(")"):
        for part in text[1:-1].split(","):
            name, sep, value = part.partition(":")
            if sep:
                fields[unquote(name)] = unquote(value)
        return fields
    for part in text.split("&"):
        name, sep, value = part.partition("=")
        if sep:
            fields[unquote(name)] = unquote(value)
    return fields
