import datetime as dt
from typing import Any

import pytest

from collaboratives.learning.services import event_schedule
from collaboratives.models import Event


def schedule(world: Any, **overrides: Any) -> list[Event]:
    """Schedule an event of collaborative ONE as its admin frank (a monthly call unless overridden)."""
    fields: dict[str, Any] = {
        "actor": world.frank,
        "collaborative": world.one,
        "kind": Event.Kind.ACTION_PERIOD_CALL,
        "title": "Action-period call",
        "date": dt.date(2026, 1, 13),
        "start_time": dt.time(15, 0),
        "end_time": dt.time(16, 0),
        "time_zone": "America/Chicago",
        "join_url": "https://meet.example.org/one",
    }
    return event_schedule(**(fields | overrides))


@pytest.fixture
def call_one(world: Any) -> Event:
    return schedule(world)[0]
