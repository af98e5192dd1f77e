"""The token scheme in the OpenAPI schema keeps the name it had before knox (``tokenAuth``):
integrators send the same ``Authorization: Token <token>`` header, and generated clients keep
their scheme name."""

from __future__ import annotations

from typing import Any

from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme


class TrackerTokenScheme(KnoxTokenScheme):
    name = "tokenAuth"
    priority = 1  # over drf-spectacular's own knox extension

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        definition = super().get_security_definition(auto_schema)
        definition["description"] = (
            "`Authorization: Token <token>`; a token comes from `manage.py create_api_token "
            "USERNAME [--expires-days N]`, expires, and is revoked in the admin (API tokens)."
        )
        return definition
