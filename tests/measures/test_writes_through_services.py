"""Observations and monthly reports change only through the services, and `recompute --verify` finds a
stored run chart that no longer matches its data (issue 19, finding 5)."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from measures.charts.recompute import recompute_all
from measures.models import MonthlyReport, Observation
from tests.factories import MeasureFactory, ObservationFactory

JAN = dt.date(2025, 1, 1)


@pytest.fixture
def observed(world, django_capture_on_commit_callbacks):
    measure = MeasureFactory(collaborative=world.one, code="screen")
    for i, team in enumerate((world.team_a1, world.team_b1)):
        ObservationFactory(team=team, measure=measure, month=JAN, numerator=5 + i, denominator=20)
    with django_capture_on_commit_callbacks(execute=True):
        recompute_all(collaborative_ids=[world.one.id])
    return Observation.objects.get(team=world.team_a1, measure=measure)


def _admin_url(obj: object, suffix: str) -> str:
    return f"/admin/measures/{type(obj).__name__.lower()}/{obj.pk}/{suffix}"


def test_the_admin_shows_an_observation_but_cannot_change_or_delete_it(world, observed, client):
    client.force_login(world.root)
    assert client.get(_admin_url(observed, "change/")).status_code == 200  # viewed
    posted = client.post(_admin_url(observed, "change/"), {"numerator": 19, "denominator": 20})
    assert posted.status_code == 403
    assert client.post(_admin_url(observed, "delete/"), {"post": "yes"}).status_code == 403
    observed.refresh_from_db()
    assert (observed.numerator, observed.denominator) == (5, 20)


def test_the_admin_cannot_change_a_monthly_report_either(world, observed, client):
    report = MonthlyReport.objects.create(team=world.team_a1, month=JAN)
    client.force_login(world.root)
    assert client.post(_admin_url(report, "change/"), {"status": "submitted"}).status_code == 403
    report.refresh_from_db()
    assert report.status == MonthlyReport.Status.DRAFT


def test_recompute_verify_reports_nothing_when_stored_charts_match_their_data(observed):
    out = StringIO()
    call_command("recompute", "--all", "--verify", stdout=out)
    assert out.getvalue().splitlines()[-1] == "0 differences."


def test_recompute_verify_fails_on_a_chart_whose_data_changed_behind_the_services(observed):
    Observation.objects.filter(id=observed.id).update(numerator=19)  # what the admin's form used to do
    out = StringIO()
    with pytest.raises(CommandError, match="stored run-chart results differ"):
        call_command("recompute", "--all", "--verify", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[-1] == f"{len(lines) - 1} differences."
    # A1's series and the two aggregates it feeds (their analyses may differ too); not B1's series.
    assert sum(line.endswith("stored points differ") for line in lines) == 3
    assert not [line for line in lines if "Agency B" in line]
