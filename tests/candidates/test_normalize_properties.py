"""Property tests: the normalisers never crash and are idempotent on any text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from candidates import normalize

# Arbitrary Unicode (surrogates excluded: they cannot reach us from JSON or a form).
# No deadline: the shared CI machine is slow and the first example pays for imports.
any_text = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=80)

# Text shaped like LinkedIn profile URLs, so the interesting branches are reached often.
_url_piece = st.lists(
    st.sampled_from(
        [
            *"abcxyzABCÉéèöøß0129-_.%/?#;=&+ ~",
            *("%C3%A9", "%2F", "%3F", "%25", "%E9", "e\u0301", "İ", "ǰ", "ﬁ", "\u00a0", "Ⅻ"),
        ]
    ),
    max_size=12,
).map("".join)
_host = st.sampled_from(
    [
        "linkedin.com",
        "www.linkedin.com",
        "WWW.LinkedIn.COM",
        "uk.linkedin.com",
        "m.linkedin.com",
        "touch.www.linkedin.com",
        "linkedin.com.",
        "linkedin.com:443",
        "evil.com",
        "linkedin.com.evil.com",
    ]
)
linkedin_like_url = st.builds(
    lambda scheme, host, kind, slug, ids, tail: f"{scheme}{host}/{kind}/{slug}{ids}{tail}",
    st.sampled_from(["https://", "http://", "//", "", " HTTPS://"]),
    _host,
    st.sampled_from(["in", "IN", "pub", "mwlite/in", "company", ""]),
    _url_piece,
    st.sampled_from(["", "/a7/576/b50", "/1/2/3", "/zz/1/2", "/100/384/6b0/"]),
    _url_piece,
)
url_text = st.one_of(any_text, linkedin_like_url)


@settings(max_examples=200, deadline=None)
@given(any_text)
def test_normalize_email_is_total_and_idempotent(value: str) -> None:
    once = normalize.normalize_email(value)

    assert normalize.normalize_email(once) == once
    assert once == "" or once.count("@") == 1


@settings(max_examples=200, deadline=None)
@given(any_text)
def test_normalize_name_part_is_total_and_idempotent(value: str) -> None:
    once = normalize.normalize_name_part(value)

    assert normalize.normalize_name_part(once) == once
    assert all(ch.isalnum() for ch in once)


@settings(max_examples=200, deadline=None)
@given(any_text, any_text)
def test_normalize_full_name_never_crashes(first: str, last: str) -> None:
    assert isinstance(normalize.normalize_full_name(first, last), str)


@settings(max_examples=300, deadline=None)
@given(url_text)
def test_profile_slug_is_total_and_survives_canonicalisation(url: str) -> None:
    slug = normalize.profile_slug(url)
    canonical = normalize.canonical_profile_url(url)

    assert normalize.profile_slug(canonical) == slug
    assert normalize.canonical_profile_url(canonical) == canonical
    if slug:
        assert canonical == f"https://www.linkedin.com/in/{slug}"
        assert not any(ch in slug for ch in "/?#% ")


@settings(max_examples=200, deadline=None)
@given(any_text)
def test_normalize_skill_is_total_and_idempotent(value: str) -> None:
    once = normalize.normalize_skill(value)

    assert normalize.normalize_skill(once) == once


@settings(max_examples=200, deadline=None)
@given(any_text)
def test_compact_skill_is_total_and_idempotent(value: str) -> None:
    once = normalize.compact_skill(value)

    assert normalize.compact_skill(once) == once
    assert all(ch.isalnum() for ch in once)


@settings(max_examples=100, deadline=None)
@given(any_text)
def test_none_and_empty_give_empty_strings(value: str) -> None:
    for function in (
        normalize.normalize_email,
        normalize.normalize_name_part,
        normalize.profile_slug,
        normalize.canonical_profile_url,
        normalize.normalize_skill,
        normalize.compact_skill,
    ):
        assert function(None) == ""
        assert function("") == ""
        assert isinstance(function(value), str)


# --- Spelling variants of one identifier give one key (what the duplicate check relies on) --

_ascii_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=12)


@settings(max_examples=200, deadline=None)
@given(_ascii_word, _ascii_word, st.sampled_from(["", " ", "\t", "  \n"]), st.booleans())
def test_email_key_ignores_case_and_surrounding_space(local, domain, pad, upper) -> None:
    email = f"{local}@{domain}.example"
    variant = pad + (email.upper() if upper else email.title()) + pad
    assert normalize.normalize_email(variant) == normalize.normalize_email(email) == email


@settings(max_examples=200, deadline=None)
@given(
    slug=st.from_regex(r"[a-z][a-z0-9-]{1,20}[a-z0-9]", fullmatch=True),
    scheme=st.sampled_from(["https://", "http://", "", "//", "HTTPS://"]),
    host=st.sampled_from(
        ["linkedin.com", "www.linkedin.com", "uk.linkedin.com", "WWW.LINKEDIN.COM"]
    ),
    tail=st.sampled_from(["", "/", "?trk=public_profile", "/#about", "/?originalSubdomain=uk"]),
    upper=st.booleans(),
)
def test_profile_url_variants_share_one_slug_and_canonical_url(slug, scheme, host, tail, upper):
    path_slug = slug.upper() if upper else slug
    url = f"{scheme}{host}/in/{path_slug}{tail}"
    assert normalize.profile_slug(url) == slug
    assert normalize.canonical_profile_url(url) == f"https://www.linkedin.com/in/{slug}"


@settings(max_examples=200, deadline=None)
@given(any_text, st.sampled_from([str.upper, str.lower, str.title, str.strip]))
def test_name_key_ignores_case_and_surrounding_space(value, variant) -> None:
    assert normalize.normalize_name_part(variant(value)) == normalize.normalize_name_part(value)
    assert normalize.normalize_name_part(f"  {value}\t") == normalize.normalize_name_part(value)
