"""The import files' reader: encodings, dialects, header names (pure, no database)."""

from __future__ import annotations

import io

import pytest

from candidates.candidate_import import COLUMNS
from candidates.csv_reader import CsvError, CsvFile, count_records, detect_delimiter, header_key


def read(data: bytes | str):
    raw = data.encode() if isinstance(data, str) else data
    csv_file = CsvFile(io.BytesIO(raw), COLUMNS)
    return csv_file.layout, list(csv_file.rows())


def test_header_names_ignore_case_spaces_punctuation_and_the_bom():
    assert header_key("\ufeffFirst Name") == header_key("first_name") == "firstname"
    assert header_key("E-mail Address") == "emailaddress"


def test_a_bom_does_not_hide_the_first_column():
    layout, rows = read(b"\xef\xbb\xbfFirst Name,Last Name\nJane,Doe\n")
    assert layout.positions == {"first_name": 0, "last_name": 1}
    assert rows[0].values == {"first_name": "Jane", "last_name": "Doe"}


def test_excel_semicolon_dialect_with_quoted_delimiters_and_line_breaks():
    layout, rows = read(
        'Email;Headline;Last Name\na@x.com;"Data; ML\nand more";Doe\nb@x.com;;Roe\n'
    )
    assert layout.delimiter == ";"
    assert [(r.line, r.values["headline"]) for r in rows] == [(2, "Data; ML\nand more"), (4, "")]


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_the_delimiter_comes_from_the_header_line(delimiter):
    assert (
        detect_delimiter(delimiter.join(["First Name", "Last Name", "Email"]) + "\n") == delimiter
    )


def test_synonyms_map_onto_the_documented_columns():
    layout, _ = read("firstname,Surname,E-mail,Mobile,Company,LinkedIn URL,Date Created,Modified\n")
    assert set(layout.positions) == {
        "first_name",
        "last_name",
        "email",
        "phone",
        "current_company",
        "linkedin_profile_url",
        "created_at",
        "updated_at",
    }
    assert layout.unknown == ()


def test_unknown_columns_are_reported_and_the_rest_is_read():
    layout, rows = read("Email,Shoe Size,Favourite colour\na@x.com,42,blue\n")
    assert layout.unknown == ("Shoe Size", "Favourite colour")
    assert rows[0].values == {"email": "a@x.com"}


def test_a_column_given_twice_is_a_file_error():
    with pytest.raises(CsvError, match="both Email"):
        read("Email,E-mail\n")


def test_an_empty_file_is_a_file_error():
    with pytest.raises(CsvError, match="empty"):
        read(b"\xef\xbb\xbf\n\n")


def test_blank_lines_are_skipped_and_lines_count_from_the_header():
    _, rows = read("Email\n\na@x.com\n\n\nb@x.com\n")
    assert [(r.line, r.values["email"]) for r in rows] == [(3, "a@x.com"), (6, "b@x.com")]


def test_a_row_with_more_values_than_columns_or_invalid_utf8_has_a_problem():
    _, rows = read(b"Email,Last Name\na@x.com,Doe,extra\nb@x.com,R\xe9my\nc@x.com,Ok\n")
    assert "3 values but the header names 2" in rows[0].problem
    assert "not valid UTF-8" in rows[1].problem
    assert rows[2].problem == ""


def test_count_records_streams_and_skips_blank_lines():
    data = b'\xef\xbb\xbfEmail;Headline\na@x.com;"two\nlines"\n\nb@x.com;x\n'
    assert count_records(io.BytesIO(data)) == 2
