"""Centre-line windows and phases (docs/runchart.md): baseline freeze (§6), manual phases (§7.1), automatic re-basing (§7.2, §7.3)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from .params import WINDOW_MIN_POINTS, RuleParams
from .result import Baseline, Centre, Trigger
from .rules import side_of
from .values import median


@dataclass(frozen=True, slots=True)
class PhasePlan:
    """Where a phase starts and the frozen centre line it is analysed against."""

    start: int
    window: tuple[int, ...]
    median: Fraction | None
    provisional: bool
    trigger: Trigger | None


def observed_between(values: Sequence[Fraction | None], first: int, last: int) -> list[int]:
    return [i for i in range(max(first, 0), min(last, len(values) - 1) + 1) if values[i] is not None]


def _median_at(values: Sequence[Fraction | None], indices: Sequence[int]) -> Fraction | None:
    return median([v for i in indices if (v := values[i]) is not None]) if indices else None


def _plan(
    values: Sequence[Fraction | None], start: int, window: Sequence[int], provisional: bool
) -> PhasePlan:
    return PhasePlan(start, tuple(window), _median_at(values, window), provisional, None)


def first_phase(
    values: Sequence[Fraction | None], params: RuleParams, last: int, *, runcharter: bool
) -> tuple[Centre, PhasePlan, Baseline | None]:
    """The first phase's centre line over periods 0..last, its label and its baseline record."""
    observed = observed_between(values, 0, last)
    start = observed[0] if observed else 0
    if params.fixed_cl is not None:
        return "fixed", PhasePlan(start, (), params.fixed_cl, False, None), None
    if runcharter:
        # runcharter's baseline is the first med_rows *positions* (§7.3).
        k: int | None = params.runcharter_med_rows
        window = observed_between(values, 0, min(last, params.runcharter_med_rows - 1))
        provisional = len(values) < params.runcharter_med_rows
        positional = _median_at(values, window)
    elif params.baseline_window is not None:
        first_period, last_period = params.baseline_window
        window = observed_between(values, first_period, min(last, last_period))
        k = len(window)
        provisional = len(window) < WINDOW_MIN_POINTS
        positional = _median_at(values, observed_between(values, first_period, last_period))
    elif params.baseline_k is not None:
        k = params.baseline_k
        window = observed[:k]
        provisional = len(window) < k
        # qicharts2's freeze counts positions, missing ones included (§6); reported for comparison.
        positional = _median_at(values, observed_between(values, 0, k - 1))
    else:
        plan = _plan(values, start, observed, False)
        if last >= len(values) - 1:
            return "median_all", plan, None
        k, window, provisional, positional = None, observed, False, plan.median
    plan = _plan(values, start, window, provisional)
    baseline = Baseline(
        k=k,
        median=plan.median,
        window=(window[0], window[-1]) if window else None,
        n_window=len(window),
        provisional=provisional,
        median_first_k_positions=positional,
    )
    return "baseline_median", plan, baseline


def manual_phases(
    values: Sequence[Fraction | None], first: PhasePlan, starts: Sequence[int], k: int
) -> list[PhasePlan]:
    """§7.1: each later phase is frozen at the median of its first k observed points."""
    plans = [first]
    for position, start in enumerate(starts):
        last = starts[position + 1] - 1 if position + 1 < len(starts) else len(values) - 1
        window = observed_between(values, start, last)[:k]
        plans.append(_plan(values, start, window, len(window) < k))
    return plans


def _wanted(side: int, params: RuleParams) -> bool:
    return params.direction == "both" or (side > 0) == (params.direction == "up")


def _scan_from(plan: PhasePlan) -> int:
    # Only points after the window that defined the current median may trigger (§7.2).
    return plan.window[-1] + 1 if plan.window else plan.start


def _sustained_shift(
    values: Sequence[Fraction | None], current: PhasePlan, params: RuleParams
) -> PhasePlan | None:
    assert current.median is not None
    block_side = 0
    block: list[int] = []
    for i in range(_scan_from(current), len(values)):
        v = values[i]
        side = 0 if v is None else side_of(v, current.median)
        if side == 0:
            continue
        if side != block_side:
            block_side, block = side, []
        block.append(i)
        # Equality fires once per block, so a failed sustain check resumes after the whole block.
        if len(block) != params.shift_len or not _wanted(side, params):
            continue
        window = observed_between(values, block[0], len(values) - 1)[: params.rebase_k]
        plan = _plan(values, block[0], window, len(window) < params.rebase_k)
        assert plan.median is not None
        if (plan.median > current.median) if side > 0 else (plan.median < current.median):
            trigger = Trigger("above" if side > 0 else "below", block[0], block[-1], current.median)
            return PhasePlan(plan.start, plan.window, plan.median, plan.provisional, trigger)
    return None


def ihi_sustained_phases(
    values: Sequence[Fraction | None], first: PhasePlan, params: RuleParams
) -> list[PhasePlan]:
    """§7.2 exactly: a shift in the wanted direction re-bases only if the new window's median confirms it."""
    plans = [first]
    while plans[-1].median is not None and not plans[-1].provisional:
        found = _sustained_shift(values, plans[-1], params)
        if found is None:
            break
        plans.append(found)
    return plans


def runcharter_phases(
    values: Sequence[Fraction | None], first: PhasePlan, params: RuleParams
) -> list[PhasePlan]:
    """§7.3: each run of runlength useful points on the wanted side re-bases at the median of that run."""
    plans = [first]
    if first.median is None or first.provisional:
        return plans
    centre = first.median
    block_side = 0
    block: list[int] = []
    for i in range(_scan_from(first), len(values)):
        v = values[i]
        side = 0 if v is None else side_of(v, centre)
        if side == 0:
            continue
        if side != block_side:
            block_side, block = side, []
        block.append(i)
        if len(block) == params.runcharter_runlength and _wanted(side, params):
            new_centre = _median_at(values, block)
            assert new_centre is not None
            sixth = block[min(params.shift_len, len(block)) - 1]
            trigger = Trigger("above" if side > 0 else "below", block[0], sixth, centre)
            plans.append(PhasePlan(block[0], tuple(block), new_centre, False, trigger))
            centre, block_side, block = new_centre, 0, []
    return plans
