"""A stored chart's points: read as one dict per period, stored as columns.

A national recompute writes 30,000 team series of 120 periods. As a list of objects each series'
points were ~10 KB of JSON to build, encode and parse again in PostgreSQL, most of it repeated keys,
month strings and a value that follows from the two counts. Stored as columns they are a tenth of
that, and the readers (chart pages, the API, suppression) still get the list they always had.

Stored form: ``{"first_month": "YYYY-MM-01", "numerator": [...], "denominator": [...]}`` plus, for
an aggregate, one list per extra figure (``n_teams_reporting``, …); ``[]`` when there are no periods.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import orjson
from django.db import models

from collaboratives import months

Pair = tuple[int, int]
_COUNTS = ("numerator", "denominator")
_DERIVED = ("month", "value")


def columns(
    months: Sequence[dt.date], pairs: Sequence[Pair | None], **extra: list[Any]
) -> dict[str, Any] | list:
    """The stored form of one series' points: its counts per period, and any extra figures per period."""
    if not months:
        return []
    return {
        "first_month": months[0].isoformat(),
        "numerator": [None if p is None else p[0] for p in pairs],
        "denominator": [None if p is None else p[1] for p in pairs],
        **extra,
    }


def rows(stored: dict[str, Any] | list) -> list[dict[str, Any]]:
    """One dict per period: month, numerator, denominator, value (n/d, 12 places), then the extras."""
    if not stored:
        return []
    if not isinstance(stored, dict):
        raise TypeError(f"stored points are columns (a dict) or [], got a {type(stored).__name__}")
    first = dt.date.fromisoformat(stored["first_month"])
    extras = [(key, stored[key]) for key in stored if key not in ("first_month", *_COUNTS)]
    out = []
    for i, (n, d) in enumerate(zip(stored["numerator"], stored["denominator"], strict=True)):
        point = {
            "month": months.add(first, i).isoformat(),
            "numerator": n,
            "denominator": d,
            "value": None if n is None or not d else round(n / d, 12),
        }
        for key, values in extras:
            point[key] = values[i]
        out.append(point)
    return out


def columns_from_rows(points: list[dict[str, Any]]) -> dict[str, Any] | list:
    if not points:
        return []
    keys = [key for key in points[0] if key not in _DERIVED]
    return {"first_month": points[0]["month"]} | {key: [p.get(key) for p in points] for key in keys}


class TextJSONField(models.JSONField):
    """JSON stored and read whole: PostgreSQL's `json` type (the text, its syntax checked), not `jsonb`.

    jsonb parses every value into a tree and compresses that again. A national recompute stores
    1,057 series per measure, and the parse was most of PostgreSQL's time for the store: copying one
    measure's results into jsonb columns took over twice as long as into json (bench/README.md).
    For columns no query looks inside: jsonb's operators (`?`, `@>`, a key's `isnull`) do not apply.
    `json_read_as_text`, a connection_created receiver, has psycopg hand over the text unparsed, as Django
    has it do for jsonb.
    """

    def db_type(self, connection: Any) -> str | None:
        return "json" if connection.vendor == "postgresql" else super().db_type(connection)

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if connection.vendor != "postgresql":
            return super().get_db_prep_value(value, connection, prepared)
        from django.db.backends.postgresql.operations import get_json_dumps
        from psycopg.types.json import Json

        # Sent as json, not Django's jsonb: a jsonb parameter would be parsed, then cast back to text.
        # Written by orjson, as the batch store's COPY writes it: either path stores the same text.
        dumps = json_text if self.encoder is None else get_json_dumps(self.encoder)
        return Json(value if prepared else self.get_prep_value(value), dumps=dumps)


def json_text(value: Any) -> str:
    return orjson.dumps(value).decode()


def json_read_as_text(sender: Any, connection: Any, **kwargs: Any) -> None:
    """`connection_created` receiver: psycopg returns json columns as text, for `from_db_value` to parse."""
    if connection.vendor == "postgresql":
        from psycopg.types.string import TextLoader

        connection.connection.adapters.register_loader("json", TextLoader)


class PointsField(TextJSONField):
    """JSON stored as columns (see the module docstring), read as a list of per-period dicts.

    Accepts either form on save: the compute path hands over columns, people and tests hand over rows.
    """

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        # PostgreSQL's json comes as text (json_read_as_text); orjson parses a series' points faster.
        if isinstance(value, str):
            return rows(orjson.loads(value))
        return rows(super().from_db_value(value, expression, connection))

    def get_prep_value(self, value: Any) -> Any:
        if isinstance(value, list):
            value = columns_from_rows(value)
        return super().get_prep_value(value)
