"""A profile URL that is not http(s) never becomes a link, on any page, whatever its source."""

from __future__ import annotations

import re

import pytest
from django.template import Context, Template
from django.urls import reverse

from candidates.models import Candidate
from tests.candidates.factories import CandidateFactory, MemberLinkFactory
from tracker_rsc.links import external_link, http_url

HOSTILE = [
    "javascript:alert(document.cookie)",
    "JavaScript:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "\x01javascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "//evil.example/in/jane",
    "/candidates/1/",
    "https:///no-host",
    "https:\\\\evil.example",
    "ftp://files.example/in/jane",
    'https://x.example/"onmouseover="alert(1)',
]


@pytest.mark.parametrize("value", HOSTILE[:-1])
def test_anything_but_an_absolute_http_url_is_text(value):
    assert http_url(value) == ""
    html = str(external_link(value))
    assert "<a" not in html and "href" not in html


@pytest.mark.parametrize(
    "value",
    [
        "https://www.linkedin.com/in/jane-doe",
        "http://uk.linkedin.com/in/jane",
        " https://x.example/a?b=c ",
    ],
)
def test_http_and_https_urls_become_links_that_open_safely(value):
    html = str(external_link(value))

    assert html.startswith(f'<a href="{value.strip()}"')
    assert 'rel="noopener noreferrer"' in html and 'target="_blank"' in html


def test_markup_in_a_url_is_escaped_in_the_link_and_the_text():
    html = str(external_link('https://x.example/"><script>alert(1)</script>'))

    assert "<script>" not in html
    assert "&lt;script&gt;" in html and "&quot;" in html


def test_the_template_filter_is_the_same_rule():
    template = Template("{% load links %}{{ url|external_link }}")

    hostile = template.render(Context({"url": "javascript:alert(1)"}))
    fine = template.render(Context({"url": "https://www.linkedin.com/in/jane"}))

    assert hostile == "javascript:alert(1)"
    assert fine.startswith('<a href="https://www.linkedin.com/in/jane"')


# --- Every page that shows a profile URL, with values from every source --------------------------

BAD = "javascript:alert(document.cookie)"


def hrefs(html: str) -> list[str]:
    return re.findall(r'href="([^"]*)"', html)


def assert_never_linked(html: str, where: str) -> None:
    for href in hrefs(html):
        assert not href.strip().lower().startswith(("javascript:", "data:", "vbscript:")), where
    assert BAD not in hrefs(html), where


def stored_legacy(**fields) -> Candidate:
    """A row written before any validation (or by a data migration): straight to the table."""
    candidate = CandidateFactory(first_name="Jane", last_name="Doe", **fields)
    Candidate.objects.filter(pk=candidate.pk).update(linkedin_profile_url=BAD)
    return Candidate.objects.get(pk=candidate.pk)


def from_linkedin_payload(**fields) -> Candidate:
    """What an Export to ATS stores from LinkedIn's profile (the same intake code path)."""
    from syncjobs.profile_intake import profile_fields
    from tests.syncjobs.linkedin_fakes import profile

    values = profile_fields(profile(profile_url=BAD))
    candidate = CandidateFactory(first_name="Jane", last_name="Doe", **fields)
    Candidate.objects.filter(pk=candidate.pk).update(
        linkedin_profile_url=values["linkedin_profile_url"]
    )
    return Candidate.objects.get(pk=candidate.pk)


@pytest.fixture(params=[stored_legacy, from_linkedin_payload], ids=["legacy", "linkedin"])
def hostile_candidate(request, db):
    candidate = request.param()
    assert candidate.linkedin_profile_url == BAD  # stored as sent: the pages must cope
    return candidate


@pytest.mark.parametrize("linked", [False, True], ids=["unlinked", "linked"])
def test_recruiter_pages_show_a_hostile_profile_url_as_text(
    seated_client, hostile_candidate, linked
):
    if linked:
        MemberLinkFactory(candidate=hostile_candidate)
    pk = hostile_candidate.pk

    for path in (
        f"/candidates/{pk}/",
        f"/candidates/{pk}/?panel=linkedin",
        f"/candidates/{pk}/linkedin/",
    ):
        html = seated_client.get(path).content.decode()
        assert_never_linked(html, path)
    panel = seated_client.get(f"/candidates/{pk}/linkedin/").content.decode()
    assert "javascript:alert(document.cookie)" in panel  # shown, as text


def test_recruiter_panel_links_a_real_profile(seated_client, db):
    candidate = CandidateFactory(linkedin_profile_url="https://www.linkedin.com/in/jane-doe-4a1b")

    panel = seated_client.get(f"/candidates/{candidate.pk}/linkedin/").content.decode()

    assert "https://www.linkedin.com/in/jane-doe-4a1b" in hrefs(panel)


def test_admin_list_and_detail_show_a_hostile_profile_url_as_text(admin_client, hostile_candidate):
    change = admin_client.get(
        reverse("admin:candidates_candidate_change", args=[hostile_candidate.pk])
    ).content.decode()
    changelist = admin_client.get(reverse("admin:candidates_candidate_changelist")).content.decode()

    assert_never_linked(change, "admin change form")
    assert_never_linked(changelist, "admin changelist")
    assert "javascript:alert(document.cookie)" in change


def test_admin_form_input_is_never_linked_either(admin_client, db):
    from tests.admin.test_candidate_admin import ADD, form_data

    admin_client.post(ADD, form_data(linkedin_profile_url=BAD))
    stored = Candidate.objects.filter(first_name="Jane").first()
    pages = [admin_client.get(reverse("admin:candidates_candidate_changelist")).content.decode()]
    if stored is not None:  # kept as typed: every page must show it as text
        pages.append(
            admin_client.get(
                reverse("admin:candidates_candidate_change", args=[stored.pk])
            ).content.decode()
        )

    for html in pages:
        assert_never_linked(html, "admin")


def test_admin_links_a_real_profile(admin_client, db):
    candidate = CandidateFactory(linkedin_profile_url="https://www.linkedin.com/in/jane-doe-4a1b")

    change = admin_client.get(
        reverse("admin:candidates_candidate_change", args=[candidate.pk])
    ).content.decode()

    assert "https://www.linkedin.com/in/jane-doe-4a1b" in hrefs(change)
