import datetime as dt

from referrals import demo
from referrals.models import Network, Organization, Program, Referral


def test_the_demo_network_has_every_role_at_work_and_reloads_to_the_same_rows(db):
    first = demo.load(today=dt.date(2026, 11, 25))
    statuses = set(Referral.objects.unscoped(reason="test").values_list("status", flat=True))
    again = demo.load(today=dt.date(2026, 11, 25))
    assert first == again and first > 300
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
