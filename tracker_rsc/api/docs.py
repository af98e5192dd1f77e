"""Swagger UI for signed-in users only.

The schema maps every operation, filter and error of the API: it is for the integrators who
hold an account, not for anyone who finds the host. SPECTACULAR_SETTINGS makes both views take
a session or a token (``SERVE_AUTHENTICATION``, ``SERVE_PERMISSIONS``): ``/api/schema/``
answers 401 to anyone else, and ``/api/docs/`` (this view) sends an anonymous browser to the
login page and back. Swagger UI's scripts and styles come from drf-spectacular-sidecar through
the project's own static files (``SWAGGER_UI_DIST = "SIDECAR"``), never from a CDN.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.views import redirect_to_login
from drf_spectacular.views import SpectacularSwaggerView
from rest_framework.exceptions import NotAuthenticated


class DocsView(SpectacularSwaggerView):
    def handle_exception(self, exc: Exception) -> Any:
        if isinstance(exc, NotAuthenticated):
            # A person in a browser: sign in, then come back here.
            return redirect_to_login(self.request.get_full_path())
        return super().handle_exception(exc)
