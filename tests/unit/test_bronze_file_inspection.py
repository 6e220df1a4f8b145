"""Landing-file inspection: record splitting, quarantine reasons, header variants and drift."""

import gzip

from beejan_lakehouse.bronze.files import inspect_file, split_records
from beejan_lakehouse.sources.file_formats import CALL_CENTER

V1 = "call_id,agent_id,call_start,duration_sec,customer_msisdn,disposition_code,agent_notes"
ROW1 = 'CL1,AG1,20/11/2026 09:59,193,08031234567,NET-OUT,"no network, since 6am"'
ROW2 = "CL2,AG2,20/11/2026 10:01,60,08031234568,BIL-DISP,double debit"


def test_split_records_keeps_quoted_newlines_in_one_record_with_its_start_line():
    text = f'{V1}\r\nCL1,AG1,x,1,2,D,"line one\nline two"\r\nCL2,AG2,x,1,2,D,plain\r\n'
    records, terminated = split_records(text)
    assert terminated
    assert records == [(1, V1), (2, 'CL1,AG1,x,1,2,D,"line one\nline two"'), (4, "CL2,AG2,x,1,2,D,plain")]


def test_split_records_reports_a_file_ending_inside_quotes():
    _, terminated = split_records(f'{V1}\nCL1,AG1,x,1,2,D,"cut off mid')
    assert not terminated


def test_canonical_header_is_ingested_without_drift():
    result = inspect_file(CALL_CENTER, f"{V1}\n{ROW1}\n{ROW2}\n".encode())
    assert (result.status, result.header_variant, result.drift) == ("ingested", "v1", [])
    assert result.records == [(2, ROW1), (3, ROW2)]


def test_known_v2_header_is_ingested_and_recorded_as_drift():
    v2 = "CallRef,StartTime,Agent,CustomerNumber,DurationSecs,Disposition,Notes,QueueName"
    result = inspect_file(CALL_CENTER, f"{v2}\nCL9,20/11/2026 10:00,AG1,0803,5,GEN,notes,VIP\n".encode())
    assert (result.status, result.header_variant) == ("ingested", "v2")
    assert result.drift == [("known_variant_v2", V1, v2)]


def test_unknown_but_readable_header_is_drift_not_rejection():
    header = V1 + ",sentiment_score"
    result = inspect_file(CALL_CENTER, f"{header}\n{ROW2},0.3\n".encode())
    assert (result.status, result.header_variant) == ("ingested", "drift")
    assert result.drift == [("added_columns", V1, "sentiment_score")]
    assert result.records == [(2, ROW2 + ",0.3")]


def test_header_without_required_columns_is_quarantined():
    result = inspect_file(CALL_CENTER, b"foo,bar\n1,2\n")
    assert result.status == "quarantined"
    assert (
        result.reason == "unrecognised header: required columns call_id, call_start, agent_notes not found in 'foo,bar'"
    )


def test_unreadable_files_are_quarantined_with_their_reason():
    cases = {
        b"": "empty file",
        gzip.compress(f"{V1}\n{ROW1}\n".encode()): "binary content: gzip-compressed data in a .csv file",
        b"call_id\x00\x00\x01": "binary content: NUL bytes",
        f"{V1}\nCL1,AG1,x,1,2,D,caf\xe9\n".encode("latin-1"): (
            f"wrong encoding: not UTF-8 (invalid continuation byte at byte {len(V1) + 1 + len('CL1,AG1,x,1,2,D,caf')})"
        ),
        f'{V1}\nCL1,AG1,x,1,2,D,"truncated'.encode(): "truncated: file ends inside a quoted field",
    }
    for content, reason in cases.items():
        result = inspect_file(CALL_CENTER, content)
        assert (result.status, result.reason) == ("quarantined", reason)


def test_utf8_bom_and_blank_lines_are_tolerated():
    result = inspect_file(CALL_CENTER, ("\ufeff" + f"{V1}\r\n{ROW1}\r\n\r\n").encode())
    assert result.status == "ingested"
    assert result.records == [(2, ROW1)]
