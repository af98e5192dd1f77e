"""The answer to a locked-out login (django-axes' ``AXES_LOCKOUT_CALLABLE``).

Both login pages (the recruiters' ``/accounts/login/`` and ``/admin/login/``) answer a
username+IP pair locked out after ``AXES_FAILURE_LIMIT`` failed attempts with 429 Too Many
Requests and ``Retry-After`` (the cool-off, in seconds), on a page that says when to try again
and that an administrator can unlock the account sooner.
"""

from __future__ import annotations

import math
from typing import Any

from axes.helpers import get_cool_off
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    cool_off = get_cool_off(request)
    seconds = math.ceil(cool_off.total_seconds()) if cool_off else None
    # Rendered now: axes' middleware answers with it after the view has run.
    response = render(
        request,
        "registration/locked_out.html",
        {"minutes": math.ceil(seconds / 60) if seconds else None},
        status=429,
    )
    if seconds:
        response["Retry-After"] = str(seconds)
    return response
