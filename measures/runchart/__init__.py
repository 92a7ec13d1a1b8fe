"""Run-chart engine: pure Python, no Django, no I/O (docs/runchart.md §11).

`analyse` is the exact one-series engine; `analyse_many` gives identical results for many series at once.
`control_chart` / `control_charts` (`control_charts_arrays` for series already in arrays) draw Shewhart control charts the way qicharts2 does (control.py).
"""

from .aggregate import (
    cohort_figures,
    encode_teams,
    median_of_rates,
    meets_aim,
    meets_aim_many,
    n_reporting,
    pool,
)
from .batch import analyse_many, collector_paused
from .control import (
    CHARTS,
    ControlChartResult,
    ControlPhase,
    control_chart,
    control_charts,
    control_charts_arrays,
)
from .params import RuleParams
from .reference import analyse
from .result import Baseline, Phase, RunChartResult, RunsTable, SegmentStats, Shift, Trend, Trigger
from .tables import RUNS_TABLE, RUNS_TABLE_VERSION

__all__ = [
    "CHARTS",
    "ControlChartResult",
    "ControlPhase",
    "RUNS_TABLE",
    "RUNS_TABLE_VERSION",
    "Baseline",
    "Phase",
    "RuleParams",
    "RunChartResult",
    "RunsTable",
    "SegmentStats",
    "Shift",
    "Trend",
    "Trigger",
    "analyse",
    "analyse_many",
    "cohort_figures",
    "collector_paused",
    "control_chart",
    "control_charts",
    "control_charts_arrays",
    "encode_teams",
    "meets_aim",
    "meets_aim_many",
    "median_of_rates",
    "n_reporting",
    "pool",
]
