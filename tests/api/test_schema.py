"""The OpenAPI schema: valid, complete (every error an operation answers), and behind a login.

Its Swagger UI is served from the project's own static files (drf-spectacular-sidecar).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
import yaml
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.tracker_rsc.factories import UserFactory


@pytest.fixture(scope="module")
def schema(tmp_path_factory):
    schema_file = tmp_path_factory.mktemp("schema") / "schema.yml"
    # The same command CI can run: --fail-on-warn turns any warning into an error.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(schema_file))
    return yaml.safe_load(schema_file.read_text())


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield method.upper(), path, operation


def test_spectacular_validates_without_warnings(schema):
    paths = schema["paths"]
    assert {
        "/api/v1/candidates/",
        "/api/v1/candidates/{id}/",
        "/api/v1/candidates/{id}/erase/",
        "/api/v1/requisitions/{id}/",
        "/api/v1/placements/{id}/",
        "/api/v1/activities/{id}/",
        "/api/v1/skills/search/",
    } <= set(paths)
    assert "post" not in paths["/api/v1/activities/"]
    candidate_filters = {p["name"] for p in paths["/api/v1/candidates/"]["get"]["parameters"]}
    assert {"email", "q", "linked", "updated_after", "cursor", "page_size"} <= candidate_filters
    assert {"tokenAuth", "cookieAuth"} <= set(schema["components"]["securitySchemes"])


def test_every_operation_documents_the_errors_it_can_answer(schema):
    ops = list(operations(schema))
    assert len(ops) >= 20
    for method, path, operation in ops:
        codes = set(operation["responses"])
        where = f"{method} {path}"
        assert {"401", "403", "405", "406", "429"} <= codes, where
        is_detail = "{" in path
        assert ("400" in codes) == (not (method == "GET" and is_detail)), where
        paginated = any(p["name"] == "cursor" for p in operation.get("parameters", []))
        assert ("404" in codes) == (is_detail or paginated), where
        assert ("415" in codes) == (method in ("POST", "PUT", "PATCH")), where


def test_error_bodies_and_headers_are_components(schema):
    components = schema["components"]["schemas"]
    assert components["Error"]["required"] == ["detail"]
    assert components["BadRequest"]["oneOf"] == [
        {"$ref": "#/components/schemas/ValidationError"},
        {"$ref": "#/components/schemas/Error"},
    ]
    assert components["ValidationError"]["additionalProperties"] == {
        "$ref": "#/components/schemas/FieldErrors"
    }
    create = schema["paths"]["/api/v1/candidates/"]["post"]["responses"]
    assert create["400"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/BadRequest"
    }
    assert create["429"]["headers"]["Retry-After"]["required"] is True
    assert create["429"]["headers"]["Retry-After"]["schema"]["type"] == "integer"
    assert create["401"]["headers"]["WWW-Authenticate"]["required"] is True
    assert create["405"]["headers"]["Allow"]["required"] is True
    assert create["404" if "404" in create else "403"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }


def test_ids_and_page_sizes_have_their_bounds_in_the_schema(schema):
    detail = schema["paths"]["/api/v1/candidates/{id}/"]["get"]["parameters"]
    (path_id,) = [p for p in detail if p["name"] == "id"]
    assert path_id["schema"] == {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}
    listing = schema["paths"]["/api/v1/placements/"]["get"]["parameters"]
    by_name = {p["name"]: p["schema"] for p in listing}
    assert by_name["page_size"] == {"type": "integer", "minimum": 1, "maximum": 200}
    assert by_name["candidate"] == {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}
    placement = schema["components"]["schemas"]["PlacementRequest"]["properties"]
    assert placement["candidate"]["minimum"] == 1
    assert placement["candidate"]["maximum"] == 2**63 - 1


def test_request_bodies_are_json_only(schema):
    for method, path, operation in operations(schema):
        if "requestBody" in operation:
            assert set(operation["requestBody"]["content"]) == {"application/json"}, (
                f"{method} {path}"
            )


# --- who may read the schema and the docs ---------------------------------------------------


@pytest.mark.django_db
def test_the_schema_needs_a_login():
    response = APIClient().get("/api/schema/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert b"/api/v1/" not in response.content


@pytest.mark.django_db
def test_the_schema_is_served_to_a_token_or_a_session():
    user = UserFactory()
    token = AuthToken.objects.create(user=user)[1]
    session = Client()
    session.force_login(user)

    by_token = APIClient().get("/api/schema/", HTTP_AUTHORIZATION=f"Token {token}")
    by_session = session.get("/api/schema/")

    for response in (by_token, by_session):
        assert response.status_code == 200
        assert b"/api/v1/skills/search/" in response.content


@pytest.mark.django_db
def test_the_docs_send_an_anonymous_browser_to_the_login_page():
    response = Client().get("/api/docs/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/api/docs/"


@pytest.mark.django_db
def test_the_docs_are_served_from_the_app_and_reference_no_other_host():
    user = UserFactory()
    client = Client()
    client.force_login(user)

    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "SwaggerUIBundle" in html
    urls = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
    assert any("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in u for u in urls)
    # Every script, style sheet and icon is a path on this site: no CDN, no other host.
    assert urls and all(not urlsplit(url).netloc and not url.startswith("//") for url in urls)
    assert not re.search(r"https?://(?!testserver)", html), "an absolute URL to another host"
    # Swagger UI's online validator would send the schema to a third party.
    assert '"validatorUrl": null' in html
    # ... each of them one of the project's static files (collectstatic ships them).
    for url in urls:
        assert url.startswith(settings.STATIC_URL), url
        assert finders.find(url.removeprefix(settings.STATIC_URL)), url
