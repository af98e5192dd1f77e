"""Skills Search: the pure matcher (no database) and a few calls through the endpoint."""

from __future__ import annotations

import pytest

from candidates.selectors import skill_dictionary, skill_search, skills_resolve
from candidates.services import quick_skill_create
from candidates.skill_search import (
    FUZZY_THRESHOLD,
    MatchMethod,
    NoMatchReason,
    SkillEntry,
    SkillIndex,
)
from candidates.skill_search import skill_search as match_skill

DICTIONARY = [
    SkillEntry(id=1, name="Python", aliases=("Python 3", "py")),
    SkillEntry(id=2, name="JavaScript", aliases=("JS", "ECMAScript")),
    SkillEntry(id=3, name="Java"),
    SkillEntry(id=4, name="Node.js"),
    SkillEntry(id=5, name="Apache Spark", aliases=("Spark",)),
    SkillEntry(id=6, name="C++"),
    SkillEntry(id=7, name="C#"),
    SkillEntry(id=8, name="C"),
    SkillEntry(id=9, name="Kubernetes", aliases=("k8s",)),
    SkillEntry(id=10, name="SQL"),
    SkillEntry(id=11, name="React"),
]


def search(query: str, entries: list[SkillEntry] = DICTIONARY, **kwargs: bool):
    return match_skill(query, entries, **kwargs)


# --- Level 1: exact (case, accents and spaces ignored) ----------------------------------------


@pytest.mark.parametrize("query", ["Python", "python", "  PYTHON ", "Pythön"])
def test_exact_match_on_name_ignores_case_accents_and_spaces(query):
    result = search(query)

    assert (result.skill_id, result.name, result.method) == (1, "Python", MatchMethod.EXACT)
    assert result.score == 1.0
    assert result.matched_text == "Python"
    assert not result.via_alias


def test_exact_match_collapses_inner_spaces():
    result = search("apache    spark")

    assert (result.skill_id, result.method) == (5, MatchMethod.EXACT)


def test_alias_match_answers_the_dictionary_name():
    result = search("js")

    assert (result.skill_id, result.name, result.method) == (2, "JavaScript", MatchMethod.EXACT)
    assert result.matched_text == "JS"
    assert result.via_alias


def test_short_names_match_exactly():
    assert search("c").skill_id == 8
    assert search("sql").skill_id == 10
    assert search("java").skill_id == 3


# --- Level 2: normalised (punctuation and separators ignored) --------------------------------


@pytest.mark.parametrize("query", ["NodeJS", "node js", "node-js", "NODE_JS"])
def test_normalised_match_ignores_punctuation(query):
    result = search(query)

    assert (result.skill_id, result.name, result.method) == (4, "Node.js", MatchMethod.NORMALISED)
    assert result.score == 1.0


def test_normalised_match_on_an_alias():
    result = search("Python-3")

    assert (result.skill_id, result.method, result.matched_text) == (
        1,
        MatchMethod.NORMALISED,
        "Python 3",
    )


def test_meaningful_symbols_keep_c_plus_plus_and_c_sharp_apart():
    assert search("c++").skill_id == 6
    assert search("C #").skill_id == 7
    assert search("c").skill_id == 8


def test_exact_level_wins_before_normalised():
    entries = [SkillEntry(id=1, name="Node JS"), SkillEntry(id=2, name="nodejs")]

    result = search("node js", entries)

    assert (result.skill_id, result.method) == (1, MatchMethod.EXACT)


# --- Level 3: fuzzy -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "skill_id"),
    [
        ("Pyhton", 1),  # transposition in a 6-letter name
        ("Pythen", 1),  # substitution in a 6-letter name
        ("Pythn", 1),  # deletion
        ("Pythonn", 1),  # insertion
        ("Kubernets", 9),
        ("Javascrpt", 2),
    ],
)
def test_one_letter_typo_in_a_long_name_matches(query, skill_id):
    result = search(query)

    assert (result.skill_id, result.method) == (skill_id, MatchMethod.FUZZY)
    assert FUZZY_THRESHOLD <= result.score < 1.0


def test_fuzzy_score_is_the_levenshtein_ratio_of_the_compact_forms():
    result = search("Pyhton")

    assert result.score == pytest.approx(10 / 12, abs=1e-4)


@pytest.mark.parametrize("query", ["Java", "java script engine", "Javas"])
def test_java_is_not_javascript(query):
    entries = [SkillEntry(id=2, name="JavaScript")]

    result = search(query, entries)

    assert not result.matched
    assert result.reason == NoMatchReason.NOT_FOUND


@pytest.mark.parametrize("query", ["Reakt", "Sql2", "Jav", "Rect", "Reactt"])
def test_short_names_need_an_exact_match(query):
    result = search(query)

    assert not result.matched


def test_two_typos_in_a_long_name_do_not_match():
    result = search("Kubarnates")

    assert not result.matched


def test_fuzzy_can_be_turned_off():
    assert search("Pyhton", fuzzy=False).reason == NoMatchReason.NOT_FOUND


def test_fuzzy_reaches_aliases():
    entries = [SkillEntry(id=1, name="PostgreSQL", aliases=("Postgres",))]

    result = search("Postgress", entries)

    assert (result.skill_id, result.name, result.method) == (1, "PostgreSQL", MatchMethod.FUZZY)
    assert result.matched_text == "Postgres"


# --- Ties and misses -------------------------------------------------------------------------


def test_tie_between_two_skills_at_the_exact_level_is_no_match():
    entries = [
        SkillEntry(id=1, name="Spark", aliases=()),
        SkillEntry(id=2, name="Apache Spark", aliases=("Spark",)),
    ]

    result = search("spark", entries)

    assert not result.matched
    assert result.reason == NoMatchReason.AMBIGUOUS
    assert result.tied_skill_ids == (1, 2)


def test_tie_between_two_skills_at_the_fuzzy_level_is_no_match():
    entries = [SkillEntry(id=1, name="Python"), SkillEntry(id=2, name="Jython")]

    result = search("Xython", entries)

    assert result.reason == NoMatchReason.AMBIGUOUS
    assert result.tied_skill_ids == (1, 2)
    assert result.score == pytest.approx(10 / 12, abs=1e-4)


def test_best_fuzzy_score_wins_over_a_lower_one():
    entries = [SkillEntry(id=1, name="Python"), SkillEntry(id=2, name="Jython")]

    result = search("Pythn", entries)

    assert result.skill_id == 1


def test_name_and_alias_of_one_skill_are_not_a_tie():
    entries = [SkillEntry(id=1, name="Kubernetes", aliases=("kubernetes ", "K8S"))]

    result = search("KUBERNETES", entries)

    assert result.skill_id == 1


@pytest.mark.parametrize("query", ["Underwater basket weaving", "Haskell"])
def test_nothing_close_is_no_match(query):
    result = search(query)

    assert not result.matched
    assert result.reason == NoMatchReason.NOT_FOUND
    assert result.skill_id is None and result.name is None


@pytest.mark.parametrize("query", ["", "   ", "\u0301"])
def test_blank_query_is_no_match(query):
    assert search(query).reason == NoMatchReason.BLANK


def test_empty_dictionary_matches_nothing():
    assert search("Python", []).reason == NoMatchReason.NOT_FOUND


def test_index_answers_repeated_searches():
    index = SkillIndex(DICTIONARY)

    assert [index.search(q).skill_id for q in ("py", "NodeJS", "Pyhton", "Cobol")] == [
        1,
        4,
        1,
        None,
    ]
    assert len(index) == len(DICTIONARY)


# --- Through the database and the endpoint ---------------------------------------------------


@pytest.fixture
def dictionary(db):
    return {
        "python": quick_skill_create(name="Python", aliases=["Python 3"]),
        "node": quick_skill_create(name="Node.js"),
        "javascript": quick_skill_create(name="JavaScript", aliases=["JS"]),
    }


def test_dictionary_loads_in_two_queries(dictionary, django_assert_num_queries):
    with django_assert_num_queries(2):
        loaded = skill_dictionary()

    assert loaded.search("python 3").skill_id == dictionary["python"].pk


def test_skill_search_selector_uses_the_stored_dictionary(dictionary):
    result = skill_search("nodejs")

    assert (result.skill_id, result.method) == (dictionary["node"].pk, MatchMethod.NORMALISED)


def test_skills_resolve_splits_found_and_unknown_without_fuzzy(dictionary):
    found, unknown = skills_resolve(["js", "Python", "python 3", "Pyhton", "Cobol"])

    assert found == [dictionary["javascript"], dictionary["python"]]
    assert unknown == ["Pyhton", "Cobol"]


def test_skills_resolve_with_fuzzy_maps_a_typo(dictionary):
    found, unknown = skills_resolve(["Pyhton"], fuzzy=True)

    assert found == [dictionary["python"]] and unknown == []


def test_endpoint_answers_the_match(api_client, dictionary):
    response = api_client.get("/api/v1/skills/search/", {"q": "Node JS"})

    assert response.status_code == 200
    assert response.json() == {
        "query": "Node JS",
        "match": {"id": dictionary["node"].pk, "name": "Node.js", "method": "normalised"},
        "score": 1.0,
        "reason": None,
    }


def test_endpoint_answers_a_fuzzy_match_with_its_score(api_client, dictionary):
    body = api_client.get("/api/v1/skills/search/", {"q": "javascrpt"}).json()

    assert body["match"]["name"] == "JavaScript"
    assert body["match"]["method"] == "fuzzy"
    assert FUZZY_THRESHOLD <= body["score"] < 1


def test_endpoint_answers_null_without_a_match(api_client, dictionary):
    response = api_client.get("/api/v1/skills/search/", {"q": "Java"})

    assert response.status_code == 200
    assert response.json() == {
        "query": "Java",
        "match": None,
        "score": None,
        "reason": "not_found",
    }


def test_endpoint_never_creates_a_skill(api_client, dictionary):
    from candidates.models import QuickSkill

    api_client.get("/api/v1/skills/search/", {"q": "Rust"})

    assert QuickSkill.objects.count() == 3


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "   "}, {"q": "\u0301"}])
def test_endpoint_needs_a_query(api_client, dictionary, params):
    response = api_client.get("/api/v1/skills/search/", params)

    assert response.status_code == 400
    assert list(response.json()) == ["q"]
