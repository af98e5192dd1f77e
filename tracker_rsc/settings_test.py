"""The test suite's settings: the local default (DEBUG and the sandbox on), unless set.

DEBUG is off by default since a deployment must fail closed; the tests exercise the sandbox and
the local demo, so they start from the developer's default instead. Servers and workers the
tests start inherit ``DJANGO_SETTINGS_MODULE`` and hence the same default.
"""

import os

os.environ.setdefault("DEBUG", "on")

from tracker_rsc.settings import *  # noqa: F403
