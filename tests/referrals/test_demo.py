import datetime as dt

from collaboratives.models import Team
from measures.models import Observation
from referrals import demo
from referrals.models import Network, Organization, Program, Referral, ReferralMonth
from referrals.summary import rebuild


def _walked() -> list[tuple[object, ...]]:
    """Where the demo's referrals went, by program name (ids change on a reload), and the observations."""
    rows = Referral.objects.unscoped(reason="test").values_list(
        "program__name", "status", "outcome", "sent_at"
    )
    observed = Observation.objects.values_list("team__lia__name", "measure__code", "month", "numerator")
    return sorted(map(str, rows)) + sorted(map(str, observed))


def test_the_demo_network_has_every_role_at_work_and_reloads_to_the_same_rows(db):
    first = demo.load(today=dt.date(2026, 11, 25))
    statuses = set(Referral.objects.unscoped(reason="test").values_list("status", flat=True))
    walked = _walked()
    again = demo.load(today=dt.date(2026, 11, 25))
    assert first == again and first > 300
    assert _walked() == walked
    assert Network.objects.unscoped(reason="test").count() == 1
    assert Organization.objects.unscoped(reason="test").count() == 14
    assert set(Program.objects.unscoped(reason="test").values_list("model", flat=True)) == {
        "hfa",
        "nfp",
        "pat",
        "ehs",
    }
    # Work for the hub (to send), the programs (to accept, to contact) and closed ones for the dashboard.
    assert {"requested", "rejected", "in-progress", "completed", "cancelled", "failed"} <= statuses
    # Every program is linked to its agency's CQI team; each month whose windows have closed is on its
    # run charts (October's 30-day window closed on Nov 30: not yet on Nov 25), as the services record it.
    programs = Program.objects.unscoped(reason="test")
    assert not programs.filter(team=None).exists()
    assert Team.objects.filter(collaborative__name=demo.CQI).count() == 9
    northside = Team.objects.get(collaborative__name=demo.CQI, lia__name="Northside Family Partners")
    recorded = Observation.objects.filter(team=northside)
    assert sorted({o.month for o in recorded})[-1] == dt.date(2026, 10, 1)
    october = {
        o.measure.code: (o.numerator, o.denominator) for o in recorded.filter(month=dt.date(2026, 10, 1))
    }
    assert set(october) == {"intake-received", "intake-contact-7d"}
    sent = Referral.objects.unscoped(reason="test").filter(
        program__team=northside,
        sent_at__date__gte=dt.date(2026, 10, 1),
        sent_at__date__lt=dt.date(2026, 11, 1),
    )
    assert (
        october["intake-received"] == (sent.count(), None) and october["intake-contact-7d"][1] == sent.count()
    )
    # The dashboard's summary was rebuilt after the backdated walk: a rebuild changes nothing.
    columns = ("program", "source", "month", "referred", "contacted", "waiting", "contact_days")
    kept = [
        tuple(map(str, row)) for row in ReferralMonth.objects.unscoped(reason="test").values_list(*columns)
    ]
    rebuild()
    again = [
        tuple(map(str, row)) for row in ReferralMonth.objects.unscoped(reason="test").values_list(*columns)
    ]
    assert sorted(again) == sorted(kept) and len(kept) > 50
