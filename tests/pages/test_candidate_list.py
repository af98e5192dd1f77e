"""The candidate list: search, filters, sorting and keyset pagination."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from candidates import selectors_pages
from candidates.models import Candidate
from candidates.selectors_pages import Cursor
from tests.candidates.factories import (
    CandidateFactory,
    CandidateSkillFactory,
    MemberLinkFactory,
    QuickSkillFactory,
)

pytestmark = pytest.mark.django_db

ROW = re.compile(r'data-candidate-id="(\d+)"')
NEXT = re.compile(r'rel="next" href="\?([^"]*)"')
PREV = re.compile(r'rel="prev" href="\?([^"]*)"')


def _ids(response) -> list[int]:
    return [int(pk) for pk in ROW.findall(response.content.decode())]


def _link(pattern: re.Pattern, response) -> str:
    found = pattern.search(response.content.decode())
    return found.group(1).replace("&amp;", "&") if found else ""


def _candidates(n: int, **kwargs) -> list[Candidate]:
    """n candidates, updated one minute apart, newest last."""
    base = timezone.now() - timedelta(days=1)
    return [CandidateFactory(updated_at=base + timedelta(minutes=i), **kwargs) for i in range(n)]


def test_default_order_is_newest_update_first(seated_client):
    old, middle, new = _candidates(3)
    response = seated_client.get("/candidates/")
    assert response.status_code == 200
    assert _ids(response) == [new.pk, middle.pk, old.pk]


def test_sort_oldest_first(seated_client):
    old, middle, new = _candidates(3)
    response = seated_client.get("/candidates/?sort=updated")
    assert _ids(response) == [old.pk, middle.pk, new.pk]


def test_search_by_name_prefix_and_full_name(seated_client):
    jane = CandidateFactory(first_name="Jane", last_name="Doe", email="jd@x.example")
    CandidateFactory(first_name="John", last_name="Smith", email="js@x.example")
    janet = CandidateFactory(first_name="Janet", last_name="Rivers", email="jr@x.example")
    assert set(_ids(seated_client.get("/candidates/?q=jan"))) == {jane.pk, janet.pk}
    assert _ids(seated_client.get("/candidates/?q=Jane+Doe")) == [jane.pk]
    assert _ids(seated_client.get("/candidates/?q=doe+jane")) == [jane.pk]


def test_search_by_email_matches_the_normalised_key(seated_client):
    target = CandidateFactory(email="Target.Person@Example.com")
    CandidateFactory(email="other@example.com")
    response = seated_client.get("/candidates/?q=TARGET.person@example.COM")
    assert _ids(response) == [target.pk]


def test_search_by_skill_goes_through_the_quick_skill(seated_client):
    python = QuickSkillFactory(name="Python")
    has_it = CandidateFactory()
    CandidateSkillFactory(candidate=has_it, skill=python)
    CandidateFactory()
    response = seated_client.get("/candidates/?skill=python")
    assert _ids(response) == [has_it.pk]
    assert "Python" in response.content.decode()


def test_unknown_skill_says_so_and_lists_nobody(seated_client):
    CandidateFactory()
    response = seated_client.get("/candidates/?skill=Underwater+basket+weaving")
    assert _ids(response) == []
    assert "No Quick Skill matches" in response.content.decode()


def test_filter_linked_and_unlinked(seated_client):
    linked = CandidateFactory()
    MemberLinkFactory(candidate=linked)
    unlinked = CandidateFactory()
    ended = CandidateFactory()
    MemberLinkFactory(candidate=ended, unlinked_at=timezone.now())
    assert _ids(seated_client.get("/candidates/?linked=linked")) == [linked.pk]
    assert set(_ids(seated_client.get("/candidates/?linked=unlinked"))) == {unlinked.pk, ended.pk}


def test_filter_source_updated_since_and_duplicates(seated_client):
    now = timezone.now()
    stub = CandidateFactory(source=Candidate.Source.STUB_PROFILE, updated_at=now)
    original = CandidateFactory(updated_at=now - timedelta(days=30))
    duplicate = CandidateFactory(possible_duplicate_of=original, updated_at=now)
    assert _ids(seated_client.get("/candidates/?source=stub_profile")) == [stub.pk]
    since = (now - timedelta(days=2)).date().isoformat()
    assert set(_ids(seated_client.get(f"/candidates/?updated_since={since}"))) == {
        stub.pk,
        duplicate.pk,
    }
    response = seated_client.get("/candidates/?duplicates=on")
    assert _ids(response) == [duplicate.pk]
    assert "Possible duplicate" in response.content.decode()


def test_invalid_filters_are_reported_with_400(seated_client):
    CandidateFactory()
    response = seated_client.get("/candidates/?updated_since=yesterday&linked=maybe")
    html = response.content.decode()
    assert response.status_code == 400
    assert "Some filters are not valid" in html
    assert _ids(response) == []


def test_tampered_cursor_is_a_clear_error(seated_client):
    response = seated_client.get("/candidates/?cursor=not-a-cursor")
    assert response.status_code == 400
    assert "start again from the first page" in response.content.decode()


def test_keyset_pagination_walks_every_row_once_in_order(seated_client):
    rows = _candidates(selectors_pages.CANDIDATES_PER_PAGE * 2 + 3)
    # Two candidates share one updated_at: the id tie-breaker must still order them.
    Candidate.objects.filter(pk=rows[8].pk).update(updated_at=rows[9].updated_at)
    expected = list(Candidate.objects.order_by("-updated_at", "-id").values_list("pk", flat=True))
    seen: list[int] = []
    pages = 0
    query = ""
    while True:
        response = seated_client.get(f"/candidates/?{query}")
        page_ids = _ids(response)
        assert page_ids, "an empty page was linked"
        seen.extend(page_ids)
        pages += 1
        query = _link(NEXT, response)
        if not query:
            break
    assert pages == 3
    assert seen == expected
    assert len(seen) == len(set(seen))


def test_previous_page_returns_the_same_rows(seated_client):
    _candidates(selectors_pages.CANDIDATES_PER_PAGE + 4)
    first = seated_client.get("/candidates/?q=&sort=-updated")
    second = seated_client.get(f"/candidates/?{_link(NEXT, first)}")
    back = seated_client.get(f"/candidates/?{_link(PREV, second)}")
    assert _ids(back) == _ids(first)
    assert not _link(PREV, back)
    assert len(_ids(second)) == 4


def test_pagination_keeps_the_filters(seated_client):
    python = QuickSkillFactory(name="Python")
    with_skill = _candidates(selectors_pages.CANDIDATES_PER_PAGE + 3)
    for candidate in with_skill:
        CandidateSkillFactory(candidate=candidate, skill=python)
    _candidates(3)  # without the skill
    first = seated_client.get("/candidates/?skill=Python&sort=updated")
    next_query = _link(NEXT, first)
    assert "skill=Python" in next_query and "sort=updated" in next_query
    second = seated_client.get(f"/candidates/?{next_query}")
    assert _ids(second) == [c.pk for c in with_skill[selectors_pages.CANDIDATES_PER_PAGE :]]


def test_cursor_round_trip():
    at = timezone.now()
    assert Cursor.decode(Cursor(at=at, pk=7, backwards=True).encode()) == Cursor(
        at=at, pk=7, backwards=True
    )


def test_list_queries_stay_bounded_with_many_rows(seated_client, django_assert_max_num_queries):
    python = QuickSkillFactory(name="Python")
    for candidate in _candidates(selectors_pages.CANDIDATES_PER_PAGE * 2):
        CandidateSkillFactory(candidate=candidate, skill=python)
        CandidateSkillFactory(candidate=candidate)
        MemberLinkFactory(candidate=candidate)
    # session + user + seat + page + skills + links (+ skill lookup) + savepoints
    with django_assert_max_num_queries(10):
        response = seated_client.get("/candidates/?skill=Python&linked=linked")
    assert len(_ids(response)) == selectors_pages.CANDIDATES_PER_PAGE
