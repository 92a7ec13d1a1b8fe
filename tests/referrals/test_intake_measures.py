"""A CQI team's monthly intake figures (its linked programs' referrals) become observations of the collaborative's measures."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from collaboratives.learning.services import platform_actor
from measures.models import Measure, Observation, RunChartAnalysis
from referrals import services
from referrals.intake_measures import intake_measures_record, intake_measures_record_due, team_cohort
from referrals.models import Referral
from tests.factories import MeasureFactory
from tests.referrals.network import self_referral

OCTOBER = dt.date(2026, 10, 1)


def _at(day: int, month: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, month, day, 12))


def _referral_sent_on(
    net, sent: dt.datetime, phone: str, *, contact_after_days: int | None, enrol: bool = False
):
    referral = self_referral(net, phone=phone, family_name=f"Family {phone}")
    services.referral_choose(actor=net.hub, referral=referral, program=net.programs["hfa"])
    services.referral_send(actor=net.hub, referral=referral)
    rows = Referral.objects.unscoped(reason="test")
    if contact_after_days is None:
        rows.filter(id=referral.id).update(sent_at=sent)
        return
    services.referral_accept(actor=net.staff_hfa, referral=referral)
    services.contact_attempt_log(actor=net.staff_hfa, referral=referral, method="phone", reached=True)
    if enrol:
        services.referral_close(actor=net.staff_hfa, referral=referral, outcome="enrolled")
    contact = sent + dt.timedelta(days=contact_after_days)
    rows.filter(id=referral.id).update(
        sent_at=sent, first_contact_at=contact, closed_at=contact + dt.timedelta(days=10) if enrol else None
    )


@pytest.fixture
def linked(net, world):
    net.programs["hfa"].team = world.team_a1
    net.programs["hfa"].save()
    for code, kind in (
        ("intake-received", "count"),
        ("intake-contact-7d", "proportion"),
        ("intake-enrol-30d", "proportion"),
        ("intake-days-to-contact", "median"),
    ):
        MeasureFactory(collaborative=world.one, code=code, kind=kind)
    # Four referrals sent in October: contacted after 2, 7 and 9 days (the first enrolled); one never.
    _referral_sent_on(net, _at(3), "3145550001", contact_after_days=2, enrol=True)
    _referral_sent_on(net, _at(10), "3145550002", contact_after_days=7)
    _referral_sent_on(net, _at(20), "3145550003", contact_after_days=9)
    _referral_sent_on(net, _at(28), "3145550004", contact_after_days=None)
    _referral_sent_on(net, _at(30, month=9), "3145550005", contact_after_days=None)  # September's cohort
    return net


def test_the_cohort_counts_referrals_sent_in_the_month_and_their_windows(linked, world):
    assert team_cohort(team=world.team_a1, month=OCTOBER).__dict__ == {
        "sent": 4,
        "contacted_7d": 2,
        "enrolled_30d": 1,
        "days_to_contact": {2: 1, 7: 1, 9: 1},  # whole days of each contacted referral; one never
    }


def test_a_team_with_two_linked_programs_counts_both(linked, world):
    linked.programs["pat"].team = world.team_a1
    linked.programs["pat"].save()
    referral = self_referral(linked, phone="3145550006", family_name="Family 6")
    services.referral_choose(actor=linked.hub, referral=referral, program=linked.programs["pat"])
    services.referral_send(actor=linked.hub, referral=referral)
    Referral.objects.unscoped(reason="test").filter(id=referral.id).update(sent_at=_at(15))
    assert team_cohort(team=world.team_a1, month=OCTOBER).sent == 5
    assert team_cohort(team=world.team_b1, month=OCTOBER).sent == 0


def test_recording_goes_through_hand_entry_and_waits_for_each_window_to_close(linked, world):
    early = intake_measures_record(
        actor=world.alice, team=world.team_a1, month=OCTOBER, today=dt.date(2026, 11, 5)
    )
    assert early == ["intake-received"]
    later = intake_measures_record(
        actor=world.alice, team=world.team_a1, month=OCTOBER, today=dt.date(2026, 12, 2)
    )
    assert later == ["intake-received", "intake-contact-7d", "intake-enrol-30d", "intake-days-to-contact"]
    cells = dict(
        Observation.objects.filter(team=world.team_a1, month=OCTOBER).values_list(
            "measure__code", "numerator"
        )
    )
    dens = dict(
        Observation.objects.filter(team=world.team_a1, month=OCTOBER).values_list(
            "measure__code", "denominator"
        )
    )
    assert cells == {
        "intake-received": 4, "intake-contact-7d": 2, "intake-enrol-30d": 1, "intake-days-to-contact": 3,
    }  # fmt: skip
    assert dens == {
        "intake-received": None, "intake-contact-7d": 4, "intake-enrol-30d": 4, "intake-days-to-contact": None,
    }  # fmt: skip
    median = Observation.objects.get(
        team=world.team_a1, month=OCTOBER, measure__code="intake-days-to-contact"
    )
    assert median.cases == {"2": 1, "7": 1, "9": 1}
    again = intake_measures_record(
        actor=world.alice, team=world.team_a1, month=OCTOBER, today=dt.date(2026, 12, 2)
    )
    assert again == later
    assert Observation.objects.filter(team=world.team_a1).count() == 4
    assert Measure.objects.filter(collaborative=world.one).count() == 4


def test_someone_who_may_not_enter_the_teams_data_records_nothing(linked, world):
    with pytest.raises(PermissionDenied):
        intake_measures_record(
            actor=world.charlie, team=world.team_a1, month=OCTOBER, today=dt.date(2026, 12, 2)
        )
    assert Observation.objects.count() == 0


def test_the_recorded_month_appears_on_the_programs_team_run_chart(
    linked, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        intake_measures_record(
            actor=world.alice, team=world.team_a1, month=OCTOBER, today=dt.date(2026, 12, 2)
        )
    chart = RunChartAnalysis.objects.get(team=world.team_a1, measure__code="intake-contact-7d", kind="team")
    assert chart.stale is False
    october = [p for p in chart.points if p["month"] == OCTOBER.isoformat()]
    assert [(p["numerator"], p["denominator"], p["value"]) for p in october] == [(2, 4, 0.5)]
    median = RunChartAnalysis.objects.get(
        team=world.team_a1, measure__code="intake-days-to-contact", kind="team"
    )
    october = [p for p in median.points if p["month"] == OCTOBER.isoformat()]
    assert [(p["value"], p["n_cases"]) for p in october] == [(7.0, 3)]  # the middle of 2, 7 and 9 days


def test_the_command_records_each_linked_team_as_the_person_named(linked, world):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("referrals_record_measures", "--month", "2026-10", "--as", world.alice.email, stdout=out)
    assert out.getvalue().startswith(f"{world.team_a1}: intake-received")
    assert (
        dict(
            Observation.objects.filter(team=world.team_a1, month=OCTOBER).values_list(
                "measure__code", "numerator"
            )
        )["intake-received"]
        == 4
    )


def _october(team) -> dict[str, tuple[int | None, int | None]]:
    rows = Observation.objects.filter(team=team, month=OCTOBER)
    return {code: (n, d) for code, n, d in rows.values_list("measure__code", "numerator", "denominator")}


def test_the_nightly_pass_records_each_closed_window_once_as_the_platform(linked, world):
    assert intake_measures_record_due(today=dt.date(2026, 11, 8)) == 3  # August, September, October
    assert _october(world.team_a1) == {"intake-received": (4, None), "intake-contact-7d": (2, 4)}
    assert dict(
        Observation.objects.filter(team=world.team_a1, month=dt.date(2026, 9, 1)).values_list(
            "measure__code", "numerator"
        )
    ) == {"intake-received": 1, "intake-contact-7d": 0, "intake-enrol-30d": 0, "intake-days-to-contact": None}
    recorded = Observation.objects.get(team=world.team_a1, month=OCTOBER, measure__code="intake-received")
    assert recorded.history.first().history_user == platform_actor()
    assert Observation.objects.exclude(team=world.team_a1).count() == 0  # no other team has a program

    versions = Observation.history.count()
    assert intake_measures_record_due(today=dt.date(2026, 11, 9)) == 0  # nothing changed: nothing written
    assert Observation.history.count() == versions

    assert intake_measures_record_due(today=dt.date(2026, 12, 1)) == 2  # October's 30 days; November's count
    assert _october(world.team_a1) == {
        "intake-received": (4, None),
        "intake-contact-7d": (2, 4),
        "intake-enrol-30d": (1, 4),
        "intake-days-to-contact": (3, None),  # three contacted referrals, their days kept as cases
    }


def test_the_nightly_pass_takes_a_contact_logged_late_and_skips_a_withdrawn_team(linked, world):
    intake_measures_record_due(today=dt.date(2026, 11, 8))
    late = Referral.objects.unscoped(reason="test").get(sent_at=_at(20))  # contacted after 9 days
    Referral.objects.unscoped(reason="test").filter(id=late.id).update(first_contact_at=_at(25))
    assert intake_measures_record_due(today=dt.date(2026, 11, 10)) == 1
    assert _october(world.team_a1)["intake-contact-7d"] == (3, 4)
    assert intake_measures_record_due(today=dt.date(2026, 12, 1)) == 2  # October's median now has 2, 5, 7
    median = Observation.objects.get(
        team=world.team_a1, month=OCTOBER, measure__code="intake-days-to-contact"
    )
    assert median.cases == {"2": 1, "5": 1, "7": 1}

    world.team_a1.withdrawn_on = dt.date(2026, 11, 15)
    world.team_a1.save(update_fields=["withdrawn_on"])
    Referral.objects.unscoped(reason="test").filter(id=late.id).update(first_contact_at=_at(30))
    assert intake_measures_record_due(today=dt.date(2026, 12, 20)) == 0
    assert _october(world.team_a1)["intake-contact-7d"] == (3, 4)


def test_the_beat_schedule_runs_the_pass_every_night_and_the_task_resolves(linked, world, monkeypatch):
    from coiin.celery import app
    from referrals import tasks

    entry = app.conf.beat_schedule["intake-measures-record"]
    assert (
        entry["task"] == "referrals.tasks.intake_measures_record_due" == tasks.intake_measures_record_due.name
    )
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({1}, {30})
    monkeypatch.setattr(timezone, "localdate", lambda: dt.date(2026, 11, 8))
    assert tasks.intake_measures_record_due.apply().get() == 3
    assert _october(world.team_a1) == {"intake-received": (4, None), "intake-contact-7d": (2, 4)}
