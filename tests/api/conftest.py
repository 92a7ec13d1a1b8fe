"""REST API fixtures: a token per person (made through the service, as the web page makes them) and a
client that sends it as a bearer token."""

import datetime as dt
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from rest_framework.test import APIClient

from collaboratives.services import api_token_create
from measures.charts.recompute import runchart_analyse
from measures.models import Observation, RunChartAnalysis
from tests.factories import MeasureFactory


@pytest.fixture
def token_for() -> Callable[..., str]:
    def make(user: Any, scope: str = "read") -> str:
        return api_token_create(actor=user, name=f"{scope} token", scope=scope, lifetime_days=30)[1]

    return make


@pytest.fixture
def api_as(token_for: Callable[..., str]) -> Callable[..., APIClient]:
    """`api_as(user, scope="read")`: a DRF test client authenticated with that user's new token."""

    def make(user: Any, scope: str = "read") -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(user, scope)}")
        return client

    return make


@pytest.fixture
def charted(world: SimpleNamespace) -> SimpleNamespace:
    """Measure `screen` of ONE with six months of A1 data and B1's February, analysed: A1's chart and the aggregates."""
    measure = MeasureFactory(
        collaborative=world.one, code="screen", name="Depression screening", goal=80, order=1
    )
    for i, num in enumerate([4, 5, 6, 5, 7, 8]):
        Observation.objects.create(
            team=world.team_a1, measure=measure, month=dt.date(2025, 1 + i, 1), numerator=num, denominator=10
        )
    Observation.objects.create(
        team=world.team_b1, measure=measure, month=dt.date(2025, 2, 1), numerator=3, denominator=4
    )
    charts = {}
    for kind, extra in (
        ("team", {"team": world.team_a1}),
        ("collaborative", {}),
        ("awardee", {"awardee": world.north}),
    ):
        chart = RunChartAnalysis.objects.create(kind=kind, measure=measure, collaborative=world.one, **extra)
        runchart_analyse(analysis=chart)
        chart.refresh_from_db()
        charts[kind] = chart
    return SimpleNamespace(measure=measure, **charts)
