"""Where the product obtains its LinkedIn client: ``get_client()``, and nowhere else.

Every flow calls ``get_client()`` when it needs LinkedIn and types what it receives as
``LinkedInAPI``. In production that is a ``LinkedInClient`` built from settings. A test puts one
object in its place with ``client_override(fake)`` (the ``fake_linkedin`` / ``candidate_linkedin``
fixtures do), so no test has to find the modules that happen to import ``get_client``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from .client import client_from_settings
from .protocol import LinkedInAPI

_override: LinkedInAPI | None = None


def get_client(*, organization_urn: str | None = None) -> LinkedInAPI:
    """The LinkedIn client every flow uses: the override if one is active, else from settings.

    ``organization_urn`` defaults to the Integration row's, read on first use; an override
    ignores it (the fake answers for whichever organization the test set up).
    """
    if _override is not None:
        return _override
    return client_from_settings(organization_urn=organization_urn)


@contextmanager
def client_override(client: LinkedInAPI) -> Iterator[LinkedInAPI]:
    """Make ``get_client()`` return ``client`` inside the block (tests), restored on exit.

    Only one override at a time: a second one would silently take the first one's calls, so it
    is refused (RuntimeError) rather than stacked.
    """
    global _override
    if _override is not None:
        raise RuntimeError("a LinkedIn client override is already active")
    _override = client
    try:
        yield client
    finally:
        _override = None
