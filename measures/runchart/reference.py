"""`analyse`: the straightforward exact engine, one series at a time, loops over Fractions.

It is the specification in code and the oracle that the batch engine (`batch.py`) is tested against.
Section numbers (§) below are those of docs/runchart.md.
"""

from __future__ import annotations

from collections.abc import Sequence

from .params import RuleParams
from .phases import first_phase, ihi_sustained_phases, manual_phases, runcharter_phases
from .result import Phase, RunChartResult
from .rules import segment_stats
from .values import RawValue, exact_series

DEFAULT_PARAMS = RuleParams()


def analyse(values: Sequence[RawValue], params: RuleParams = DEFAULT_PARAMS) -> RunChartResult:
    """Analyse one monthly series (§11). Degenerate input gives a result, never an exception."""
    series = exact_series(values)
    n_periods = len(series)
    starts = [s for s in params.phase_starts if 0 < s < n_periods]
    mode = "manual" if params.phase_starts else params.rebase
    first_last = starts[0] - 1 if starts else n_periods - 1
    centre, first, baseline = first_phase(series, params, first_last, runcharter=mode == "runcharter")
    stats = segment_stats(
        series, first.median, 0, n_periods - 1, shift_len=params.shift_len, trend_len=params.trend_len
    )
    phases: tuple[Phase, ...] | None = None
    if mode is not None:
        if mode == "manual":
            plans = manual_phases(series, first, starts, params.rebase_k)
        elif mode == "ihi_sustained":
            plans = ihi_sustained_phases(series, first, params)
        else:
            plans = runcharter_phases(series, first, params)
        ends = [plan.start - 1 for plan in plans[1:]] + [n_periods - 1]
        phases = tuple(
            Phase(
                start_index=plan.start,
                end_index=last,
                median=plan.median,
                median_window=(plan.window[0], plan.window[-1]) if plan.window else None,
                n_window=len(plan.window),
                provisional=plan.provisional,
                trigger=plan.trigger,
                stats=segment_stats(
                    series,
                    plan.median,
                    plan.start,
                    last,
                    shift_len=params.shift_len,
                    trend_len=params.trend_len,
                ),
            )
            for plan, last in zip(plans, ends, strict=True)
        )
        if not n_periods:
            phases = ()
    return RunChartResult(
        centre=centre, median=first.median, n_periods=n_periods, stats=stats, baseline=baseline, phases=phases
    )
