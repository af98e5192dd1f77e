"""Tokens: one per application, reused until shortly before expiry, refreshed once on a 401.

Token calls are counted on the sandbox's side (its call log and the tokens it issued). Time
runs on ``time_machine`` for the client and the sandbox alike (they share this process).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from tests.contract.helpers import START, calls, candidate, token_calls
from tracker_rsc.linkedin import AuthError
from tracker_rsc.linkedin.tokens import REFRESH_MARGIN_SECONDS
from tracker_rsc.sandbox import views
from tracker_rsc.sandbox.models import AccessToken
from tracker_rsc.sandbox.restli import ApiError

LIFETIME = 1800  # the sandbox's default, as LinkedIn's


def test_a_token_is_reused_by_every_call_and_worker_until_shortly_before_it_expires(
    make_client, world
):
    worker_a, worker_b = make_client(), make_client()  # two workers sharing the cache
    with time_machine.travel(START, tick=False) as clock:
        for n in range(4):
            worker_a.upsert_candidates([candidate(f"a{n}")])
            worker_b.get_candidate_matches([f"a{n}"])
        assert token_calls() == 1

        clock.shift(LIFETIME - REFRESH_MARGIN_SECONDS - 1)  # still usable for the margin
        worker_b.upsert_candidates([candidate("b1")])
        assert token_calls() == 1

        clock.shift(2)  # inside the margin: replaced before it can expire mid-batch
        worker_a.upsert_candidates([candidate("b2")])
        worker_b.upsert_candidates([candidate("b3")])
        assert token_calls() == 2

    assert AccessToken.objects.count() == 2
    assert not calls("atsCandidates", status=401)  # never sent an expired token


@pytest.mark.parametrize("how", ["expired early", "revoked"])
def test_a_refused_token_is_refreshed_once_and_the_call_goes_through(li, how):
    li.upsert_candidates([candidate("c1")])
    if how == "revoked":
        AccessToken.objects.all().delete()
    else:  # clocks disagree: LinkedIn thinks the token is older than we do
        AccessToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    result = li.upsert_candidates([candidate("c2")])

    assert result.succeeded == ["c2"]
    assert [c.status for c in calls("atsCandidates")] == [200, 401, 200]
    assert token_calls() == 2
    # The new token is shared: the next call neither refreshes nor fails.
    li.get_candidate_matches(["c1", "c2"])
    assert token_calls() == 2


def test_a_fresh_token_refused_again_is_a_clear_auth_error(li, monkeypatch):
    li.check_credentials()

    def refuse(request):
        raise ApiError(status=401, message="Invalid access token", service_error_code=65600)

    monkeypatch.setattr(views, "authenticate", refuse)

    with pytest.raises(AuthError, match="refused a freshly issued token: Invalid access token"):
        li.upsert_candidates([candidate("c1")])
    assert [c.status for c in calls("atsCandidates")] == [401, 401]  # one refresh, no more
    assert token_calls() == 2
