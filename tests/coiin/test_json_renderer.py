"""The API's JSON renderer (orjson) writes what DRF's own renderer wrote, value for value."""

import datetime as dt
import json
import uuid
from decimal import Decimal

from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer as DRFJSONRenderer

from coiin.api import JSONRenderer

DATA = {
    "results": [
        {
            "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
            "at": dt.datetime(2026, 11, 26, 7, 8, 9, 123456, tzinfo=dt.UTC),
            "day": dt.date(2026, 11, 1),
            "ratio": 0.123456789012,
            "amount": Decimal("1.50"),
            "label": gettext_lazy("Submitted on time"),
            "text": "Ünïcödé – ✓ <b>",
            "none": None,
            "flag": True,
        }
    ],
    7: "an integer key",
}


def test_it_renders_what_drf_rendered():
    ours, drf = JSONRenderer().render(DATA), DRFJSONRenderer().render(DATA)
    assert json.loads(ours) == json.loads(drf)
    assert json.loads(ours)["results"][0]["at"] == "2026-11-26T07:08:09.123456Z"
    assert "Ünïcödé – ✓".encode() in ours  # UTF-8, not \\u escapes


def test_an_indented_body_when_the_client_asks_for_one():
    body = JSONRenderer().render({"a": 1}, "application/json; indent=2")
    assert body == b'{\n  "a": 1\n}'


def test_no_data_is_an_empty_body():
    assert JSONRenderer().render(None) == b""
