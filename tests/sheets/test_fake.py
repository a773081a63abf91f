"""The stand-in behaves like Google where the worker depends on it, seen through gspread's
real client: value input options, append's table detection, atomic batch updates, error
bodies and headers, timeouts."""

from __future__ import annotations

import gspread
import pytest
import requests
from gspread.exceptions import APIError

from forms_app.sheets.client import BaseURLSession
from tests.support.fake_sheets import Faults


@pytest.fixture
def sheet(fake):
    client = gspread.Client(auth=None, session=BaseURLSession(fake.base_url))
    client.set_timeout(0.3)
    spreadsheet = client.open_by_key(fake.spreadsheet.id)
    return spreadsheet.add_worksheet("Test", rows=10, cols=5)


def test_user_entered_makes_formulas_and_numbers_raw_keeps_text(sheet):
    typed = ['=HYPERLINK("http://x.example","Click")', "+447700900123", "'007", "=1+1"]
    sheet.append_rows([typed], value_input_option="USER_ENTERED")
    sheet.append_rows([typed], value_input_option="RAW")
    entered, raw = sheet.get_all_values()
    assert entered == ["Click", "447700900123", "007", "#ERROR!"]
    assert raw == typed
    assert sheet.get("A1", value_render_option="FORMULA")[0][0] == typed[0]


def test_writes_without_a_value_input_option_are_refused(sheet):
    with pytest.raises(APIError) as caught:
        sheet.spreadsheet.values_append("Test!A1", params={}, body={"values": [["x"]]})
    assert caught.value.code == 400 and "valueInputOption" in str(caught.value)


def test_append_finds_the_table_and_insert_rows_never_overwrites(sheet):
    sheet.update([["h"], ["a"], [""], ["b"]], "A1", value_input_option="RAW")
    sheet.append_rows(
        [["new"]], value_input_option="RAW", insert_data_option="INSERT_ROWS", table_range="A1"
    )
    assert sheet.col_values(1) == ["h", "a", "new", "", "b"]
    sheet.append_rows(
        [["over"]], value_input_option="RAW", insert_data_option="OVERWRITE", table_range="A1"
    )
    assert sheet.col_values(1) == ["h", "a", "new", "over", "b"]  # wrote into the gap


def test_batch_update_is_all_or_nothing(sheet, fake):
    with pytest.raises(APIError):
        sheet.spreadsheet.batch_update(
            {
                "requests": [
                    {
                        "updateSheetProperties": {
                            "properties": {
                                "sheetId": sheet.id,
                                "gridProperties": {"frozenRowCount": 1},
                            },
                            "fields": "gridProperties.frozenRowCount",
                        }
                    },
                    {"noSuchRequest": {}},
                ]
            }
        )
    assert fake.sheet("Test").frozen_rows == 0


def test_errors_look_like_googles(sheet, fake):
    fake.set_faults(Faults(forced=[429], retry_after="11"))
    with pytest.raises(APIError) as caught:
        sheet.get_all_values()
    assert caught.value.code == 429
    assert caught.value.error["status"] == "RESOURCE_EXHAUSTED"
    assert caught.value.response.headers["Retry-After"] == "11"
    fake.set_faults(Faults(forced=[0], rate_ambiguous=1.0))
    sheet.get_all_values()  # the forced 0 lets one request through untouched
    with pytest.raises(APIError):
        sheet.append_rows([["landed"]], value_input_option="RAW")
    fake.set_faults(Faults())
    assert sheet.col_values(1) == ["landed"]  # "applied, then 500"
    fake.set_faults(Faults(rate_timeout=1.0, hold_seconds=0.6))
    with pytest.raises(requests.exceptions.ReadTimeout):
        sheet.get_all_values()
