"""The network dashboard's month-by-month run charts: every program's referrals by the month they were
sent, with the CQI intake measures' definitions, each month shown once its window has closed."""

import datetime as dt
import re
from unittest import mock

import orjson
import pytest
from django.utils import timezone

from referrals import services, summary
from referrals.selectors import network_intake_series
from tests.referrals.network import build_network, self_referral

TODAY = dt.date(2026, 12, 5)


def _at(month: int, day: int, hour: int = 12, year: int = 2026) -> dt.datetime:
    return timezone.make_aware(dt.datetime(year, month, day, hour))


def _sent(
    net, program: str, at: dt.datetime, *, contact_after_days: float | None = None, enrol: bool = False
):
    """A family's referral sent to `program` at `at`, contacted and enrolled as asked, through the services
    with the clock at each step, so the monthly summary is kept as in use."""
    clock = [at]
    with mock.patch.object(timezone, "now", lambda: clock[0]):
        referral = self_referral(
            net, phone=f"31455{len(net.made):05d}", family_name=f"Family {len(net.made)}"
        )
        net.made.append(referral)
        services.referral_choose(actor=net.hub, referral=referral, program=net.programs[program])
        services.referral_send(actor=net.hub, referral=referral)
        if contact_after_days is None:
            return
        staff = net.staff_hfa if program == "hfa" else net.staff_pat
        clock[0] = at + dt.timedelta(days=contact_after_days)
        services.referral_accept(actor=staff, referral=referral)
        services.contact_attempt_log(actor=staff, referral=referral, method="phone", reached=True)
        if enrol:
            clock[0] += dt.timedelta(days=3)
            services.referral_close(actor=staff, referral=referral, outcome="enrolled")


@pytest.fixture
def sent(net):
    net.made = []
    # October: HFA contacted after 1, 2 and 9 days (the first enrolled after 4 days); PAT after 6, never.
    _sent(net, "hfa", _at(10, 2), contact_after_days=1, enrol=True)
    _sent(net, "hfa", _at(10, 12), contact_after_days=2)
    _sent(net, "hfa", _at(10, 20), contact_after_days=9)
    _sent(net, "pat", _at(10, 25), contact_after_days=6)
    _sent(net, "pat", _at(10, 30))
    # November: one HFA referral contacted the next day. September: nothing was sent. August: one.
    _sent(net, "hfa", _at(11, 3), contact_after_days=1)
    _sent(net, "pat", _at(8, 14), contact_after_days=3)
    return net


def _by_code(series):
    return {s.code: s for s in series}


def test_each_figure_appears_once_its_window_has_closed_for_every_referral(sent):
    series = _by_code(network_intake_series(user=sent.admin, network=sent.network, today=TODAY))
    received = series["intake-received"]
    assert received.months == tuple(dt.date(2026, m, 1) for m in (8, 9, 10, 11))
    assert received.values == ((1, 1), (0, 1), (5, 1), (1, 1))  # September sent nothing: 0, not missing
    # By December 5, October's 7-day window has closed (November 7), November's has not (December 7).
    contact = series["intake-contact-7d"]
    assert contact.months == tuple(dt.date(2026, m, 1) for m in (8, 9, 10))
    assert contact.values == ((1, 1), None, (3, 5))  # 1, 2 and 6 days of five sent; a month with none sent
    # The 30-day figures of October close on December 1; November's not until December 31.
    enrol = series["intake-enrol-30d"]
    assert (enrol.months[-1], enrol.values[-1]) == (dt.date(2026, 10, 1), (1, 5))
    median = series["intake-days-to-contact"]
    assert median.months == enrol.months
    # October's contacted referrals took 1, 2, 6 and 9 whole days: the median is 4; the one never
    # contacted is not a case.
    assert (median.values[-1], median.cases[-1]) == ((4, 1), 4)
    assert (median.values[1], median.cases[1]) == (None, 0)


def test_one_programs_charts_count_only_the_referrals_sent_to_it(sent):
    series = network_intake_series(
        user=sent.admin, network=sent.network, today=TODAY, program=sent.programs["pat"]
    )
    by_code = _by_code(series)
    assert by_code["intake-received"].values == ((1, 1), (0, 1), (2, 1), (0, 1))
    assert by_code["intake-contact-7d"].values == ((1, 1), None, (1, 2))
    assert by_code["intake-days-to-contact"].values[-1] == (6, 1)


def test_a_referral_sent_on_to_another_program_counts_where_and_when_it_was_last_sent(sent):
    referral = sent.made[-3]  # PAT, October 30, never contacted
    clock = [_at(11, 2)]
    with mock.patch.object(timezone, "now", lambda: clock[0]):
        services.referral_decline(actor=sent.staff_pat, referral=referral, reason="capacity")
        services.referral_choose(actor=sent.hub, referral=referral, program=sent.programs["hfa"])
        services.referral_send(actor=sent.hub, referral=referral)
    series = _by_code(network_intake_series(user=sent.admin, network=sent.network, today=TODAY))
    assert series["intake-received"].values[-2:] == ((4, 1), (2, 1))  # October 4, November 2


def test_a_month_charted_is_the_same_after_the_summary_is_rebuilt_from_the_referrals(sent):
    before = network_intake_series(user=sent.admin, network=sent.network, today=TODAY)
    summary.rebuild(sent.network.id)
    assert network_intake_series(user=sent.admin, network=sent.network, today=TODAY) == before


def _figure(page: str, element_id: str) -> dict:
    start = page.index(f'<script id="{element_id}" type="application/json">') + len(
        f'<script id="{element_id}" type="application/json">'
    )
    return orjson.loads(page[start : page.index("</script>", start)])


def test_the_dashboard_draws_the_four_charts_for_the_network_or_one_program(client, sent):
    client.force_login(sent.admin)
    url = f"/referrals/networks/{sent.network.public_id}/dashboard/"
    with mock.patch.object(timezone, "localdate", lambda: TODAY):
        page = client.get(url).content.decode()
        one = client.get(url, {"program": str(sent.programs["pat"].public_id)}).content.decode()
    assert "Month by month</h2>" in page
    for code in ("intake-received", "intake-contact-7d", "intake-enrol-30d", "intake-days-to-contact"):
        assert f'data-runchart="intake-{code}"' in page
    [values] = [
        t for t in _figure(page, "intake-intake-contact-7d")["data"] if t["name"].startswith("Monthly")
    ]
    assert (values["x"], values["y"]) == (["2026-08-01", "2026-09-01", "2026-10-01"], [100.0, None, 60.0])
    [median] = [
        t for t in _figure(page, "intake-intake-days-to-contact")["data"] if t["name"].startswith("Monthly")
    ]
    assert median["y"][-1] == 4.0 and median["customdata"][-1] == [4, None]
    assert "Month by month: " + sent.programs["pat"].name in one
    # The capacity table's medians (received since October 1) read as days: 1½ and 6, not 6.0.
    for program, shown in (("hfa", "1.5"), ("pat", "6")):
        name = re.escape(sent.programs[program].name)
        row = re.findall(rf'<th scope="row">{name}</th>.*?</tr>', page)[-1]  # the capacity table is last
        assert row.endswith(f'<td class="text-end">{shown}</td></tr>')
    [counts] = [t for t in _figure(one, "intake-intake-received")["data"] if t["name"].startswith("Monthly")]
    assert counts["y"] == [1.0, 0.0, 2.0, 0.0]


def test_a_program_of_another_network_is_refused_by_name_and_the_network_is_shown(client, sent):
    other = build_network("Kansas City Network")
    client.force_login(sent.admin)
    response = client.get(
        f"/referrals/networks/{sent.network.public_id}/dashboard/",
        {"program": str(other.programs["pat"].public_id)},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Choose the whole network or one of its programs from the list." in page
    assert "Month by month</h2>" in page and other.programs["pat"].name not in page


def test_a_contact_logged_late_redraws_its_closed_month(client, sent):
    client.force_login(sent.admin)
    url = f"/referrals/networks/{sent.network.public_id}/dashboard/"

    def october_contact() -> float:
        with mock.patch.object(timezone, "localdate", lambda: TODAY):
            page = client.get(url).content.decode()
        [values] = [
            t for t in _figure(page, "intake-intake-contact-7d")["data"] if t["name"].startswith("Monthly")
        ]
        return values["y"][-1]

    assert october_contact() == 60.0
    never = sent.made[4]  # PAT, sent October 30, not contacted yet
    with mock.patch.object(timezone, "now", lambda: _at(11, 4)):
        services.referral_accept(actor=sent.staff_pat, referral=never)
        services.contact_attempt_log(
            actor=sent.staff_pat, referral=never, method="phone", reached=True, at=_at(11, 3)
        )
    assert october_contact() == 80.0  # four of the five sent in October, within 7 days
