"""Rest.li key and parameter parsing (pure)."""

from __future__ import annotations

import pytest

from tracker_rsc.sandbox.restli import (
    ApiError,
    QueryParams,
    batch_keys,
    format_v1_key,
    format_v2_key,
    key_identity,
    list_param,
    parse_entity_key,
)

ORG = "urn:li:organization:2414183"


def test_v1_batch_ids_are_grouped_by_index():
    params = QueryParams(
        "ids[1].atsCandidateId=2&ids[0].atsCandidateId=1&ids[0].dataProvider=ATS"
        "&ids%5B0%5D.integrationContext=urn%3Ali%3Aorganization%3A2414183"
    )

    assert batch_keys(params) == [
        {"atsCandidateId": "1", "dataProvider": "ATS", "integrationContext": ORG},
        {"atsCandidateId": "2"},
    ]


@pytest.mark.parametrize(
    "raw",
    [
        "ids=List((externalJobRequisitionId:1,integrationContext:urn%3Ali%3Aorganization%3A2414183))",
        "ids=List%28%28externalJobRequisitionId%3A1%2CintegrationContext%3Aurn%253Ali%253Aorganization%253A2414183%29%29",
        "ids=List((externalJobRequisitionId:1,integrationContext:urn:li:organization:2414183))",
    ],
)
def test_v2_list_keys_in_every_encoding(raw):
    assert batch_keys(QueryParams(raw)) == [
        {"externalJobRequisitionId": "1", "integrationContext": ORG}
    ]


def test_simple_ids_and_list_params():
    assert batch_keys(QueryParams("ids=T1&ids=T2")) == ["T1", "T2"]
    assert list_param(
        QueryParams("owners=List(urn%3Ali%3Aseat%3A1,urn%3Ali%3Aseat%3A2)"), "owners"
    ) == [
        "urn:li:seat:1",
        "urn:li:seat:2",
    ]
    assert list_param(QueryParams("owners=urn:li:seat:1&owners=urn:li:seat:2"), "owners") == [
        "urn:li:seat:1",
        "urn:li:seat:2",
    ]


def test_entity_keys_of_both_protocols_are_the_same_key():
    v1 = parse_entity_key(f"integrationContext={ORG}&dataProvider=ATS&atsCandidateId=7")
    v2 = parse_entity_key(
        "(atsCandidateId:7,dataProvider:ATS,integrationContext:urn%3Ali%3Aorganization%3A2414183)"
    )

    assert key_identity(v1) == key_identity(v2)
    assert format_v1_key(v2) == f"atsCandidateId=7&dataProvider=ATS&integrationContext={ORG}"
    assert format_v2_key(v1) == (
        "(atsCandidateId:7,dataProvider:ATS,integrationContext:urn%3Ali%3Aorganization%3A2414183)"
    )


def test_malformed_v2_keys_are_a_400():
    with pytest.raises(ApiError) as raised:
        batch_keys(QueryParams("ids=List((a:1,b:2)"))

    assert raised.value.status == 400
