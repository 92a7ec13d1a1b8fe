"""The dashboard's monthly summary, kept by the services, equals a recompute from the raw referrals
after any sequence of transitions (Hypothesis draws the sequences, the clock moves between steps)."""

import datetime as dt
import statistics
from collections import Counter
from typing import Any
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from referrals import services, summary
from referrals.models import Outcome, Referral, ReferralMonth
from tests.referrals.network import family

START = timezone.make_aware(dt.datetime(2026, 1, 28, 9))
INDEX = st.integers(min_value=0, max_value=30)
CREATE = st.tuples(st.just("create"), st.sampled_from(["family", "hub", "partner"]), st.booleans())
# "act" takes one of the moves open to the referral in its state (chosen by the second number), so
# sequences reach every state; "try" attempts any move, which the services may refuse.
STEPS = st.tuples(
    st.lists(CREATE, min_size=1, max_size=6),
    st.lists(
        st.one_of(
            CREATE,
            st.tuples(st.just("wait"), st.integers(min_value=1, max_value=24 * 25)),
            st.tuples(st.just("act"), INDEX, st.integers(min_value=0, max_value=5)),
            st.tuples(st.just("act"), INDEX, st.integers(min_value=0, max_value=5)),
            st.tuples(st.just("try"), INDEX, st.integers(min_value=0, max_value=10)),
        ),
        min_size=10,
        max_size=60,
    ),
).map(lambda parts: parts[0] + parts[1])
MOVES = ("send hfa", "send pat", "screen", "receive", "accept", "decline", "attempt", "enrolled",
         "declined_by_family", "unable_to_reach", "cancel")  # fmt: skip
OPEN_MOVES = {
    "requested": ("send hfa", "send pat", "screen", "cancel"),
    "sent": ("accept", "decline", "receive", "cancel"),
    "received": ("accept", "decline"),
    "accepted": ("attempt", "declined_by_family", "cancel"),
    "in-progress": ("attempt", "enrolled", "declined_by_family", "unable_to_reach"),
    "rejected": ("send hfa", "send pat", "cancel"),
}


class _Undo(Exception):
    """Raised at the end of an example to roll its rows back."""


def _recomputed(network: Any) -> tuple[dict[tuple[Any, ...], Counter[str]], dict[int | None, list[int]]]:
    """Straight from the referrals: each row's counts, and each program's whole days to first contact."""
    rows: dict[tuple[Any, ...], Counter[str]] = {}
    days: dict[int | None, list[int]] = {}
    for r in Referral.objects.unscoped(reason="test").filter(network=network):
        sent_month = timezone.localdate(r.sent_at).replace(day=1) if r.sent_at else None
        row = rows.setdefault(
            (r.program_id, r.source, timezone.localdate(r.created_at).replace(day=1), sent_month), Counter()
        )
        row["referred"] += 1
        row["eligible"] += bool(r.presented_programs)
        row["sent"] += r.sent_at is not None
        row["contacted"] += r.first_contact_at is not None
        row["enrolled"] += r.outcome == "enrolled"
        row["waiting"] += r.program_id is not None and r.status in (
            "requested",
            "received",
            "accepted",
            "in-progress",
        )
        if r.first_contact_at:
            gap = r.first_contact_at - r.sent_at
            row["contacted_7d"] += gap <= dt.timedelta(days=7)
            row[f"day {int(gap.total_seconds() // 86400)}"] += 1
            days.setdefault(r.program_id, []).append(int(gap.total_seconds() // 86400))
        if r.outcome == "enrolled":
            row["enrolled_30d"] += r.closed_at - r.sent_at <= dt.timedelta(days=30)
    return rows, days


def _stored(network: Any) -> dict[tuple[Any, ...], Counter[str]]:
    stored = {}
    for m in ReferralMonth.objects.unscoped(reason="test").filter(network=network):
        row = Counter({name: getattr(m, name) for name in summary.COUNTS})
        row.update({f"day {k}": v for k, v in m.contact_days.items()})
        stored[
            (m.program_id, m.source, m.month, m.sent_month)
        ] = +row  # + drops zero counts, as the recompute has none
    return stored


def _apply(net: Any, referral: Referral, move: str) -> None:
    staff = {net.programs["hfa"].id: net.staff_hfa, net.programs["pat"].id: net.staff_pat}
    at_program = staff.get(referral.program_id)
    if at_program is None and move in ("receive", "accept", "decline", "attempt", *Outcome.values):
        return  # not sent yet: no program's staff to act
    match move.split():
        case ("send", model):
            services.referral_choose(actor=net.hub, referral=referral, program=net.programs[model])
            services.referral_send(actor=net.hub, referral=referral)
        case ("screen",):
            services.referral_screen(
                actor=net.hub, referral=referral, first_time_parent=True, income_below_poverty=None
            )
        case ("receive",):
            services.referral_receive(actor=at_program, referral=referral)
        case ("accept",):
            services.referral_accept(actor=at_program, referral=referral)
        case ("decline",):
            services.referral_decline(actor=at_program, referral=referral, reason="capacity")
        case ("attempt",):
            services.contact_attempt_log(actor=at_program, referral=referral, method="phone", reached=False)
        case ("cancel",):
            services.referral_cancel(actor=net.hub, referral=referral, reason="The family asked")
        case (outcome,):
            services.referral_close(actor=at_program, referral=referral, outcome=outcome)


def _run(net: Any, steps: list[tuple[Any, ...]]) -> None:
    clock = [START]
    made: list[int] = []
    with mock.patch.object(timezone, "now", lambda: clock[0]):
        for step in steps:
            if step[0] == "wait":
                clock[0] += dt.timedelta(hours=step[1])
                continue
            try:
                if step[0] == "create":
                    source, in_area = step[1], step[2]
                    actor = {"family": None, "hub": net.hub, "partner": net.partner}[source]
                    referral = services.referral_create(
                        actor=actor,
                        network=net.network,
                        source=source,
                        source_organization=net.partner_org if source == "partner" else None,
                        consent_scope="contact",
                        **family(phone=f"314555{len(made):04d}", zip_code="63106" if in_area else "64101"),
                    )
                    made.append(referral.id)
                    continue
                if not made:
                    continue
                referral = Referral.objects.unscoped(reason="test").get(id=made[step[1] % len(made)])
                if step[0] == "try":
                    move = MOVES[step[2] % len(MOVES)]
                else:
                    state = (
                        "sent" if referral.status == "requested" and referral.program_id else referral.status
                    )
                    choices = OPEN_MOVES.get(state, ())
                    if not choices:
                        continue  # closed
                    move = choices[step[2] % len(choices)]
                _apply(net, referral, move)
            except (ValidationError, PermissionDenied):
                continue  # a refused step saves nothing; the sequence goes on


@pytest.mark.django_db(transaction=False)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_the_summary_equals_a_recompute_after_any_sequence_of_transitions(net, steps):
    with pytest.raises(_Undo), transaction.atomic():
        _run(net, steps)
        rows, days = _recomputed(net.network)
        assert _stored(net.network) == rows
        for program_id, values in days.items():
            histograms = ReferralMonth.objects.unscoped(reason="test").filter(
                network=net.network, program_id=program_id
            )
            assert summary.median(h.contact_days for h in histograms) == statistics.median(values)
        summary.rebuild(net.network.id)
        assert _stored(net.network) == rows
        raise _Undo


def test_the_rebuild_command_restores_a_summary_that_was_lost(net):
    from django.core.management import call_command

    referral = services.referral_create(
        actor=None, network=net.network, source="family", consent_scope="contact", **family()
    )
    services.referral_choose(actor=net.hub, referral=referral, program=net.programs["hfa"])
    services.referral_send(actor=net.hub, referral=referral)
    kept = _stored(net.network)
    ReferralMonth.objects.unscoped(reason="test").all().delete()
    call_command("referrals_summary_rebuild")
    assert _stored(net.network) == kept
    month = timezone.localdate().replace(day=1)
    assert kept == {
        (net.programs["hfa"].id, "family", month, month): Counter(referred=1, eligible=1, sent=1, waiting=1)
    }


@pytest.mark.parametrize(
    ("histograms", "expected"),
    [
        ([], None),
        ([{"3": 1}], 3),
        ([{"0": 2}, {"5": 1, "9": 1}], 2.5),  # 0 0 5 9: the mean of the two middle values
        ([{"1": 1, "2": 3}, {"7": 1}], 2),  # 1 2 2 2 7
        ([{"4": 2}, {"4": 0, "6": 2}], 5),  # 4 4 6 6
    ],
)
def test_the_median_of_histograms_is_the_middle_of_their_values(histograms, expected):
    assert summary.median(histograms) == expected
