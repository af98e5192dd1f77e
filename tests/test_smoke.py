import pytest

from tests.candidates.factories import CandidateFactory


@pytest.mark.django_db
def test_candidate_factory_computes_keys():
    candidate = CandidateFactory(
        email="  Jane.Doe@Example.COM ", first_name="Zoë", last_name="O'Brien"
    )
    assert candidate.email_key == "jane.doe@example.com"
    assert candidate.first_name_key == "zoe"
    assert candidate.last_name_key == "obrien"
