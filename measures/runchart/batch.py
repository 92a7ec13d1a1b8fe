"""`analyse_many`: many series at once, vectorised across series with numpy, results identical to `analyse`.

Section numbers (§) below are those of docs/runchart.md.

Exactness without Fractions: every value is kept as an int64 (num, den) pair and sides are decided by
cross-multiplication, num·cl_den vs cl_num·den. A series whose magnitudes could overflow int64 or make
float ordering ambiguous is handed to the exact one-series engine instead.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from fractions import Fraction
from itertools import chain
from typing import cast

import numpy as np
import numpy.typing as npt

from .params import WINDOW_MIN_POINTS, RuleParams
from .reference import DEFAULT_PARAMS, analyse
from .result import Baseline, Centre, Phase, RunChartResult, SegmentStats, Shift, Trend, Trigger
from .rules import assemble_stats
from .values import RawValue, exact_series, exact_value

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

# With B = max |num| and D = max den of a series, B·D² < 2^50 keeps every cross product of a value with a
# two-point median (≤ 2·B·D²) inside int64, and makes distinct values differ by more than twice their
# float64 rounding error, so sorting by float orders them exactly and equal values get equal floats.
_EXACT_BOUND = float(2**50)
_INT64_BOUND = float(2**62)
_SATURATED = 2**62
_NONE_TYPE = type(None)
_PAIR_KINDS = {tuple, _NONE_TYPE}
_MISSING = (0, 0)
_Tuple = tuple[int | None, int | None]


def analyse_many(
    series_list: Sequence[Sequence[RawValue]], params: RuleParams = DEFAULT_PARAMS
) -> list[RunChartResult]:
    """`[analyse(s, params) for s in series_list]`, computed in bulk."""
    if params.rebase == "ihi_sustained" and _first_phase_is_baseline(params):
        return _ihi_sustained_many(series_list, params)
    if params.phase_starts or params.rebase is not None:
        # Phase detection is a sequential scan whose windows depend on earlier phases; it stays per series.
        return [analyse(series, params) for series in series_list]
    if not any(len(series) for series in series_list):
        return [analyse(series, params) for series in series_list]
    with collector_paused():
        return _encoded(series_list, params).results(series_list)


def _encoded(series_list: Sequence[Sequence[RawValue]], params: RuleParams) -> _Batch:
    """The series as a batch; those beyond exact int64 arithmetic are blanked, for the exact engine."""
    num, den, lengths = _encode(series_list)
    slow = _needs_exact_path(num, den, params)
    num[slow] = 0
    den[slow] = 0
    return _Batch(num, den, lengths, slow, params)


def _first_phase_is_baseline(params: RuleParams) -> bool:
    return (
        not params.phase_starts
        and params.baseline_k is not None
        and params.baseline_window is None
        and params.fixed_cl is None
    )


def _ihi_sustained_many(
    series_list: Sequence[Sequence[RawValue]], params: RuleParams
) -> list[RunChartResult]:
    """§7.2 in bulk: the baseline analysis for every series, then re-basing in vectorised rounds.

    A re-base needs `shift_len` points on a wanted side after the baseline window, so it needs a shift
    of the whole series against the baseline median that ends after that window. Series without one
    have a single phase equal to the baseline phase. The others are scanned together, one phase per
    round (`_Batch.sustained_phases`), and every phase's rules are computed in one more batch.
    """
    flat = replace(params, rebase=None)
    if not any(len(series) for series in series_list):
        return [analyse(series, params) for series in series_list]
    with collector_paused():
        batch = _encoded(series_list, flat)
        # Series beyond int64 arithmetic get their whole analysis, re-basing included, from the exact engine.
        results = batch.results(series_list, slow_params=params)
        out: list[RunChartResult] = []
        rebasing: list[int] = []
        for row, result in enumerate(results):
            if batch.slow[row]:
                out.append(result)
                continue
            if _may_rebase(result, params):
                rebasing.append(row)
            out.append(replace(result, phases=_baseline_phase(result)))
        for row, phases in batch.sustained_phases(rebasing, results, params).items():
            out[row] = replace(out[row], phases=phases)
        return out


def _may_rebase(result: RunChartResult, params: RuleParams) -> bool:
    baseline = result.baseline
    assert baseline is not None
    scan_from = baseline.window[1] + 1 if baseline.window else 0
    return (
        baseline.median is not None
        and not baseline.provisional
        and any(
            shift.end_index >= scan_from and _wanted_side(shift.side, params) for shift in result.stats.shifts
        )
    )


def _baseline_phase(result: RunChartResult) -> tuple[Phase, ...]:
    """The one phase of a series that never re-bases: the baseline phase over the whole series."""
    if not result.n_periods:
        return ()
    baseline = result.baseline
    assert baseline is not None
    return (
        Phase(
            start_index=baseline.window[0] if baseline.window else 0,  # the first observed period
            end_index=result.n_periods - 1,
            median=result.median,
            median_window=baseline.window,
            n_window=baseline.n_window,
            provisional=baseline.provisional,
            trigger=None,
            stats=result.stats,
        ),
    )


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for the block, then back as it was.

    Tens of thousands of small result objects would trigger full collections that rescan the caller's
    (large) input each time; nothing created here is cyclic, so pausing the collector frees nothing late.
    Callers that build such objects around the engine (a service reading a measure's data and storing
    its results) pause it for the whole of their work. The collector is process-wide: a pause nested
    in another ends with the outer one.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _wanted_side(side: str, params: RuleParams) -> bool:
    return params.direction == "both" or (side == "above") == (params.direction == "up")


def _flat_pairs(items: Sequence[RawValue]) -> list[int] | None:
    """num, den, num, den… when every item is None or an (int, int) pair, else None.

    Each check is one C-level pass (map/set/chain) instead of a Python loop over the items. `items`
    is one series, or a whole batch's periods chained when its series are of one length.
    """
    kinds = set(map(type, items))
    if not kinds <= _PAIR_KINDS:
        return None
    # The casts state what the C-level type checks establish: every item is a tuple or None, then every
    # number an int.
    pairs: Sequence[_Tuple]
    if _NONE_TYPE in kinds:
        pairs = [_MISSING if item is None else item for item in cast(Sequence[_Tuple | None], items)]
    else:
        pairs = cast(Sequence[_Tuple], items)
    if pairs and set(map(len, pairs)) != {2}:
        return None
    flat = list(chain.from_iterable(pairs))
    return cast(list[int], flat) if set(map(type, flat)) <= {int} else None


def _flat_values(series: Sequence[RawValue]) -> list[int]:
    flat: list[int] = []
    for index, item in enumerate(series):
        value = exact_value(item, index)
        flat += (0, 0) if value is None else (value.numerator, value.denominator)
    return flat


def _int64(flat: list[int]) -> IntArray:
    try:
        return np.array(flat, dtype=np.int64)
    except OverflowError:
        # Beyond int64: saturate, so that _needs_exact_path sends those series to the exact engine.
        return np.array([min(max(x, -_SATURATED), _SATURATED) for x in flat], dtype=np.int64)


def _encode(series_list: Sequence[Sequence[RawValue]]) -> tuple[IntArray, IntArray, list[int]]:
    """Two (series × period) int64 arrays; missing periods, including padding, have den 0."""
    if any(isinstance(series, str | bytes) for series in series_list):
        raise TypeError("values must be a sequence of periods, not a string")
    lengths = [len(series) for series in series_list]
    width = max(lengths)
    flat = _flat_pairs(list(chain.from_iterable(series_list))) if min(lengths) == width else None
    if flat is not None:
        both = _int64(flat).reshape(len(series_list), width, 2)
    else:
        # Mixed lengths or value kinds: each series on its own, padded to the batch's width.
        flat = []
        for series, length in zip(series_list, lengths, strict=True):
            pairs = _flat_pairs(series)
            flat += _flat_values(series) if pairs is None else pairs
            flat += [0] * (2 * (width - length))
        both = _int64(flat).reshape(len(series_list), width, 2)
    num, den = both[:, :, 0].copy(), both[:, :, 1].copy()
    if (den < 0).any():
        for row in np.flatnonzero((den < 0).any(axis=1)).tolist():
            exact_series(series_list[row])  # raises the error that names the index
    num[den == 0] = 0
    return num, den, lengths


def _needs_exact_path(num: IntArray, den: IntArray, params: RuleParams) -> BoolArray:
    biggest_num = np.abs(num).max(axis=1).astype(np.float64)
    biggest_den = den.max(axis=1).astype(np.float64)
    slow = biggest_num * biggest_den * biggest_den >= _EXACT_BOUND
    if params.fixed_cl is not None:
        fixed = params.fixed_cl
        slow |= biggest_num * float(fixed.denominator) >= _INT64_BOUND
        slow |= abs(float(fixed.numerator)) * biggest_den >= _INT64_BOUND
    return slow


def _segments(rows: IntArray, keys: npt.NDArray[np.int64]) -> tuple[IntArray, IntArray]:
    """Start offsets and lengths of maximal stretches with equal (row, key), in row-major order."""
    change = np.empty(len(rows), dtype=bool)
    change[:1] = True
    change[1:] = (rows[1:] != rows[:-1]) | (keys[1:] != keys[:-1])
    starts = np.flatnonzero(change)
    return starts, np.diff(np.append(starts, len(rows)))


def as_fractions(nums: IntArray, dens: IntArray, present: BoolArray) -> list[Fraction | None]:
    """Fractions per row; equal values share one instance, since medians repeat across series."""
    divisor = np.gcd(nums, dens)
    cache: dict[tuple[int, int], Fraction] = {}
    out: list[Fraction | None] = []
    for key, ok in zip(
        zip((nums // divisor).tolist(), (dens // divisor).tolist(), strict=True),
        present.tolist(),
        strict=True,
    ):
        if not ok:
            out.append(None)
        elif (value := cache.get(key)) is not None:
            out.append(value)
        else:
            out.append(cache.setdefault(key, Fraction(*key)))
    return out


def masked_median(num: IntArray, den: IntArray, mask: BoolArray) -> tuple[IntArray, IntArray, IntArray]:
    """Exact median of the masked values per row as (num, den, count); count 0 means none."""
    count, width = num.shape
    rows = np.arange(count)
    sizes = mask.sum(axis=1)
    if not width:
        return np.zeros(count, dtype=np.int64), np.ones(count, dtype=np.int64), sizes
    with np.errstate(divide="ignore", invalid="ignore"):
        keys = np.where(mask, num / np.where(den > 0, den, 1), np.inf)
    order = np.argsort(keys, axis=1, kind="stable")
    lo = order[rows, np.maximum(sizes - 1, 0) // 2]
    hi = order[rows, np.minimum(sizes // 2, width - 1)]
    lo_num, lo_den = num[rows, lo], den[rows, lo]
    hi_num, hi_den = num[rows, hi], den[rows, hi]
    # (a + b) / 2 as one fraction; for an odd count lo == hi and this is the middle value itself.
    cl_num = lo_num * hi_den + hi_num * lo_den
    cl_den = 2 * lo_den * hi_den
    empty = sizes == 0
    cl_num[empty], cl_den[empty] = 0, 1
    return cl_num, cl_den, sizes


def _first_observed(obs: BoolArray, starts: IntArray, k: int) -> BoolArray:
    """Per row, the first k observed periods at or after that row's start."""
    after = obs & (np.arange(obs.shape[1]) >= starts[:, None])
    return after & (np.cumsum(after, axis=1) <= k)


def _split(rows: IntArray, values: list[int], count: int) -> list[tuple[int, ...]]:
    """Per row, the values that belong to it; rows are sorted."""
    bounds = np.searchsorted(rows, np.arange(count + 1)).tolist()
    return [tuple(values[bounds[r] : bounds[r + 1]]) for r in range(count)]


@dataclass(frozen=True, slots=True)
class _Plan:
    """A phase found by the §7.2 scan: where it starts, its window and median (num/den), its trigger."""

    start: int
    first: int
    last: int
    num: int
    den: int
    n_window: int
    provisional: bool
    trigger: Trigger | None


class _Batch:
    """The vectorised steps of §3–§6 for series without phases."""

    def __init__(
        self, num: IntArray, den: IntArray, lengths: list[int], slow: BoolArray, params: RuleParams
    ) -> None:
        self.num, self.den, self.lengths, self.slow, self.params = num, den, lengths, slow, params
        self.count, self.width = num.shape
        self.obs = den > 0
        self.rows = np.arange(self.count)

    def _window(self) -> BoolArray:
        params, positions = self.params, np.arange(self.width)
        if params.baseline_window is not None:
            first, last = params.baseline_window
            return self.obs & (positions >= first) & (positions <= last)
        if params.baseline_k is not None:
            return self.obs & (np.cumsum(self.obs, axis=1) <= params.baseline_k)
        return self.obs

    def _median(self, mask: BoolArray) -> tuple[IntArray, IntArray, IntArray]:
        return masked_median(self.num, self.den, mask)

    def _sides(
        self, cl_num: IntArray, cl_den: IntArray, has_cl: BoolArray
    ) -> tuple[npt.NDArray[np.int8], BoolArray]:
        diff = self.num * cl_den[:, None] - cl_num[:, None] * self.den
        analysed = self.obs & has_cl[:, None]
        side = np.where(analysed, np.sign(diff), 0).astype(np.int8)
        return side, analysed & (diff == 0)

    def _shifts(
        self, side: npt.NDArray[np.int8]
    ) -> tuple[IntArray, IntArray, IntArray, dict[int, list[Shift]]]:
        """Per row: n_useful, n_runs, longest run, and the shifts (§3.4, §4.1)."""
        rows, cols = np.nonzero(side)
        n_useful = np.bincount(rows, minlength=self.count)
        n_runs = np.zeros(self.count, dtype=np.int64)
        longest = np.zeros(self.count, dtype=np.int64)
        shifts: dict[int, list[Shift]] = {}
        if not len(rows):
            return n_useful, n_runs, longest, shifts
        signs = side[rows, cols].astype(np.int64)
        starts, sizes = _segments(rows, signs)
        run_rows = rows[starts]
        n_runs = np.bincount(run_rows, minlength=self.count)
        present = n_runs > 0
        longest[present] = np.maximum.reduceat(sizes, (np.cumsum(n_runs) - n_runs)[present])
        long_runs = np.flatnonzero(sizes >= self.params.shift_len)
        if len(long_runs):
            col_list = cols.tolist()
            for row, sign, start, size in zip(
                run_rows[long_runs].tolist(),
                signs[starts[long_runs]].tolist(),
                starts[long_runs].tolist(),
                sizes[long_runs].tolist(),
                strict=True,
            ):
                indices = tuple(col_list[start : start + size])
                shifts.setdefault(row, []).append(
                    Shift("above" if sign > 0 else "below", indices[0], indices[-1], size, indices)
                )
        return n_useful, n_runs, longest, shifts

    def _trends(self, analysed: BoolArray) -> dict[int, list[Trend]]:
        rows, cols = np.nonzero(analysed)
        trends: dict[int, list[Trend]] = {}
        if len(rows) < 2:
            return trends
        num, den = self.num[rows, cols], self.den[rows, cols]
        step = np.sign(num[1:] * den[:-1] - num[:-1] * den[1:])
        step[rows[1:] != rows[:-1]] = 0
        # Zero steps are inside plateaus: dropping them merges equal neighbours into one point (§4.1).
        moves = np.flatnonzero(step)
        if not len(moves):
            return trends
        starts, sizes = _segments(rows[moves], step[moves])
        keep = np.flatnonzero(sizes + 1 >= self.params.trend_len)
        firsts, lasts = moves[starts[keep]], moves[starts[keep] + sizes[keep] - 1]
        for row, sign, left, right, size in zip(
            rows[firsts].tolist(),
            step[firsts].tolist(),
            cols[firsts].tolist(),
            cols[lasts + 1].tolist(),
            sizes[keep].tolist(),
            strict=True,
        ):
            trends.setdefault(row, []).append(Trend("up" if sign > 0 else "down", left, right, size + 1))
        return trends

    def results(
        self, series_list: Sequence[Sequence[RawValue]], slow_params: RuleParams | None = None
    ) -> list[RunChartResult]:
        """Every row's result; rows on the exact path are analysed by `analyse` with `slow_params`
        (default: the batch's parameters)."""
        params, count = self.params, self.count
        centre: Centre
        baseline: tuple[BoolArray, IntArray, IntArray, IntArray] | None = None
        if params.fixed_cl is not None:
            centre = "fixed"
            cl_num = np.full(count, params.fixed_cl.numerator, dtype=np.int64)
            cl_den = np.full(count, params.fixed_cl.denominator, dtype=np.int64)
            has_cl = np.ones(count, dtype=bool)
        else:
            window = self._window()
            cl_num, cl_den, window_sizes = self._median(window)
            has_cl = window_sizes > 0
            if params.baseline_k is not None or params.baseline_window is not None:
                centre, baseline = "baseline_median", (window, cl_num, cl_den, window_sizes)
            else:
                centre = "median_all"
        self.centre = (cl_num, cl_den)
        stats = self.segment_stats(cl_num, cl_den, has_cl)
        medians = as_fractions(cl_num, cl_den, has_cl)
        baselines = [None] * count if baseline is None else self._baselines(baseline, medians)
        slow_params = slow_params or params
        return [
            analyse(series_list[r], slow_params)
            if slow
            else RunChartResult(centre, medians[r], self.lengths[r], stats[r], baselines[r], None)
            for r, slow in enumerate(self.slow.tolist())
        ]

    def segment_stats(self, cl_num: IntArray, cl_den: IntArray, has_cl: BoolArray) -> list[SegmentStats]:
        """§3–§4 per row against that row's centre line (none where `has_cl` is false)."""
        side, on_median = self._sides(cl_num, cl_den, has_cl)
        n_useful, n_runs, longest, shifts = self._shifts(side)
        trends = self._trends(self.obs & has_cl[:, None])
        on_rows, on_cols = np.nonzero(on_median)
        on_median_by_row = _split(on_rows, on_cols.tolist(), self.count)
        return [
            assemble_stats(
                n_obs=n_obs,
                n_useful=useful,
                on_median_indices=on_median_by_row[r],
                n_runs=runs,
                longest_run=run_max,
                shifts=tuple(shifts.get(r, ())),
                trends=tuple(trends.get(r, ())),
            )
            for r, (n_obs, useful, runs, run_max) in enumerate(
                zip(
                    self.obs.sum(axis=1).tolist(),
                    n_useful.tolist(),
                    n_runs.tolist(),
                    longest.tolist(),
                    strict=True,
                )
            )
        ]

    def sustained_phases(
        self, rows: list[int], results: list[RunChartResult], params: RuleParams
    ) -> dict[int, tuple[Phase, ...]]:
        """§7.2 for the given rows (baseline median set, not provisional), one phase per round.

        Each round finds, for every row still re-basing, the blocks of `shift_len` useful points on a
        wanted side after the current window, in order; the first whose new window's median confirms
        the shift starts the next phase. Then every phase's rules are computed in one batch.
        """
        cl_num, cl_den = self.centre
        plans: dict[int, list[_Plan]] = {}
        for row in rows:
            baseline = results[row].baseline
            assert baseline is not None and baseline.window is not None
            first, last = baseline.window
            plans[row] = [
                _Plan(first, first, last, int(cl_num[row]), int(cl_den[row]), baseline.n_window, False, None)
            ]
        active = rows
        while active:
            current = [plans[row][-1] for row in active]
            found = self._next_phases(
                np.array(active, dtype=np.int64),
                np.array([p.num for p in current], dtype=np.int64),
                np.array([p.den for p in current], dtype=np.int64),
                np.array([p.last + 1 for p in current], dtype=np.int64),
                params,
            )
            for row, plan in found.items():
                plans[row].append(plan)
            active = [row for row, plan in found.items() if not plan.provisional]
        return self._phases(plans)

    def _next_phases(
        self, active: IntArray, cur_num: IntArray, cur_den: IntArray, scan_from: IntArray, params: RuleParams
    ) -> dict[int, _Plan]:
        """For each active row, the next confirmed phase after `scan_from`, if any (§7.2's loop body)."""
        num, den, obs = self.num[active], self.den[active], self.obs[active]
        diff = num * cur_den[:, None] - cur_num[:, None] * den
        side = np.where(obs & (np.arange(self.width) >= scan_from[:, None]), np.sign(diff), 0)
        rows, cols = np.nonzero(side)
        if not len(rows):
            return {}
        signs = side[rows, cols]
        starts, sizes = _segments(rows, signs)
        qualifies = sizes >= params.shift_len
        if params.direction != "both":
            qualifies &= (signs[starts] > 0) == (params.direction == "up")
        # Each qualifying block triggers once, at its shift_len-th point; blocks are in row, then period order.
        blocks = starts[qualifies]
        if not len(blocks):
            return {}
        local, begin = rows[blocks], cols[blocks]
        window = _first_observed(obs[local], begin, params.rebase_k)
        new_num, new_den, n_window = masked_median(num[local], den[local], window)
        window_last = self.width - 1 - np.argmax(window[:, ::-1], axis=1)
        found: dict[int, _Plan] = {}
        for row, a, sixth, sign, m_num, m_den, last, n in zip(
            local.tolist(),
            begin.tolist(),
            cols[blocks + params.shift_len - 1].tolist(),
            signs[blocks].tolist(),
            new_num.tolist(),
            new_den.tolist(),
            window_last.tolist(),
            n_window.tolist(),
            strict=True,
        ):
            owner = int(active[row])
            if owner in found:
                continue
            # Python ints: a cross product of two medians may pass int64.
            c_num, c_den = int(cur_num[row]), int(cur_den[row])
            if (m_num * c_den > c_num * m_den) if sign > 0 else (m_num * c_den < c_num * m_den):
                trigger = Trigger("above" if sign > 0 else "below", a, sixth, Fraction(c_num, c_den))
                found[owner] = _Plan(a, a, last, m_num, m_den, n, n < params.rebase_k, trigger)
        return found

    def _phases(self, plans: dict[int, list[_Plan]]) -> dict[int, tuple[Phase, ...]]:
        """Every phase's rules in one batch: each phase is its row with the periods outside it blanked."""
        owners, spans = [], []
        for row, row_plans in plans.items():
            for position, plan in enumerate(row_plans):
                end = (
                    row_plans[position + 1].start - 1
                    if position + 1 < len(row_plans)
                    else self.lengths[row] - 1
                )
                owners.append(row)
                spans.append((plan.start, end))
        flat = [plan for row_plans in plans.values() for plan in row_plans]
        if not flat:
            return {}
        owner_rows = np.array(owners, dtype=np.int64)
        bounds = np.array(spans, dtype=np.int64)
        positions = np.arange(self.width)
        inside = (positions >= bounds[:, :1]) & (positions <= bounds[:, 1:])
        num = np.where(inside, self.num[owner_rows], 0)
        den = np.where(inside, self.den[owner_rows], 0)
        lengths = [self.lengths[row] for row in owners]
        phase_batch = _Batch(num, den, lengths, np.zeros(len(flat), dtype=bool), self.params)
        cl_num = np.array([plan.num for plan in flat], dtype=np.int64)
        cl_den = np.array([plan.den for plan in flat], dtype=np.int64)
        stats = phase_batch.segment_stats(cl_num, cl_den, np.ones(len(flat), dtype=bool))
        medians = as_fractions(cl_num, cl_den, np.ones(len(flat), dtype=bool))
        out: dict[int, list[Phase]] = {}
        for row, plan, (_, end), median, phase_stats in zip(owners, flat, spans, medians, stats, strict=True):
            out.setdefault(row, []).append(
                Phase(
                    start_index=plan.start,
                    end_index=end,
                    median=median,
                    median_window=(plan.first, plan.last),
                    n_window=plan.n_window,
                    provisional=plan.provisional,
                    trigger=plan.trigger,
                    stats=phase_stats,
                )
            )
        return {row: tuple(phases) for row, phases in out.items()}

    def _baselines(
        self, baseline: tuple[BoolArray, IntArray, IntArray, IntArray], medians: list[Fraction | None]
    ) -> list[Baseline | None]:
        params = self.params
        window, cl_num, cl_den, sizes = baseline
        if params.baseline_window is not None:
            positional = medians
            targets = sizes
            provisional = sizes < WINDOW_MIN_POINTS
        else:
            assert params.baseline_k is not None
            positional_mask = self.obs & (np.arange(self.width) < params.baseline_k)
            p_num, p_den, p_sizes = self._median(positional_mask)
            positional = as_fractions(p_num, p_den, p_sizes > 0)
            targets = np.full(self.count, params.baseline_k)
            provisional = sizes < params.baseline_k
        first = np.argmax(window, axis=1)
        last = self.width - 1 - np.argmax(window[:, ::-1], axis=1)
        return [
            Baseline(
                k=k,
                median=median,
                window=(lo, hi) if size else None,
                n_window=size,
                provisional=prov,
                median_first_k_positions=by_position,
            )
            for k, median, size, by_position, lo, hi, prov in zip(
                targets.tolist(),
                medians,
                sizes.tolist(),
                positional,
                first.tolist(),
                last.tolist(),
                provisional.tolist(),
                strict=True,
            )
        ]
