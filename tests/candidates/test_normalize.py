"""Examples for the normalisers behind the duplicate check and Skills Search."""

from __future__ import annotations

import unicodedata

import pytest

from candidates.normalize import (
    canonical_profile_url,
    compact_skill,
    normalize_email,
    normalize_full_name,
    normalize_name_part,
    normalize_skill,
    profile_slug,
)


@pytest.mark.parametrize(
    "url",
    [
        "https://www.linkedin.com/in/jane-doe-4a1b",
        "http://linkedin.com/in/Jane-Doe-4a1b/",
        "linkedin.com/in/jane-doe-4a1b?trk=public_profile#experience",
        "https://uk.linkedin.com/in/jane-doe-4a1b",
        "https://m.linkedin.com/in/jane-doe-4a1b/details/experience/",
        "  HTTPS://WWW.LINKEDIN.COM/IN/JANE-DOE-4A1B  ",
        "//www.linkedin.com/in/jane-doe-4a1b",
        "https://www.linkedin.com/in/jane%2Ddoe%2D4a1b",
        "www.linkedin.com/mwlite/in/jane-doe-4a1b",
        "https://de.linkedin.com:443/in/jane-doe-4a1b;jsessionid=abc",
        "https://www.linkedin.com./in/jane-doe-4a1b",
    ],
)
def test_profile_slug_ignores_every_spelling_of_one_profile(url: str) -> None:
    assert profile_slug(url) == "jane-doe-4a1b"


def test_profile_slug_decodes_percent_encoded_accents_in_either_unicode_form() -> None:
    encoded = "https://es.linkedin.com/in/jos%C3%A9-garc%C3%ADa?trk=x"
    typed = "https://www.linkedin.com/in/José-García/"
    decomposed = unicodedata.normalize("NFD", typed)

    assert profile_slug(encoded) == profile_slug(typed) == profile_slug(decomposed) == "josé-garcía"


@pytest.mark.parametrize(
    ("url", "slug"),
    [
        # LinkedIn redirects /pub/<name>/<a>/<b>/<c> to /in/<name>-<c><b><a>.
        (
            "https://sy.linkedin.com/pub/krzysztof-marzec/a7/576/b50?trk=biz_employee_pub",
            "krzysztof-marzec-b50576a7",
        ),
        ("https://uk.linkedin.com/pub/abdi-ahmed/100/384/6b0", "abdi-ahmed-6b0384100"),
        ("http://www.linkedin.com/pub/john-smith/1/23/4/", "john-smith-0040231"),
    ],
)
def test_old_pub_urls_give_the_slug_of_the_in_url_they_redirect_to(url: str, slug: str) -> None:
    assert profile_slug(url) == slug
    assert canonical_profile_url(url) == f"https://www.linkedin.com/in/{slug}"


@pytest.mark.parametrize(
    "url",
    [
        "https://www.linkedin.com/company/acme",
        "https://linkedin.com.evil.example/in/jane",
        "https://example.com/in/jane",
        "https://www.linkedin.com/in/",
        "https://www.linkedin.com/in/%20%3F",
        "https://www.linkedin.com/pub/dir/john/smith",
        "http://[::1",
        "not a url at all",
        "lnkd.in/abc",
        "   ",
    ],
)
def test_profile_slug_is_empty_for_anything_but_a_profile(url: str) -> None:
    assert profile_slug(url) == ""


def test_encoded_separators_stay_inside_the_slug_and_round_trip() -> None:
    url = "https://www.linkedin.com/in/foo%3Fbar%2Fbaz%2541"

    canonical = canonical_profile_url(url)

    assert profile_slug(url) == "foobarbaz41"
    assert canonical == "https://www.linkedin.com/in/foobarbaz41"
    assert profile_slug(canonical) == profile_slug(url)


def test_canonical_profile_url_leaves_other_urls_trimmed_but_unchanged() -> None:
    assert canonical_profile_url("  https://example.com/Me?x=1 ") == "https://example.com/Me?x=1"
    assert canonical_profile_url("https://uk.linkedin.com/in/Jane-Doe/?x=1") == (
        "https://www.linkedin.com/in/jane-doe"
    )


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("  John.Smith@Example.COM ", "john.smith@example.com"),
        ("ÉLISE@exemple.fr", "élise@exemple.fr"),
        (unicodedata.normalize("NFD", "élise@exemple.fr"), "élise@exemple.fr"),
        ("o'brien@example.ie", "o'brien@example.ie"),
        ("no-at-sign", ""),
        ("a@b@c", ""),
        ("@example.com", ""),
        ("jane@", ""),
        ("john smith@example.com", ""),
        ("john@exam\x00ple.com", ""),
        ("zero\u200bwidth@example.com", ""),
    ],
)
def test_normalize_email(raw: str, key: str) -> None:
    assert normalize_email(raw) == key


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("O'Brien", "obrien"),
        ("OBrien", "obrien"),
        ("o brien", "obrien"),
        ("  O'Brien-Smith ", "obriensmith"),
        ("Zoë", "zoe"),
        ("ZOE", "zoe"),
        ("Søren", "soren"),
        ("Łukasz", "lukasz"),
        ("STRAßE", "strasse"),
        ("Ægir", "aegir"),
        ("José María", "josemaria"),
        ("Иван", "иван"),
        ("王", "王"),
        ("  ", ""),
        ("'-.", ""),
    ],
)
def test_normalize_name_part(raw: str, key: str) -> None:
    assert normalize_name_part(raw) == key


def test_normalize_full_name() -> None:
    assert normalize_full_name("Zoë", "O'Brien") == "zoe obrien"
    assert normalize_full_name("", "Smith") == "smith"


def test_skills() -> None:
    assert normalize_skill("Apache  Spark ") == "apache spark"
    assert normalize_skill("İstanbul") == normalize_skill(normalize_skill("İstanbul"))
    assert compact_skill("Node.js") == compact_skill("NodeJS") == "nodejs"
    assert compact_skill("C++") == "cplusplus"
    assert compact_skill("C#") == "csharp"
    assert compact_skill("C") == "c"
    assert compact_skill("機械学習") == "機械学習"
