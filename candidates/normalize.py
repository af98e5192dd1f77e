"""Pure normalisers for the duplicate check and Skills Search (no ORM, no I/O).

Every function is total (any string in, a string or None out) and idempotent:
``f(f(x)) == f(x)`` wherever ``f(x)`` is a string.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote, urlsplit

_LINKEDIN_HOST = re.compile(r"^(?:[a-z]{2,3}\.|www\.|m\.)*linkedin\.com$")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_SPACES = re.compile(r"\s+")


def normalize_email(value: str | None) -> str:
    """Trimmed and case-folded; '' when there is no plausible address."""
    if not value:
        return ""
    email = value.strip().casefold()
    if email.count("@") != 1 or email.startswith("@") or email.endswith("@"):
        return ""
    return email


def strip_accents(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalize_name_part(value: str | None) -> str:
    """Case-, accent- and punctuation-insensitive form of a first or last name.

    "  O'Brien-Smith " -> "obriensmith"; "Zoë" -> "zoe"; "ß" -> "ss".
    """
    if not value:
        return ""
    folded = strip_accents(value).casefold()
    folded = strip_accents(folded)  # casefold can produce new decomposable characters
    return _NON_ALNUM.sub("", folded)


def normalize_full_name(first: str | None, last: str | None) -> str:
    return f"{normalize_name_part(first)} {normalize_name_part(last)}".strip()


def profile_slug(url: str | None) -> str:
    """The identifying part of a LinkedIn public profile URL, or '' if it is not one.

    Scheme, ``www.``/``m.``/country subdomains, case, trailing slash, query string, fragment
    and percent-encoding are ignored: every variant of one profile gives the same slug.
    """
    if not url:
        return ""
    text = url.strip()
    if not text:
        return ""
    if "://" not in text:
        text = "https://" + text.lstrip("/")
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").casefold()
    except ValueError:
        return ""
    if not _LINKEDIN_HOST.match(host):
        return ""
    path = unquote(parts.path).casefold()
    segments = [segment for segment in path.split("/") if segment]
    if len(segments) < 2 or segments[0] not in ("in", "pub"):
        return ""
    slug = segments[1].strip()
    if segments[0] == "pub":
        # Old style /pub/name/a/b/c: the trailing segments are part of the identity.
        slug = "-".join(segment.strip() for segment in segments[1:])
    slug = _SPACES.sub("", slug)
    return slug


def canonical_profile_url(url: str | None) -> str:
    """The stored form of a LinkedIn profile URL: ``https://www.linkedin.com/in/<slug>``.

    A URL that is not a LinkedIn profile is returned trimmed, unchanged otherwise; '' stays ''.
    """
    slug = profile_slug(url)
    if slug:
        return f"https://www.linkedin.com/in/{slug}"
    return (url or "").strip()


def normalize_skill(value: str | None) -> str:
    """Case- and space-insensitive form: 'Apache  Spark ' -> 'apache spark'."""
    if not value:
        return ""
    return _SPACES.sub(" ", strip_accents(value).casefold()).strip()


def compact_skill(value: str | None) -> str:
    """Punctuation and separators ignored: 'Node.js' and 'NodeJS' -> 'nodejs'.

    Symbols that carry meaning in skill names are spelled out first, so 'C++' and 'C#'
    do not collapse onto 'C'.
    """
    text = normalize_skill(value)
    text = text.replace("++", "plusplus").replace("#", "sharp")
    return _NON_ALNUM.sub("", text)
