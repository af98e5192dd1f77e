"""Keep the LinkedIn callback token out of the logs.

The token in ``/integrations/linkedin/callback/<token>/`` is the callback's credential: anyone
who reads it from a log can post to the callback (pushes still need LinkedIn's signature, but
forged ones fill the audit table and the challenge answers). Request and access logs write the
path (``django.request``: "Unauthorized: /integrations/…", ``django.server`` and gunicorn's
``gunicorn.access``: the request line), so ``CallbackTokenFilter`` rewrites the segment after
``/integrations/linkedin/callback/`` to ``[redacted]`` in every record it sees.

It is a plain ``logging.Filter``, usable from any dict config::

    "filters": {"redact_callback_token": {"()": "tracker_rsc.log_redaction.CallbackTokenFilter"}}

and attached to a handler (so it sees the records of every logger writing there).
"""

from __future__ import annotations

import logging
import re

CALLBACK_PREFIX = "/integrations/linkedin/callback/"
REDACTED = "[redacted]"
# The segment after the prefix up to the next "/", "?", "#", quote or blank; percent-encoded
# characters are part of it.
_TOKEN = re.compile(re.escape(CALLBACK_PREFIX) + r"[^/?#\s\"']+")


def redact(text: str) -> str:
    """``text`` with every callback token replaced by ``[redacted]``."""
    if CALLBACK_PREFIX not in text:
        return text
    return _TOKEN.sub(CALLBACK_PREFIX + REDACTED, text)


class CallbackTokenFilter(logging.Filter):
    """Rewrite a record whose message holds a callback URL; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: leave it to the handler to report
            return True
        redacted = redact(message)
        if redacted != message:
            # The message is rendered once here; the arguments (the path, the request line,
            # gunicorn's atoms) would otherwise carry the token to any formatter that uses them.
            record.msg = redacted
            record.args = None
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True
