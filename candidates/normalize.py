"""Pure normalisers for the duplicate check and Skills Search (no ORM, no I/O).

Every function is total (any string in, a string or None out) and idempotent:
``f(f(x)) == f(x)`` wherever ``f(x)`` is a string.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote, urlsplit

# www., m. (mobile), touch. (old mobile) and country subdomains (uk., de., ...) all serve
# the same profiles; the trailing dot is the fully qualified spelling of the same host.
_LINKEDIN_HOST = re.compile(r"^(?:[a-z]{2,3}\.|www\.|m\.|touch\.|mobile\.)*linkedin\.com\.?$")
# The three hexadecimal ids of an old-style /pub/<name>/<a>/<b>/<c> public profile URL.
_PUB_ID = re.compile(r"[0-9a-f]{1,3}")
# Characters of a slug besides letters, digits and combining marks.
_SLUG_PUNCTUATION = frozenset("-_.")
_SPACES = re.compile(r"\s+")
# Fast paths for the common all-ASCII case (the general rules below give the same answer).
_ASCII_NOT_IN_EMAIL = re.compile(r"[\x00-\x20\x7f]")
_ASCII_NOT_IN_SLUG = re.compile(r"[^0-9a-z_.\-]+")
_ASCII_ALNUM = re.compile(r"[0-9a-z]")
# Letters that NFKD does not decompose but that people type without the stroke or ligature
# ("Søren"/"Soren", "Łukasz"/"Lukasz"); casefold already turns "ß" into "ss".
_NAME_TRANSLITERATION = str.maketrans(
    {
        "ø": "o",
        "đ": "d",
        "ð": "d",
        "ł": "l",
        "ħ": "h",
        "ŧ": "t",
        "\u0131": "i",  # Turkish dotless i
        "æ": "ae",
        "œ": "oe",
        "þ": "th",
    }
)


def _nfc(value: str) -> str:
    return unicodedata.normalize("NFC", value)


def normalize_email(value: str | None) -> str:
    """Trimmed and case-folded; '' when there is no plausible address.

    Plausible means exactly one '@' with text on both sides and no whitespace or control
    characters inside (those cannot be stored or sent anywhere as an address).
    """
    if not value:
        return ""
    email = _nfc(_nfc(value.strip()).casefold())
    if email.count("@") != 1 or email.startswith("@") or email.endswith("@"):
        return ""
    if email.isascii():
        return "" if _ASCII_NOT_IN_EMAIL.search(email) else email
    if any(ch.isspace() or unicodedata.category(ch)[0] == "C" for ch in email):
        return ""
    return email


def strip_accents(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalize_name_part(value: str | None) -> str:
    """Case-, accent- and punctuation-insensitive form of a first or last name.

    "  O'Brien-Smith " -> "obriensmith"; "Zoë" -> "zoe"; "ß" -> "ss"; "Søren" -> "soren".
    Letters of every script are kept ("Иван" -> "иван"), so a non-Latin name still has a key.
    """
    if not value:
        return ""
    folded = strip_accents(value).casefold()
    # casefold can produce new decomposable characters; the transliterated letters are ASCII.
    folded = strip_accents(folded).translate(_NAME_TRANSLITERATION)
    return "".join(ch for ch in folded if ch.isalnum())


def normalize_full_name(first: str | None, last: str | None) -> str:
    return f"{normalize_name_part(first)} {normalize_name_part(last)}".strip()


def _slug_segment(raw: str) -> str:
    """One decoded, case-folded path segment (``;params`` dropped)."""
    return _nfc(_nfc(unquote(raw.split(";", 1)[0])).casefold())


def _clean_slug(segment: str) -> str:
    """Keep letters, digits, combining marks and ``-_.``; '' unless a letter or digit is left.

    Everything else (spaces, an encoded '%', '?' or '#', symbols) is dropped, so the slug
    can be put back into a URL verbatim and parses to itself again.
    """
    if segment.isascii():  # already case-folded: lower-case letters only
        kept = _ASCII_NOT_IN_SLUG.sub("", segment)
        return kept if _ASCII_ALNUM.search(kept) else ""
    kept = "".join(
        ch
        for ch in segment
        if ch.isalnum() or ch in _SLUG_PUNCTUATION or unicodedata.category(ch)[0] == "M"
    )
    kept = _nfc(kept)
    return kept if any(ch.isalnum() for ch in kept) else ""


def profile_slug(url: str | None) -> str:
    """The identifying part of a LinkedIn public profile URL, or '' if it is not one.

    Scheme, ``www.``/``m.``/country subdomains, case, trailing slash, query string, fragment
    and percent-encoding are ignored: every variant of one profile gives the same slug.
    An old-style ``/pub/<name>/<a>/<b>/<c>`` URL gives the slug of the ``/in/`` URL LinkedIn
    redirects it to (``<name>-<c><b><a>``, the last two ids zero-padded to three digits).
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
    # Split before decoding: an encoded '/' belongs to its segment, it does not start one.
    segments = [segment for segment in map(_slug_segment, parts.path.split("/")) if segment]
    if segments[:1] == ["mwlite"]:  # LinkedIn Lite serves the same profiles under /mwlite/
        segments = segments[1:]
    if len(segments) >= 2 and segments[0] == "in":
        return _clean_slug(segments[1])
    if (
        len(segments) >= 5
        and segments[0] == "pub"
        and all(_PUB_ID.fullmatch(segment) for segment in segments[2:5])
    ):
        name = _clean_slug(segments[1])
        first, second, third = segments[2:5]
        return f"{name}-{third.zfill(3)}{second.zfill(3)}{first}" if name else ""
    return ""


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
    # casefold can produce new decomposable characters ("İ"), hence the second strip.
    folded = strip_accents(strip_accents(value).casefold())
    return _SPACES.sub(" ", folded).strip()


def compact_skill(value: str | None) -> str:
    """Punctuation and separators ignored: 'Node.js' and 'NodeJS' -> 'nodejs'.

    Symbols that carry meaning in skill names are spelled out first, so 'C++' and 'C#'
    do not collapse onto 'C'. Letters of every script are kept.
    """
    text = normalize_skill(value)
    text = text.replace("++", "plusplus").replace("#", "sharp")
    return "".join(ch for ch in text if ch.isalnum())
