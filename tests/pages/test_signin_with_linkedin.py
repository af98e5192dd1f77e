"""Sign in with LinkedIn from the widget's prompt: state, nonce and next handling, LinkedIn's
answers (strict ``responses``: any call not registered fails the test), and every refusal."""

from __future__ import annotations

import base64
import json
import time
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
import time_machine
from django.contrib.admin.models import LogEntry
from django.utils import timezone
from responses import matchers

from tests.candidates.factories import CandidateFactory
from tests.tracker_rsc.factories import LinkedInSeatFactory, UserFactory
from tracker_rsc.linkedin import RetryPolicy
from tracker_rsc.models import LinkedInSeat

pytestmark = pytest.mark.django_db

AUTHORIZE = "https://www.linkedin.com/oauth/v2/authorization"
TOKEN = "https://www.linkedin.com/oauth/v2/accessToken"
USERINFO = "https://api.linkedin.com/v2/userinfo"
CLIENT_ID = "tracker-app"
CLIENT_SECRET = "tracker-secret"
RETURN = "http://testserver/accounts/linkedin/return/"
MEMBER_TOKEN = "AQVmember-token-value"
SUB = "ada42"
PERSON = f"urn:li:person:{SUB}"


@pytest.fixture(autouse=True)
def _linkedin(settings, monkeypatch):
    settings.SITE_URL = "http://testserver"
    settings.LINKEDIN_AUTHORIZATION_URL = AUTHORIZE
    settings.LINKEDIN_TOKEN_URL = TOKEN
    settings.LINKEDIN_API_URL = "https://api.linkedin.com"
    settings.LINKEDIN_CLIENT_ID = CLIENT_ID
    settings.LINKEDIN_CLIENT_SECRET = CLIENT_SECRET
    # Retries without waiting: a test never sleeps.
    monkeypatch.setattr(
        "tracker_rsc.linkedin.oidc.RetryPolicy",
        lambda **kwargs: RetryPolicy(attempts=2, base_wait=0.0, max_wait=0.0),
    )


@pytest.fixture
def linkedin():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def user(db):
    return UserFactory(username="ada", first_name="Ada", last_name="Lovelace")


@pytest.fixture
def browser(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def candidate(db):
    return CandidateFactory()


@pytest.fixture
def seat(db):
    return LinkedInSeatFactory(user=None, person_urn=PERSON, first_name="Ada", last_name="L")


def _jwt(claims: dict) -> str:
    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'RS256'})}.{part(claims)}.signature"


def _start(browser, next_url: str = "/candidates/") -> dict[str, str]:
    response = browser.post("/accounts/linkedin/signin/", {"next": next_url})
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == AUTHORIZE
    return {k: v[0] for k, v in parse_qs(location.query).items()}


def _id_claims(expected_nonce: str, **overrides: object) -> dict:
    claims = {
        "iss": "https://www.linkedin.com/oauth",
        "aud": CLIENT_ID,
        "iat": int(time.time()),
        "exp": int(time.time()) + 3600,
        "sub": SUB,
        "nonce": expected_nonce,
    }
    claims.update(overrides)
    return claims


def _form_matcher(expected: dict[str, str]):
    """The request is form-encoded with exactly these fields (the body is bytes)."""

    def match(request) -> tuple[bool, str]:
        body = request.body.decode() if isinstance(request.body, bytes) else request.body or ""
        form = {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}
        content_type = request.headers.get("Content-Type", "")
        ok = form == expected and content_type == "application/x-www-form-urlencoded"
        return ok, "" if ok else f"form {form} ({content_type}) is not {expected}"

    return match


def _linkedin_answers(linkedin, code: str, nonce: str, *, userinfo_sub: str = SUB, **claims):
    linkedin.post(
        TOKEN,
        json={
            "access_token": MEMBER_TOKEN,
            "expires_in": 5183999,
            "scope": "email,openid,profile",
            "token_type": "Bearer",
            "id_token": _jwt(_id_claims(nonce, **claims)),
        },
        match=[
            _form_matcher(
                {
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": RETURN,
                    "client_id": CLIENT_ID,
                    "client_secret": CLIENT_SECRET,
                }
            )
        ],
    )
    linkedin.get(
        USERINFO,
        json={
            "sub": userinfo_sub,
            "name": "Ada Lovelace",
            "given_name": "Ada",
            "family_name": "Lovelace",
            "email": "ada@example.com",
            "email_verified": True,
            "locale": {"country": "GB", "language": "en"},
            "picture": "",
        },
        match=[matchers.header_matcher({"Authorization": f"Bearer {MEMBER_TOKEN}"})],
    )


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def _return(browser, **params: str):
    return browser.get("/accounts/linkedin/return/", params, follow=True)


def _nothing_changed(seat: LinkedInSeat, user) -> None:
    seat.refresh_from_db()
    assert seat.user_id is None
    assert not LinkedInSeat.objects.filter(user=user).exists()
    assert not LogEntry.objects.exists()


# --- Starting -------------------------------------------------------------------------------


def test_start_redirects_to_linkedin_with_a_fresh_state_and_nonce(browser, candidate):
    next_url = f"{candidate.get_absolute_url()}?panel=linkedin#linkedin"

    params = _start(browser, next_url)
    second = _start(browser, next_url)

    assert params["response_type"] == "code"
    assert params["client_id"] == CLIENT_ID
    assert params["redirect_uri"] == RETURN
    assert params["scope"] == "openid profile email"
    assert len(params["state"]) >= 32 and len(params["nonce"]) >= 32
    assert params["state"] != second["state"] and params["nonce"] != second["nonce"]
    pending = browser.session["linkedin_signin"]
    assert pending[params["state"]]["nonce"] == params["nonce"]
    assert pending[params["state"]]["next"] == next_url


@pytest.mark.parametrize(
    "unsafe", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", ""]
)
def test_an_unsafe_next_falls_back_to_the_candidate_list(browser, unsafe):
    params = _start(browser, unsafe)
    assert browser.session["linkedin_signin"][params["state"]]["next"] == "/candidates/"


def test_start_needs_a_signed_in_user_and_a_post(client, browser):
    anonymous = client.__class__().post("/accounts/linkedin/signin/", {"next": "/candidates/"})
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert browser.get("/accounts/linkedin/signin/").status_code == 405


def test_start_without_credentials_says_so(browser, settings):
    settings.LINKEDIN_CLIENT_ID = ""
    response = browser.post("/accounts/linkedin/signin/", {"next": "/candidates/"}, follow=True)
    assert "not configured" in _messages(response)[0]
    assert "linkedin_signin" not in browser.session


# --- Coming back ----------------------------------------------------------------------------


def test_round_trip_binds_the_seat_and_shows_the_widget(browser, user, seat, candidate, linkedin):
    next_url = f"{candidate.get_absolute_url()}?panel=linkedin"
    params = _start(browser, next_url)
    _linkedin_answers(linkedin, "the-code", params["nonce"])

    response = _return(browser, code="the-code", state=params["state"])

    assert response.redirect_chain[-1][0] == next_url
    seat.refresh_from_db()
    assert seat.user == user
    assert "Signed in with LinkedIn as Ada Lovelace" in _messages(response)[0]
    assert LogEntry.objects.get().change_message == "Bound to ada (Sign in with LinkedIn)."
    # The member token was used for this request only.
    assert MEMBER_TOKEN not in json.dumps(dict(browser.session.items()))
    panel = browser.get(f"/candidates/{candidate.pk}/linkedin/").content.decode()
    assert 'data-seated="true"' in panel


def test_a_state_is_single_use(browser, user, seat, linkedin):
    params = _start(browser)
    _linkedin_answers(linkedin, "the-code", params["nonce"])
    _return(browser, code="the-code", state=params["state"])
    LinkedInSeat.objects.filter(pk=seat.pk).update(user=None)

    replay = _return(browser, code="the-code", state=params["state"])

    assert "does not belong to a sign-in started here" in _messages(replay)[0]
    seat.refresh_from_db()
    assert seat.user_id is None


@pytest.mark.parametrize("state", ["", "forged-state"])
def test_a_missing_or_unknown_state_is_refused_without_calling_linkedin(
    browser, user, seat, linkedin, state
):
    _start(browser)
    response = _return(browser, code="the-code", state=state)
    assert "does not belong to a sign-in started here" in _messages(response)[0]
    _nothing_changed(seat, user)


def test_a_state_from_another_browser_session_is_refused(client, browser, user, seat, linkedin):
    params = _start(browser)
    other = client.__class__()
    other.force_login(UserFactory(username="mallory"))
    response = other.get(
        "/accounts/linkedin/return/", {"code": "c", "state": params["state"]}, follow=True
    )
    assert "does not belong to a sign-in started here" in _messages(response)[0]
    _nothing_changed(seat, user)


def test_an_expired_state_is_refused(browser, user, seat, linkedin):
    params = _start(browser)
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        response = _return(browser, code="the-code", state=params["state"])
    assert "expired" in _messages(response)[0]
    _nothing_changed(seat, user)


def test_cancelling_on_linkedin_changes_nothing(browser, user, seat, linkedin):
    params = _start(browser)
    response = _return(
        browser,
        error="user_cancelled_login",
        error_description="The user cancelled LogIn",
        state=params["state"],
    )
    assert _messages(response) == ["You cancelled Sign in with LinkedIn. Nothing was changed."]
    _nothing_changed(seat, user)


def test_another_linkedin_error_is_shown(browser, user, seat, linkedin):
    params = _start(browser)
    response = _return(
        browser, error="access_denied", error_description="Member said no", state=params["state"]
    )
    assert "LinkedIn did not sign you in: Member said no" in _messages(response)[0]
    _nothing_changed(seat, user)


def test_an_answer_without_a_code_is_refused(browser, user, seat, linkedin):
    params = _start(browser)
    response = _return(browser, state=params["state"])
    assert "no sign-in code" in _messages(response)[0]
    _nothing_changed(seat, user)


def test_a_refused_code_is_explained(browser, user, seat, linkedin):
    params = _start(browser)
    linkedin.post(
        TOKEN,
        status=400,
        json={"error": "invalid_request", "error_description": "authorization code expired"},
    )
    response = _return(browser, code="old", state=params["state"])
    assert "authorization code expired" in _messages(response)[0]
    _nothing_changed(seat, user)


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"nonce": "another-nonce"}, "nonce"),
        ({"aud": "another-app"}, "another application"),
        ({"iss": "https://evil.example"}, "not LinkedIn"),
        ({"exp": int(time.time()) - 3600}, "expired"),
    ],
)
def test_an_id_token_not_issued_for_this_sign_in_is_refused(
    browser, user, seat, linkedin, claims, reason
):
    params = _start(browser)
    linkedin.post(
        TOKEN,
        json={
            "access_token": MEMBER_TOKEN,
            "id_token": _jwt(_id_claims(params["nonce"], **claims)),
        },
    )
    response = _return(browser, code="the-code", state=params["state"])
    assert reason in _messages(response)[0]
    _nothing_changed(seat, user)


def test_userinfo_for_another_member_than_the_id_token_is_refused(browser, user, seat, linkedin):
    params = _start(browser)
    _linkedin_answers(linkedin, "the-code", params["nonce"], userinfo_sub="someoneelse")
    response = _return(browser, code="the-code", state=params["state"])
    assert "another member" in _messages(response)[0]
    _nothing_changed(seat, user)


def test_linkedin_down_is_a_try_again_message(browser, user, seat, linkedin):
    params = _start(browser)
    linkedin.post(TOKEN, status=503, json={"message": "down"})
    linkedin.post(TOKEN, status=503, json={"message": "down"})
    response = _return(browser, code="the-code", state=params["state"])
    assert "could not be reached" in _messages(response)[0]
    _nothing_changed(seat, user)


def test_a_member_without_a_seat_gets_the_refusal_and_nothing_changes(
    browser, user, linkedin, candidate
):
    LinkedInSeatFactory(user=None, person_urn="urn:li:person:someoneelse")
    next_url = candidate.get_absolute_url()
    params = _start(browser, next_url)
    _linkedin_answers(linkedin, "the-code", params["nonce"])

    response = _return(browser, code="the-code", state=params["state"])

    assert response.redirect_chain[-1][0] == next_url
    assert "no Recruiter seat" in _messages(response)[0]
    assert not LinkedInSeat.objects.filter(user=user).exists()


def test_a_seat_of_a_colleague_is_not_taken(browser, user, linkedin):
    colleague = UserFactory(username="colleague")
    seat = LinkedInSeatFactory(user=colleague, person_urn=PERSON)
    params = _start(browser)
    _linkedin_answers(linkedin, "the-code", params["nonce"])

    response = _return(browser, code="the-code", state=params["state"])

    assert "admin must remap" in _messages(response)[0]
    seat.refresh_from_db()
    assert seat.user == colleague


def test_the_prompt_starts_sign_in_with_linkedin_without_javascript(browser, candidate):
    html = browser.get(f"/candidates/{candidate.pk}/linkedin/").content.decode()
    assert 'action="/accounts/linkedin/signin/"' in html
    assert f'value="{candidate.get_absolute_url()}?panel=linkedin#linkedin"' in html
    assert "/accounts/logout/" not in html.split('id="linkedin-panel-content"')[1]


def test_sign_ins_in_several_tabs_stay_valid_up_to_a_bound(browser, user, seat, linkedin):
    started = [_start(browser) for _ in range(6)]

    pending = browser.session["linkedin_signin"]

    assert len(pending) == 5
    assert started[0]["state"] not in pending  # the oldest gave way
    _linkedin_answers(linkedin, "the-code", started[1]["nonce"])
    response = _return(browser, code="the-code", state=started[1]["state"])
    assert "Signed in with LinkedIn" in _messages(response)[0]
    assert len(browser.session["linkedin_signin"]) == 4
