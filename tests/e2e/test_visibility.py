"""In headless Chromium: a seated and an unseated recruiter on the same candidate, side by side.

Both read the InMail, the note and the Hiring Assistant evaluation in the candidate's activity,
and the rank on the shortlist card (Tracker records); only the seated one gets the LinkedIn
member, its match and the link history in the panel, and the unseated one the prompt.
"""

from __future__ import annotations

import pytest

from tests.access_world import (
    EVAL_SUMMARY,
    INMAIL_BODY,
    LINK_REASON,
    NOTE_BODY,
    OLD_URN,
    PERSON_URN,
    build_world,
)
from tests.e2e.conftest import screenshot, sign_in
from tests.tracker_rsc.factories import LinkedInSeatFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def second_page(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    context.set_default_timeout(120_000)
    tab = context.new_page()
    yield tab
    context.close()


def _open_panel(tab) -> str:
    tab.click("#linkedin-panel-button")
    tab.locator("#linkedin-panel-content").wait_for()
    return tab.locator("#linkedin-panel-content").inner_text()


def test_a_seated_and_an_unseated_recruiter_on_the_same_candidate(page, second_page):
    world = build_world()
    LinkedInSeatFactory(user=UserFactory(username="sam", first_name="Sam", last_name="Seated"))
    UserFactory(username="una", first_name="Una", last_name="Unseated")
    url = f"/candidates/{world.candidate.pk}/"
    seated, unseated = page, second_page
    sign_in(seated, "sam", next_url=url)
    sign_in(unseated, "una", next_url=url)

    # The Tracker records synced from LinkedIn: the same for both.
    for tab in (seated, unseated):
        activity = tab.locator("#activity").inner_text()
        for record in (INMAIL_BODY, NOTE_BODY, EVAL_SUMMARY):
            assert record in activity, record
        assert "Top candidate" in tab.locator("section.card", has_text="Shortlists").inner_text()

    # The LinkedIn widget: offered to both, opened only for the seat.
    seated_panel = _open_panel(seated)
    unseated_panel = _open_panel(unseated)
    for secret in (PERSON_URN, OLD_URN, LINK_REASON):
        assert secret in seated_panel, secret
    assert seated.locator("#link-history tbody tr").count() == 2
    assert unseated.locator("[data-testid=recruiter-prompt]").is_visible()
    assert "LinkedIn Recruiter access needed" in unseated_panel
    unseated_html = unseated.content()
    for secret in (PERSON_URN, OLD_URN, LINK_REASON):
        assert secret not in unseated_html, secret
    assert unseated.locator("#link-button").count() == 0
    screenshot(seated, "10-same-candidate-seated")
    screenshot(unseated, "11-same-candidate-unseated")

    # The shortlist card's rank and evaluation, for both.
    for tab in (seated, unseated):
        tab.goto(f"/requisitions/{world.requisition.pk}/")
        card = tab.locator(f"article.sl-card[data-placement-id='{world.placement.pk}']")
        assert card.locator("[data-rank=TOP]").inner_text() == "Top candidate"
        card.get_by_text("Evaluation summary").click()
        assert EVAL_SUMMARY in card.inner_text()
    assert PERSON_URN not in unseated.content()
