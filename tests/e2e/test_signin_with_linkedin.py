"""End to end in headless Chromium: Sign in with LinkedIn through the sandbox.

An unseated recruiter opens a candidate, gets the prompt in the LinkedIn panel, signs in with
LinkedIn on the sandbox's sign-in page by picking the seat holder they are, and lands back on
the candidate, now seeing the widget. Tracker and the sandbox talk over real HTTP (the live
server), exactly as Tracker and LinkedIn would.
"""

from __future__ import annotations

import re

import pytest

from candidates.models import MemberLink
from tests.candidates.factories import CandidateFactory, MemberLinkFactory
from tests.e2e.conftest import screenshot, sign_in
from tests.sandbox.factories import SandboxContractFactory, SandboxSeatFactory
from tests.tracker_rsc.factories import ContractFactory, LinkedInSeatFactory, UserFactory
from tracker_rsc.models import LinkedInSeat

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CONTRACT = "urn:li:contract:100"
DAN = "urn:li:person:seat5005"
LINKED_MEMBER = "urn:li:person:JaneDoeE2E"
LINK_REASON = "LinkedIn matched the profile URL"


@pytest.fixture
def linkedin(live_server, settings, tmp_path):
    """Tracker pointed at the sandbox served by the live server, as ``make run`` does."""
    base = f"{live_server.url}/sandbox/linkedin"
    settings.SITE_URL = live_server.url
    settings.LINKEDIN_SANDBOX = True
    settings.LINKEDIN_API_URL = base
    settings.LINKEDIN_TOKEN_URL = f"{base}/oauth/v2/accessToken"
    settings.LINKEDIN_AUTHORIZATION_URL = f"{base}/oauth/v2/authorization"
    settings.LINKEDIN_CLIENT_ID = "e2e-client"
    settings.LINKEDIN_CLIENT_SECRET = "e2e-secret"
    # The application registered with the sandbox is the one Tracker is configured with.
    settings.LINKEDIN_SANDBOX_CLIENT_ID = "e2e-client"
    settings.LINKEDIN_SANDBOX_CLIENT_SECRET = "e2e-secret"
    settings.LINKEDIN_TIMEOUT = 60
    settings.VAR_DIR = tmp_path
    # LinkedIn's side: Dan's Recruiter seat, and a colleague's.
    contract = SandboxContractFactory(urn=CONTRACT)
    SandboxSeatFactory(contract=contract, person_urn=DAN, first_name="Dan", last_name="Okafor")
    SandboxSeatFactory(
        contract=contract, person_urn="urn:li:person:ben", first_name="Ben", last_name="Carter"
    )
    # Tracker's side: the seat sync stored Dan's seat, which nobody has mapped yet.
    return LinkedInSeatFactory(
        user=None,
        contract=ContractFactory(urn=CONTRACT),
        person_urn=DAN,
        first_name="Dan",
        last_name="Okafor",
    )


@pytest.fixture
def jane():
    candidate = CandidateFactory(first_name="Jane", last_name="Doe")
    MemberLinkFactory(
        candidate=candidate,
        person_urn=LINKED_MEMBER,
        method=MemberLink.Method.BULK_SYNC,
        matched_on=MemberLink.MatchedOn.PROFILE_URL,
        reason=LINK_REASON,
    )
    return candidate


def _open_prompt(page, jane):
    UserFactory(username="dan", first_name="Dan", last_name="Okafor")
    sign_in(page, "dan", next_url=f"/candidates/{jane.pk}/")
    page.click("#linkedin-panel-button")
    prompt = page.locator("[data-testid=recruiter-prompt]")
    prompt.wait_for()
    assert LINKED_MEMBER not in page.content()
    return prompt


def test_sign_in_with_linkedin_binds_the_seat_and_opens_the_widget(page, linkedin, jane):
    prompt = _open_prompt(page, jane)

    prompt.get_by_role("button", name="Sign in with LinkedIn").click()
    page.wait_for_url(re.compile(r".*/sandbox/linkedin/oauth/v2/authorization\?.*"))
    assert "Sign in with LinkedIn" in page.locator("h1").inner_text()
    screenshot(page, "06-sandbox-sign-in-page")
    page.click(f"button[data-person='{DAN}']")

    page.wait_for_url(re.compile(rf".*/candidates/{jane.pk}/\?panel=linkedin.*"))
    panel = page.locator("#linkedin-panel-content[data-seated=true]")
    panel.wait_for()
    assert LINKED_MEMBER in panel.inner_text() and LINK_REASON in panel.inner_text()
    assert "Signed in with LinkedIn as Dan Okafor" in page.locator(".messages").inner_text()
    assert LinkedInSeat.objects.get(person_urn=DAN).user.username == "dan"
    screenshot(page, "07-signed-in-with-linkedin")


def test_cancelling_on_the_sign_in_page_changes_nothing(page, linkedin, jane):
    prompt = _open_prompt(page, jane)

    prompt.get_by_role("button", name="Sign in with LinkedIn").click()
    page.wait_for_url(re.compile(r".*/sandbox/linkedin/oauth/v2/authorization\?.*"))
    page.click("#oidc-cancel")

    page.wait_for_url(re.compile(rf".*/candidates/{jane.pk}/\?panel=linkedin.*"))
    assert "You cancelled Sign in with LinkedIn" in page.locator(".messages").inner_text()
    page.locator("[data-testid=recruiter-prompt]").wait_for()
    assert LINKED_MEMBER not in page.content()
    assert LinkedInSeat.objects.get(person_urn=DAN).user is None


def test_signing_in_as_a_colleague_with_a_mapped_seat_is_refused(page, linkedin, jane):
    ben = UserFactory(username="ben")
    LinkedInSeatFactory(user=ben, contract=linkedin.contract, person_urn="urn:li:person:ben")
    prompt = _open_prompt(page, jane)

    prompt.get_by_role("button", name="Sign in with LinkedIn").click()
    page.wait_for_url(re.compile(r".*/sandbox/linkedin/oauth/v2/authorization\?.*"))
    page.click("button[data-person='urn:li:person:ben']")

    page.wait_for_url(re.compile(rf".*/candidates/{jane.pk}/\?panel=linkedin.*"))
    assert "admin must remap" in page.locator(".messages").inner_text()
    page.locator("[data-testid=recruiter-prompt]").wait_for()
    assert LinkedInSeat.objects.get(person_urn="urn:li:person:ben").user == ben
