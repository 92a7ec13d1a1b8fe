"""Shewhart control charts as qicharts2 draws them: p, p′, u, u′, I, MR and c (docs/control-charts.md).

Pure Python and numpy, no Django. Every series of a batch is computed in whole-array passes over a
(series × period) matrix; `control_chart` is the batch of one, so both paths share every line of arithmetic.

Conventions (qicharts2 0.8's `qic.*` functions with its `qic.screenedmr` option off, the option's default
until the package is attached; `screened_mr=True` turns it on):

* p, p′: CL = Σnum / Σden over the baseline; σᵢ = √(CL(1 − CL)/nᵢ). u, u′: CL = Σnum / Σden; σᵢ = √(CL/nᵢ).
* p′, u′ (Laney): zᵢ = (yᵢ − CL)/σᵢ over the baseline; σ_z = mean |zᵢ − zᵢ₋₁| / 1.128 (unscreened, as I);
  the limits use σᵢ·σ_z.
* I: CL = mean; σ = mean moving range / 1.128 (unscreened). MR: the moving ranges |yᵢ − yᵢ₋₁| (none at
  a phase's first period), CL = their mean, LCL = 0, UCL = 3.267 × CL. c: CL = mean, σ = √CL.
* Limits are CL ± 3σ, then p limits are clamped to [0, 1] and u, u′ and c lower limits at 0; I limits are
  not clamped. A moving range needs two adjacent periods with values: a missing period breaks it.
* `baseline_k` freezes CL and σ on the first k observed periods (the run-chart engine's count; qicharts2's
  `freeze` counts positions, the same when no period is missing). `phase_starts` start phases (qicharts2's
  `part`); each phase's limits come from all of its own periods and `baseline_k` is then not used, as in
  qicharts2, which ignores `freeze` when `part` is given.
* Anhøj rules per phase against its CL; the MR chart reports its runs figures but never an Anhøj signal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from .batch import _flat_pairs, collector_paused
from .params import RuleParams
from .tables import anhoej_crossings_min, anhoej_longest_run_max
from .values import RawValue, exact_value

Chart = Literal["p", "pp", "u", "up", "i", "mr", "c"]
CHARTS: tuple[Chart, ...] = ("p", "pp", "u", "up", "i", "mr", "c")
RATIO_CHARTS = frozenset({"p", "pp", "u", "up"})
LANEY_CHARTS = frozenset({"pp", "up"})
PROPORTION_CHARTS = frozenset({"p", "pp"})
# d2 for moving ranges of two (Montgomery), and D4 for n = 2 as qicharts2 writes it.
D2 = 1.128
D4 = 3.267

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]
Floats = tuple[float | None, ...]
_INT_KINDS = {int, type(None)}


@dataclass(slots=True)
class ControlPhase:
    """The Anhøj rules over one phase against its centre line; runs figures None with no useful point."""

    start_index: int
    end_index: int
    n_useful: int
    longest_run: int | None
    longest_run_max: int | None
    n_crossings: int | None
    n_crossings_min: int | None
    anhoej_signal: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "start_index": self.start_index,
            "end_index": self.end_index,
            "longest_run": self.longest_run,
            "n_crossings": self.n_crossings,
            "anhoej_signal": self.anhoej_signal,
        }


@dataclass(slots=True)
class ControlChartResult:
    """One series' control chart. `y` is what is plotted: the values, or the moving ranges of an MR chart."""

    chart: Chart
    y: Floats
    cl: Floats
    lcl: Floats
    ucl: Floats
    sigma_signal_indices: tuple[int, ...]
    phases: tuple[ControlPhase, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "chart": self.chart,
            "y": list(self.y),
            "cl": list(self.cl),
            "lcl": list(self.lcl),
            "ucl": list(self.ucl),
            "sigma_signal_indices": list(self.sigma_signal_indices),
            "phases": [phase.to_dict() for phase in self.phases],
        }


@dataclass(slots=True)
class ControlArrays:
    """A batch's figures as arrays (NaN where there is none); `phase_*` arrays are (series × phase)."""

    y: FloatArray
    cl: FloatArray
    lcl: FloatArray
    ucl: FloatArray
    signal: BoolArray
    bounds: tuple[tuple[int, int], ...]
    phase_useful: IntArray
    phase_longest: IntArray
    phase_crossings: IntArray
    phase_signal: BoolArray


def control_chart(
    values: Sequence[RawValue], chart: Chart, params: RuleParams | None = None, *, screened_mr: bool = False
) -> ControlChartResult:
    """One series' control chart. Degenerate input (empty, all missing, one point) gives nulls, not errors.

    `screened_mr` drops moving ranges of 3.267 × their mean or more before averaging them (I, p′, u′), as
    qicharts2 0.8 does once attached (its option `qic.screenedmr`, Nelson 1982); off by default.
    """
    return control_charts([values], chart, params, screened_mr=screened_mr)[0]


def control_charts(
    series_list: Sequence[Sequence[RawValue]],
    chart: Chart,
    params: RuleParams | None = None,
    *,
    screened_mr: bool = False,
) -> list[ControlChartResult]:
    """`[control_chart(s, chart, params) for s in series_list]`, computed per length in whole-array passes."""
    chart = _check_chart(chart)
    params = params if params is not None else RuleParams()
    by_length: dict[int, list[int]] = {}
    for position, series in enumerate(series_list):
        if isinstance(series, str | bytes):
            raise TypeError("each series must be a sequence of periods, not a string")
        by_length.setdefault(len(series), []).append(position)
    found: list[ControlChartResult | None] = [None] * len(series_list)
    with collector_paused():
        for length, positions in by_length.items():
            num, den = encode([series_list[p] for p in positions], chart, length)
            batch = results(control_arrays(num, den, chart, params, screened_mr=screened_mr), chart)
            for row, position in enumerate(positions):
                found[position] = batch[row]
    return [result for result in found if result is not None]


def control_charts_arrays(
    num: npt.ArrayLike,
    den: npt.ArrayLike,
    chart: Chart,
    params: RuleParams | None = None,
    *,
    screened_mr: bool = False,
) -> list[ControlChartResult]:
    """The batch path: equal-length series already as two (series × period) arrays, one result per row.

    p, p′, u, u′: `num` and `den` are each period's numerator and denominator (a period with denominator 0
    is missing). I, MR and c: `num` holds the values and `den` is 1 where a period has a value, 0 where it
    is missing. Equal to `control_charts` of the same series as lists (the values as pairs or numbers), and
    several times faster: nothing is read item by item. Raises ValueError naming `num` or `den` and the
    first bad series and period.
    """
    chart = _check_chart(chart)
    numbers, sizes = _checked_arrays(num, den, chart)
    with collector_paused():
        return results(
            control_arrays(numbers, sizes, chart, params or RuleParams(), screened_mr=screened_mr), chart
        )


def _checked_arrays(num: npt.ArrayLike, den: npt.ArrayLike, chart: Chart) -> tuple[FloatArray, FloatArray]:
    numbers, sizes = np.asarray(num, dtype=np.float64), np.asarray(den, dtype=np.float64)
    if numbers.ndim != 2 or numbers.shape != sizes.shape:
        raise ValueError(
            f"num and den must be two arrays of one (series × period) shape, got {numbers.shape} and {sizes.shape}"
        )
    counted = sizes > 0
    problems = [
        ("den", ~np.isfinite(sizes) | (sizes < 0), "must be a finite number, 0 or more"),
        ("num", counted & ~np.isfinite(numbers), "must be a finite number"),
    ]
    if chart in RATIO_CHARTS or chart == "c":
        problems.append(("num", counted & (numbers < 0), "must not be negative"))
    if chart in PROPORTION_CHARTS:
        problems.append(("num", counted & (numbers > sizes), "must not exceed den (a proportion above 1)"))
    if chart not in RATIO_CHARTS:
        problems.append(("den", counted & (sizes != 1), "must be 1 (a value) or 0 (missing) for this chart"))
    for field, bad, message in problems:
        if bad.any():
            row, column = (int(i) for i in np.argwhere(bad)[0])
            raise ValueError(f"{field} at series {row}, period {column} {message}")
    return np.where(counted, numbers, 0.0), sizes


def encode(
    series_list: Sequence[Sequence[RawValue]], chart: Chart, length: int
) -> tuple[FloatArray, FloatArray]:
    """(numerators, denominators) of equal-length series; a missing period has denominator 0.

    p and u charts take (numerator, denominator) pairs of ints; I, MR and c charts take exact numbers
    (or pairs, read as their ratio). Raises TypeError/ValueError naming the series and period.
    """
    shape = (len(series_list), length)
    ratio = chart in RATIO_CHARTS
    fast = _plain_pairs(series_list, shape, chart) if ratio else _plain_ints(series_list, shape, chart)
    if fast is not None:
        return fast
    num, den = np.zeros(shape), np.zeros(shape)
    for row, series in enumerate(series_list):
        for index, item in enumerate(series):
            try:
                pair = _pair(item, index, chart) if ratio else _number(item, index, chart)
            except (TypeError, ValueError) as error:
                raise type(error)(f"series {row}: {error}") from None
            if pair is not None:
                num[row, index], den[row, index] = pair
    return num, den


def _plain_pairs(
    series_list: Sequence[Sequence[RawValue]], shape: tuple[int, int], chart: Chart
) -> tuple[FloatArray, FloatArray] | None:
    """The common case in whole-array passes: every item None or a valid pair of plain ints."""
    flat = _flat_pairs(list(chain.from_iterable(series_list)))
    if flat is None:
        return None
    try:
        pairs = np.array(flat, dtype=np.int64).reshape((*shape, 2))
    except OverflowError:
        return None
    num, den = pairs[..., 0], pairs[..., 1]
    counted = den > 0
    bad = (den < 0) | (counted & (num < 0))
    if chart in PROPORTION_CHARTS:
        bad |= counted & (num > den)
    if bad.any():
        return None
    return np.where(counted, num, 0).astype(np.float64), den.astype(np.float64)


def _plain_ints(
    series_list: Sequence[Sequence[RawValue]], shape: tuple[int, int], chart: Chart
) -> tuple[FloatArray, FloatArray] | None:
    """The common case for I, MR and c charts: every item None or a plain int (a negative count is not)."""
    flat = list(chain.from_iterable(series_list))
    if not set(map(type, flat)) <= _INT_KINDS:
        return None
    present = np.fromiter((item is not None for item in flat), dtype=bool, count=len(flat)).reshape(shape)
    try:
        values = np.array([0 if item is None else item for item in flat], dtype=np.int64).reshape(shape)
    except OverflowError:
        return None
    if chart == "c" and (values < 0).any():
        return None
    return values.astype(np.float64), present.astype(np.float64)


def _pair(item: object, index: int, chart: Chart) -> tuple[float, float] | None:
    if item is None:
        return None
    if not isinstance(item, tuple | list) or len(item) != 2:
        raise TypeError(f"value at index {index} must be a (numerator, denominator) pair: {item!r}")
    value = exact_value(item, index)
    num, den = item
    if value is None:
        return None
    if num < 0:
        raise ValueError(f"value at index {index} has a negative numerator: {item!r}")
    if chart in PROPORTION_CHARTS and num > den:
        raise ValueError(f"value at index {index} is a proportion above 1: {item!r}")
    return float(num), float(den)


def _number(item: object, index: int, chart: Chart) -> tuple[float, float] | None:
    value = exact_value(item, index)
    if value is None:
        return None
    if chart == "c" and value < 0:
        raise ValueError(f"value at index {index} is a negative count: {item!r}")
    return float(value), 1.0


def _check_chart(chart: str) -> Chart:
    for known in CHARTS:
        if chart == known:
            return known
    raise ValueError(f"chart must be one of {CHARTS}, got {chart!r}")


def phase_bounds(n_periods: int, params: RuleParams) -> tuple[tuple[int, int], ...]:
    """(first, last) period of each phase; starts at 0 or past the end are ignored, as qicharts2's parts."""
    if n_periods == 0:
        return ()
    starts = [0, *(s for s in params.phase_starts if 0 < s < n_periods)]
    ends = [s - 1 for s in starts[1:]] + [n_periods - 1]
    return tuple(zip(starts, ends, strict=True))


def control_arrays(
    num: FloatArray, den: FloatArray, chart: Chart, params: RuleParams, *, screened_mr: bool = False
) -> ControlArrays:
    """The whole batch at once: rows are series, columns periods; a period with den 0 is missing."""
    chart = _check_chart(chart)
    n_series, n_periods = num.shape
    bounds = phase_bounds(n_periods, params)
    shape = (n_series, n_periods)
    y, cl, lcl, ucl = (np.full(shape, np.nan) for _ in range(4))
    n_phases = len(bounds)
    useful = np.zeros((n_series, n_phases), dtype=np.int64)
    longest = np.zeros((n_series, n_phases), dtype=np.int64)
    crossings = np.zeros((n_series, n_phases), dtype=np.int64)
    runs_signal = np.zeros((n_series, n_phases), dtype=bool)
    observed = den > 0
    frozen = None if params.phase_starts else params.baseline_k  # phases: each from all its periods
    with np.errstate(all="ignore"):
        raw = np.where(observed, num / np.where(observed, den, 1.0), np.nan)
        for phase, (first, last) in enumerate(bounds):
            part = slice(first, last + 1)
            seen = observed[:, part]
            base = seen & (np.cumsum(seen, axis=1) <= frozen) if frozen is not None else seen
            values, centre, low, high = _limits(
                chart, raw[:, part], num[:, part], den[:, part], seen, base, screened_mr
            )
            y[:, part], cl[:, part], lcl[:, part], ucl[:, part] = values, centre, low, high
            offset = values - centre
            stats = _runs(np.where(np.isnan(offset), 0, np.sign(offset)).astype(np.int8))
            useful[:, phase], longest[:, phase], crossings[:, phase] = stats
            runs_signal[:, phase] = _anhoej(*stats) & (chart != "mr")
        missing = np.isnan(y)
        cl[missing] = np.nan
        for limit in (lcl, ucl):
            limit[missing | ~np.isfinite(limit)] = np.nan
        signal = (y > ucl) | (y < lcl)
    return ControlArrays(y, cl, lcl, ucl, signal, bounds, useful, longest, crossings, runs_signal)


def _mean(values: FloatArray, mask: BoolArray) -> FloatArray:
    """Row means of values where mask holds; NaN for a row with none."""
    count = mask.sum(axis=1)
    total = np.where(mask, values, 0.0).sum(axis=1)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _mean_moving_range(values: FloatArray, base: BoolArray, screened: bool) -> FloatArray:
    """Mean |vᵢ − vᵢ₋₁| over adjacent baseline periods that both have a value (qicharts2's diff on y[base]);
    screened, again over the ranges below 3.267 × that mean."""
    if values.shape[1] < 2:
        return np.full(values.shape[0], np.nan)
    both = base[:, 1:] & base[:, :-1]
    ranges = np.abs(np.diff(values, axis=1))
    usable = both & np.isfinite(ranges)
    ranges = np.where(usable, ranges, 0.0)
    mean = _mean(ranges, usable)
    if screened:
        mean = _mean(ranges, usable & (ranges < D4 * mean[:, None]))
    return mean


def _limits(
    chart: Chart,
    raw: FloatArray,
    num: FloatArray,
    den: FloatArray,
    seen: BoolArray,
    base: BoolArray,
    screened: bool,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """(y, cl, lcl, ucl) of one phase before nulls are placed; cl as a column to broadcast."""
    if chart == "mr":
        ranges = np.full(raw.shape, np.nan)
        ranges[:, 1:] = np.abs(np.diff(raw, axis=1))
        centre = _mean(ranges, base & ~np.isnan(ranges))[:, None]
        return ranges, centre, np.zeros(raw.shape), D4 * centre + np.zeros(raw.shape)
    if chart in ("i", "c"):
        centre = _mean(raw, base)[:, None]
        if chart == "i":
            sigma = (_mean_moving_range(raw, base, screened) / D2)[:, None] + np.zeros(raw.shape)
        else:
            sigma = np.sqrt(centre) + np.zeros(raw.shape)
    else:
        total_den = np.where(base, den, 0.0).sum(axis=1)
        with_den = np.where(total_den > 0, total_den, np.nan)
        centre = (np.where(base, num, 0.0).sum(axis=1) / with_den)[:, None]
        spread = centre * (1 - centre) if chart in PROPORTION_CHARTS else centre
        sigma = np.sqrt(spread / np.where(seen, den, np.nan))
        if chart in LANEY_CHARTS:
            z = np.where(base, (raw - centre) / sigma, np.nan)
            sigma = sigma * (_mean_moving_range(z, base, screened) / D2)[:, None]
    low, high = centre - 3 * sigma, centre + 3 * sigma
    if chart != "i":
        low = np.where(low < 0, 0.0, low)
    if chart in PROPORTION_CHARTS:
        high = np.where(high > 1, 1.0, high)
    return raw, centre, low, high


def _runs(sides: npt.NDArray[np.int8]) -> tuple[IntArray, IntArray, IntArray]:
    """(n_useful, longest run, crossings) per row; useful points are the non-zero sides, in order."""
    n_series, width = sides.shape
    nonzero = sides != 0
    n_useful = nonzero.sum(axis=1).astype(np.int64)
    if width == 0:
        zeros = np.zeros(n_series, dtype=np.int64)
        return n_useful, zeros, zeros
    positions = np.arange(width)
    last_seen = np.maximum.accumulate(np.where(nonzero, positions, -1), axis=1)
    before = np.concatenate([np.full((n_series, 1), -1), last_seen[:, :-1]], axis=1)
    previous_side = np.where(before >= 0, np.take_along_axis(sides, np.maximum(before, 0), axis=1), 0)
    starts = nonzero & (previous_side != sides)
    count = np.cumsum(nonzero, axis=1)
    run_base = np.maximum.accumulate(np.where(starts, count - 1, -1), axis=1)
    longest = np.where(nonzero, count - run_base, 0).max(axis=1).astype(np.int64)
    crossings = np.maximum(starts.sum(axis=1) - 1, 0).astype(np.int64)
    return n_useful, longest, crossings


def _anhoej(useful: IntArray, longest: IntArray, crossings: IntArray) -> BoolArray:
    top = int(useful.max(initial=0))
    longest_max = np.array([0, *(anhoej_longest_run_max(n) for n in range(1, top + 1))])
    crossings_min = np.array([0, *(anhoej_crossings_min(n) for n in range(1, top + 1))])
    return (useful > 0) & ((longest > longest_max[useful]) | (crossings < crossings_min[useful]))


def _rows(matrix: FloatArray) -> list[Floats]:
    """Each row as a tuple of floats, None for NaN, converted in one pass over the matrix."""
    cells = matrix.astype(object)
    cells[np.isnan(matrix)] = None
    return list(map(tuple, cells.tolist()))


def _phase_rows(matrix: FloatArray, bounds: tuple[tuple[int, int], ...]) -> list[Floats]:
    """As `_rows`, for a matrix holding one value per row and phase (NaN where there is none): each row
    repeats one float per phase, so its cells are not converted one by one."""
    n_series = matrix.shape[0]
    per_phase = [np.fmax.reduce(matrix[:, first : last + 1], axis=1).tolist() for first, last in bounds]
    nan_rows, nan_columns = np.nonzero(np.isnan(matrix))
    cuts = np.searchsorted(nan_rows, np.arange(n_series + 1)).tolist()
    columns = nan_columns.tolist()
    out = []
    for row in range(n_series):
        cells: list[float | None] = []
        for phase, (first, last) in enumerate(bounds):
            cells += [per_phase[phase][row]] * (last - first + 1)
        for column in columns[cuts[row] : cuts[row + 1]]:
            cells[column] = None
        out.append(tuple(cells))
    return out


def results(arrays: ControlArrays, chart: Chart) -> list[ControlChartResult]:
    """The batch's results, one per row of its arrays. The centre line (and the limits of I, MR and c
    charts) is one value per phase: those rows are built from it (`_phase_rows`)."""
    n_series = arrays.y.shape[0]
    rows, columns = np.nonzero(arrays.signal)
    cuts = np.searchsorted(rows, np.arange(n_series + 1)).tolist()
    signal_columns = columns.tolist()
    y, cl = _rows(arrays.y), _phase_rows(arrays.cl, arrays.bounds)
    varying = chart in RATIO_CHARTS  # p and u limits follow each period's denominator
    lcl, ucl = (_rows(m) if varying else _phase_rows(m, arrays.bounds) for m in (arrays.lcl, arrays.ucl))
    useful = arrays.phase_useful.tolist()
    longest = arrays.phase_longest.tolist()
    crossings = arrays.phase_crossings.tolist()
    runs_signal = arrays.phase_signal.tolist()
    out = []
    for row in range(n_series):
        phases = []
        for phase, (first, last) in enumerate(arrays.bounds):
            n_useful = useful[row][phase]
            some = n_useful > 0
            phases.append(
                ControlPhase(
                    start_index=first,
                    end_index=last,
                    n_useful=n_useful,
                    longest_run=longest[row][phase] if some else None,
                    longest_run_max=anhoej_longest_run_max(n_useful) if some else None,
                    n_crossings=crossings[row][phase] if some else None,
                    n_crossings_min=anhoej_crossings_min(n_useful) if some else None,
                    anhoej_signal=runs_signal[row][phase],
                )
            )
        out.append(
            ControlChartResult(
                chart=chart,
                y=y[row],
                cl=cl[row],
                lcl=lcl[row],
                ucl=ucl[row],
                sigma_signal_indices=tuple(signal_columns[cuts[row] : cuts[row + 1]]),
                phases=tuple(phases),
            )
        )
    return out
