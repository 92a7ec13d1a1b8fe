"""The parameter set of one run-chart analysis (docs/runchart.md §9, §11)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from .values import exact_value

Direction = Literal["up", "down", "both"]
Rebase = Literal["ihi_sustained", "runcharter"]

DIRECTIONS = ("up", "down", "both")
REBASE_MODES = ("ihi_sustained", "runcharter")
# §6: an explicit baseline window with fewer observed points than this is provisional.
WINDOW_MIN_POINTS = 10


@dataclass(frozen=True)
class RuleParams:
    """Every field defaults to the recommended value of §9; §11 fields come first, in §11 order.

    `baseline_window` (inclusive period indices) replaces `baseline_k` when set (§6, baseline by dates).
    `phase_starts` are manual phases (§7.1); they replace any automatic `rebase`.
    """

    baseline_k: int | None = 12
    shift_len: int = 6
    trend_len: int = 5
    direction: Direction = "up"
    rebase: Rebase | None = None
    rebase_k: int = 12
    runcharter_med_rows: int = 13
    runcharter_runlength: int = 9
    phase_starts: tuple[int, ...] = ()
    fixed_cl: Fraction | None = None
    baseline_window: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        for name in ("shift_len", "rebase_k", "runcharter_med_rows", "runcharter_runlength"):
            _require_positive_int(name, getattr(self, name))
        _require_positive_int("trend_len", self.trend_len, minimum=2)
        if self.baseline_k is not None:
            _require_positive_int("baseline_k", self.baseline_k)
        if self.direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {DIRECTIONS}, got {self.direction!r}")
        if self.rebase is not None and self.rebase not in REBASE_MODES:
            raise ValueError(f"rebase must be None or one of {REBASE_MODES}, got {self.rebase!r}")
        starts = tuple(self.phase_starts)
        for start in starts:
            _require_positive_int("phase_starts item", start, minimum=0)
        # Frozen: normalising in place is the only way to keep the canonical form hashable and comparable.
        object.__setattr__(self, "phase_starts", tuple(sorted(set(starts))))
        if self.baseline_window is not None:
            first, last = self.baseline_window
            _require_positive_int("baseline_window start", first, minimum=0)
            _require_positive_int("baseline_window end", last, minimum=first)
            object.__setattr__(self, "baseline_window", (first, last))
        if self.fixed_cl is not None:
            try:
                fixed = exact_value(self.fixed_cl, 0)
            except (TypeError, ValueError) as error:
                raise type(error)(f"fixed_cl: {error}") from None
            if fixed is None:
                raise ValueError("fixed_cl must be a number, not a missing value")
            object.__setattr__(self, "fixed_cl", fixed)


def _require_positive_int(name: str, value: object, minimum: int = 1) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an int ≥ {minimum}, got {value!r}")
