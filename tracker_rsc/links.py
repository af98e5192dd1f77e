"""The one rule for turning a stored URL into a link: only http(s), anything else is text.

Profile URLs come from everywhere (the admin, the API, LinkedIn's payloads, rows stored before
any validation), so no page may trust one. ``external_link`` is what every page uses, through
the ``external_link`` template filter (``{% load links %}``) or directly in the admin: an
``http``/``https`` URL with a host becomes ``<a href>``; ``javascript:``, ``data:``, a
relative path or anything malformed is shown as escaped text and never reaches ``href``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString

LINK_SCHEMES = frozenset({"http", "https"})


def http_url(value: object) -> str:
    """``value`` (trimmed) when it is an absolute http(s) URL with a host, else ''.

    Browsers ignore tabs and newlines inside a URL and control characters before it, so
    ``"java\\tscript:"`` would run: any whitespace or control character inside makes it text.
    """
    if not isinstance(value, str):
        return ""
    url = value.strip()
    if not url or any(ord(c) <= 32 or ord(c) == 127 or c == "\\" for c in url):
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme.lower() not in LINK_SCHEMES or not parts.hostname:
        return ""
    return url


def external_link(value: object, text: object = None) -> SafeString:
    """An ``<a>`` opening ``value`` in a new tab when it is http(s); escaped text otherwise."""
    label = value if text is None else text
    url = http_url(value)
    if not url:
        return conditional_escape("" if label is None else str(label))
    return format_html(
        '<a href="{}" target="_blank" rel="noopener noreferrer">{}</a>', url, str(label).strip()
    )
