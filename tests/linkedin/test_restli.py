"""Rest.li key encoding, built by hand and checked character by character."""

from __future__ import annotations

import pytest

from tracker_rsc.linkedin import restli

ORG = "urn:li:organization:2414183"


def test_v1_batch_ids_keep_field_order_and_urn_colons_and_escape_brackets():
    keys = [
        {"atsCandidateId": "1", "dataProvider": "ATS", "integrationContext": ORG},
        {"atsCandidateId": "22", "dataProvider": "ATS", "integrationContext": ORG},
    ]

    assert restli.v1_batch_ids(keys) == (
        "ids%5B0%5D.atsCandidateId=1&ids%5B0%5D.dataProvider=ATS"
        "&ids%5B0%5D.integrationContext=urn:li:organization:2414183"
        "&ids%5B1%5D.atsCandidateId=22&ids%5B1%5D.dataProvider=ATS"
        "&ids%5B1%5D.integrationContext=urn:li:organization:2414183"
    )


def test_v1_entity_key():
    key = {"atsCandidateId": "7", "dataProvider": "ATS", "integrationContext": ORG}

    assert restli.v1_key(key) == "atsCandidateId=7&dataProvider=ATS&integrationContext=" + ORG


def test_v1_values_needing_escapes_are_percent_encoded():
    key = {"atsCandidateId": "a&b=c d/é?#%[x]+"}

    assert restli.v1_key(key) == "atsCandidateId=a%26b%3Dc%20d%2F%C3%A9%3F%23%25%5Bx%5D%2B"
    assert restli.v1_batch_ids([key]) == (
        "ids%5B0%5D.atsCandidateId=a%26b%3Dc%20d%2F%C3%A9%3F%23%25%5Bx%5D%2B"
    )


def test_v2_batch_ids_encode_urns_inside_list_syntax():
    keys = [
        {"externalJobRequisitionId": "1", "integrationContext": ORG},
        {"externalJobRequisitionId": "2", "integrationContext": ORG},
    ]

    assert restli.v2_batch_ids(keys) == (
        "ids=List((externalJobRequisitionId:1,integrationContext:urn%3Ali%3Aorganization%3A2414183),"
        "(externalJobRequisitionId:2,integrationContext:urn%3Ali%3Aorganization%3A2414183))"
    )


def test_v2_values_escape_the_key_syntax_characters():
    key = {"externalAttachmentId": "cv (final), v2:x'y", "integrationContext": ORG}

    assert restli.v2_key(key) == (
        "(externalAttachmentId:cv%20%28final%29%2C%20v2%3Ax%27y,"
        "integrationContext:urn%3Ali%3Aorganization%3A2414183)"
    )


def test_simple_batch_ids():
    assert restli.simple_batch_ids(["T1", "T 2"]) == "ids=T1&ids=T%202"
    assert restli.simple_batch_ids(["a:b", "c"], restli.V2) == "ids=List(a%3Ab,c)"


def test_build_query_repeats_array_parameters():
    pairs = [("q", "criteria"), ("owners", "urn:li:seat:1"), ("owners", "urn:li:seat:2")]

    assert restli.build_query(pairs) == "q=criteria&owners=urn:li:seat:1&owners=urn:li:seat:2"
    assert restli.build_query([("integrationContext", ORG)], restli.V2) == (
        "integrationContext=urn%3Ali%3Aorganization%3A2414183"
    )
    assert restli.build_query([("timeRange.start", "5")]) == "timeRange.start=5"


@pytest.mark.parametrize(
    "text",
    [
        "atsCandidateId=a%26b&dataProvider=ATS&integrationContext=urn:li:organization:2414183",
        "atsCandidateId=a%26b&dataProvider=ATS&integrationContext=urn%3Ali%3Aorganization%3A2414183",
        "(atsCandidateId:a%26b,dataProvider:ATS,integrationContext:urn%3Ali%3Aorganization%3A2414183)",
        "(atsCandidateId:a%26b,dataProvider:ATS,integrationContext:urn:li:organization:2414183)",
    ],
)
def test_parse_key_reads_both_protocols_escaped_or_not(text):
    assert restli.parse_key(text) == {
        "atsCandidateId": "a&b",
        "dataProvider": "ATS",
        "integrationContext": ORG,
    }


def test_keys_round_trip_through_parse_key():
    key = {"externalJobApplicationId": "9", "externalAttachmentId": "cv,1 (a)", "x": "a=b&c"}

    assert restli.parse_key(restli.v2_key(key)) == key
    assert restli.parse_key(restli.v1_key(key)) == key


def test_what_we_send_decodes_to_rest_li_names_on_a_django_server():
    # The sandbox (and any server that decodes its query) reads exactly LinkedIn's syntax.
    from django.http import QueryDict

    v1 = QueryDict(restli.v1_batch_ids([{"atsCandidateId": "a&b", "integrationContext": ORG}]))
    v2 = QueryDict(
        restli.v2_batch_ids([{"externalJobRequisitionId": "1", "integrationContext": ORG}])
    )

    assert dict(v1.items()) == {
        "ids[0].atsCandidateId": "a&b",
        "ids[0].integrationContext": ORG,
    }
    assert v2["ids"] == f"List((externalJobRequisitionId:1,integrationContext:{ORG}))"
