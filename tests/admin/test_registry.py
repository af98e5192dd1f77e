"""Every admin page renders for a superuser, and the domain admins are operations consoles."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.db import connection
from django.test.client import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.admin.objects import EXAMPLES, domain_models, model_key
from tracker_rsc.models import Integration

pytestmark = pytest.mark.django_db

REGISTERED = sorted(admin.site._registry, key=model_key)


def admin_url(model, view: str, *args: object) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_every_domain_model_has_an_admin_and_an_example():
    missing = [model_key(model) for model in domain_models() if model not in admin.site._registry]

    assert missing == []
    assert sorted(model_key(model) for model in domain_models()) == sorted(EXAMPLES)


@pytest.mark.parametrize("model", domain_models(), ids=model_key)
def test_domain_admins_declare_the_console_options(model, admin_user):
    model_admin = admin.site._registry[model]
    request = RequestFactory().get("/")
    request.user = admin_user

    assert model_admin.get_list_display(request) != ("__str__",)
    assert model_admin.get_list_filter(request)
    assert model_admin.get_search_fields(request)
    assert model_admin.list_select_related is not False


@pytest.mark.parametrize("model", REGISTERED, ids=model_key)
def test_changelist_renders(model, admin_client):
    example = EXAMPLES[model_key(model)]() if model_key(model) in EXAMPLES else None

    response = admin_client.get(admin_url(model, "changelist"), follow=True)

    assert response.status_code == 200
    if example is not None and model is not Integration:
        assert [obj.pk for obj in response.context["cl"].result_list] == [example.pk]


@pytest.mark.parametrize("key", sorted(EXAMPLES))
def test_change_page_renders(key, admin_client):
    example = EXAMPLES[key]()

    response = admin_client.get(admin_url(type(example), "change", example.pk))

    assert response.status_code == 200
    assert response.context["original"] == example
    assert str(response.context["adminform"].form.instance.pk) == str(example.pk)


@pytest.mark.parametrize("key", sorted(EXAMPLES))
def test_add_page_renders_where_adding_is_allowed(key, admin_client, admin_user):
    model = type(EXAMPLES[key]())
    request = RequestFactory().get("/")
    request.user = admin_user
    can_add = admin.site._registry[model].has_add_permission(request)

    response = admin_client.get(admin_url(model, "add"))

    assert response.status_code == (200 if can_add else 403)


@pytest.mark.parametrize("key", sorted(key for key in EXAMPLES if key != "tracker_rsc.integration"))
def test_changelist_query_count_does_not_grow_with_rows(key, admin_client):
    make = EXAMPLES[key]
    model = type(make())
    url = admin_url(model, "changelist")
    admin_client.get(url)  # warm caches (content types, sessions)

    with CaptureQueriesContext(connection) as one_row:
        assert admin_client.get(url).status_code == 200
    make()
    make()
    with CaptureQueriesContext(connection) as three_rows:
        response = admin_client.get(url)

    assert len(response.context["cl"].result_list) == 3
    assert len(three_rows) == len(one_row), [query["sql"] for query in three_rows]
