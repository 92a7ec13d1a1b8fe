"""REST API (issue 8): measures, observations, run charts, aggregates, reporting status; monthly data push.

Reads go through measures.selectors, writes through measures.services, as the web pages do.
"""

import datetime as dt
import itertools
import uuid
from collections import Counter
from collections.abc import Sequence
from typing import Any, overload

from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
    inline_serializer,
)
from rest_framework import generics, mixins, serializers, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from coiin.api import JSONRenderer, PrivateResponses
from collaboratives import access, months
from collaboratives.api import NamedRefSerializer, ReadOnlyViewSet
from collaboratives.models import Collaborative, Team
from collaboratives.selectors import awardee_list, collaborative_list, team_list
from measures import medians, page_cache
from measures.charts.model import Chart
from measures.charts.read import chart_choices, charts_read
from measures.models import Measure, MonthlyReport, Observation, RunChartAnalysis
from measures.rendering import chart_reading
from measures.selectors import (
    REPORT_CELL_LABELS,
    measure_list,
    observation_list,
    reporting_status,
)
from measures.services import (
    MAX_VALUE,
    ObservationInput,
    month_parse,
    monthly_report_submit,
    observations_check,
    observations_record,
)

MAX_BATCH = 200  # cells in one push: a month of every measure, with room to spare
MONTH_FORMAT = "Give a month as YYYY-MM, e.g. 2025-03."


class MonthFormField(forms.Field):
    def to_python(self, value: Any) -> dt.date | None:
        text = "" if value in self.empty_values else str(value).strip()
        if not text:
            return None
        try:
            return months.parse(text)
        except ValueError:
            raise DjangoValidationError(MONTH_FORMAT) from None


class MonthFilter(filters.Filter):
    """A month as `YYYY-MM`, compared with the first day of the month."""

    field_class = MonthFormField


@extend_schema_field({"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$", "example": "2025-03"})
class MonthField(serializers.Field):
    def to_representation(self, value: dt.date) -> str:
        return months.format(value)


class MeasureViewSet(ReadOnlyViewSet):
    """Measures of the caller's collaboratives, with their operational definitions."""

    @extend_schema_serializer(component_name="Measure")
    class OutputSerializer(serializers.ModelSerializer):
        id = serializers.UUIDField(source="public_id", read_only=True)
        collaborative = serializers.UUIDField(source="collaborative.public_id", read_only=True)
        goal = serializers.DecimalField(
            max_digits=9, decimal_places=3, coerce_to_string=False, read_only=True
        )
        active_from = MonthField(read_only=True, allow_null=True)
        active_to = MonthField(read_only=True, allow_null=True)

        class Meta:
            model = Measure
            fields = [
                "id", "collaborative", "code", "name", "kind", "direction", "goal", "numerator_definition",
                "denominator_definition", "scale_max", "data_source", "active_from", "active_to", "sensitive",
            ]  # fmt: skip

    class Filter(filters.FilterSet):
        collaborative = filters.UUIDFilter(field_name="collaborative__public_id")

    serializer_class = OutputSerializer
    filterset_class = Filter

    def get_queryset(self) -> QuerySet[Measure]:
        return measure_list(user=self.request.user).order_by("collaborative__name", "order", "code", "id")


class ObservationOutputSerializer(serializers.ModelSerializer):
    team = serializers.UUIDField(source="team.public_id", read_only=True)
    team_code = serializers.CharField(source="team.code", read_only=True)
    measure = serializers.UUIDField(source="measure.public_id", read_only=True)
    measure_code = serializers.CharField(source="measure.code", read_only=True)
    month = MonthField(read_only=True)
    cases = serializers.DictField(
        child=serializers.IntegerField(),
        allow_null=True,
        read_only=True,
        help_text="A median measure only: how many cases took each whole value, keyed by the value; "
        "`numerator` is then the number of cases.",
    )

    class Meta:
        model = Observation
        fields = [
            "team", "team_code", "measure", "measure_code", "month", "numerator", "denominator", "cases",
            "not_applicable", "note", "updated_at",
        ]  # fmt: skip


class ObservationViewSet(PrivateResponses, mixins.ListModelMixin, viewsets.GenericViewSet):
    """A team's reported values, one row per team × measure × month, for the teams the caller can see."""

    class Filter(filters.FilterSet):
        collaborative = filters.UUIDFilter(field_name="team__collaborative__public_id")
        team = filters.UUIDFilter(field_name="team__public_id")
        measure = filters.UUIDFilter(field_name="measure__public_id")
        month_from = MonthFilter(field_name="month", lookup_expr="gte", help_text="First month, YYYY-MM.")
        month_to = MonthFilter(field_name="month", lookup_expr="lte", help_text="Last month, YYYY-MM.")

    serializer_class = ObservationOutputSerializer
    filterset_class = Filter

    def get_queryset(self) -> QuerySet[Observation]:
        return observation_list(user=self.request.user).order_by("team_id", "measure_id", "month")


class PhaseSerializer(serializers.Serializer):
    start_month = MonthField()
    end_month = MonthField()
    median = serializers.FloatField(allow_null=True)
    median_exact = serializers.CharField(allow_null=True)
    provisional = serializers.BooleanField()


class RunChartSerializer(serializers.Serializer):
    """A stored run chart as the caller may see it (measures.charts.read). A peer team is shown as the
    collaborative's peer setting allows: by code when anonymised, and without its id (which would not
    open anything for the caller)."""

    id = serializers.UUIDField(source="stored.public_id", read_only=True)
    kind = serializers.ChoiceField(
        choices=RunChartAnalysis.Kind.choices, source="stored.kind", read_only=True
    )
    collaborative = serializers.UUIDField(source="stored.collaborative.public_id", read_only=True)
    measure = NamedRefSerializer(source="stored.measure", read_only=True)
    measure_code = serializers.CharField(source="stored.measure.code", read_only=True)
    team = serializers.UUIDField(source="team_public_id", read_only=True, allow_null=True)
    team_label = serializers.SerializerMethodField()
    awardee = NamedRefSerializer(source="stored.awardee", read_only=True, allow_null=True)
    first_month = MonthField(source="stored.first_month", read_only=True, allow_null=True)
    computed_at = serializers.DateTimeField(source="stored.computed_at", read_only=True, allow_null=True)
    stale = serializers.BooleanField(source="stored.stale", read_only=True)
    summary = serializers.JSONField(source="stored.summary", read_only=True)

    @extend_schema_field({"type": "string", "nullable": True})
    def get_team_label(self, chart: Chart) -> str | None:
        return chart.label if chart.stored.team is not None else None


class PointSerializer(serializers.Serializer):
    month = serializers.DateField()
    numerator = serializers.IntegerField(
        allow_null=True, help_text="For a median measure, the median as an exact fraction with `denominator`."
    )
    denominator = serializers.IntegerField(allow_null=True)
    value = serializers.FloatField(allow_null=True)
    n_cases = serializers.IntegerField(
        required=False, help_text="A median measure only: how many cases the month's median is of."
    )
    n_teams_reporting = serializers.IntegerField(required=False)
    below_reporting_floor = serializers.BooleanField(required=False)
    suppressed = serializers.BooleanField(
        required=False, help_text="Counts hidden from this caller: a small count of a sensitive measure."
    )


class SignalSerializer(serializers.Serializer):
    rule = serializers.ChoiceField(choices=["shift", "trend"])
    movement = serializers.ChoiceField(choices=["above", "below", "up", "down"])
    verdict = serializers.ChoiceField(
        choices=["improvement", "concern", "neutral"], help_text="Read in the measure's direction."
    )
    start_month = MonthField()
    end_month = MonthField()
    length = serializers.IntegerField()
    text = serializers.CharField()


class LimitSerializer(serializers.Serializer):
    start_month = MonthField()
    end_month = MonthField()
    text = serializers.CharField()


class AimSerializer(serializers.Serializer):
    met = serializers.BooleanField(allow_null=True, help_text="null: too few recent months, or some hidden.")
    median = serializers.FloatField(allow_null=True, help_text="Median of the last 6 reported months.")
    median_exact = serializers.CharField(allow_null=True)
    n_points = serializers.IntegerField()
    text = serializers.CharField()


class InterpretationSerializer(serializers.Serializer):
    """What the chart means, in the words every page and export uses (docs/charts.md)."""

    variation = serializers.ChoiceField(
        choices=["improvement", "concern", "neutral", "common_cause", "cannot_judge"], allow_null=True
    )
    variation_label = serializers.CharField()
    signals = SignalSerializer(many=True, help_text="Judged shifts and trends only.")
    limits = LimitSerializer(many=True, help_text="Stretches the run-chart rules can't judge, and why.")
    other_signals = serializers.ListField(child=serializers.CharField())
    aim = AimSerializer(allow_null=True)
    lines = serializers.ListField(
        child=serializers.CharField(), help_text="The chart's explanation, one claim a line."
    )


def runchart_interpretation(chart: RunChartAnalysis) -> dict[str, Any]:
    """The interpretation layer's reading of a chart as plain JSON, months instead of indices."""
    reading = chart_reading(chart)
    months = [p["month"][:7] for p in chart.points or []]
    aim = reading.aim
    return {
        "variation": reading.variation,
        "variation_label": reading.variation_label,
        "signals": [
            {"rule": s.rule, "movement": s.movement, "verdict": s.verdict, "start_month": months[s.start_index],
             "end_month": months[s.end_index], "length": s.length, "text": s.text}
            for s in reading.signals
        ],
        "limits": [
            {"start_month": months[x.start_index], "end_month": months[x.end_index], "text": x.text}
            for x in reading.limits
        ],
        "other_signals": list(reading.other_signals),
        "aim": None if aim is None else {
            "met": aim.met, "median": None if aim.median is None else round(float(aim.median), 12),
            "median_exact": None if aim.median is None else f"{aim.median.numerator}/{aim.median.denominator}",
            "n_points": aim.n_points, "text": aim.text,
        },
        "lines": list(reading.lines),
    }  # fmt: skip


class RunChartDetailSerializer(RunChartSerializer):
    result = serializers.JSONField(
        source="stored.result",
        read_only=True,
        help_text='The run-chart engine\'s analysis (to_dict()); {"withheld": true} when the caller may not '
        "see it: a month of this sensitive measure's series is hidden from them (docs/security.md).",
    )
    points = PointSerializer(source="stored.points", many=True, read_only=True)
    phases = PhaseSerializer(many=True, read_only=True)
    interpretation = serializers.SerializerMethodField()

    @extend_schema_field(InterpretationSerializer)
    def get_interpretation(self, chart: Chart) -> dict[str, Any]:
        return runchart_interpretation(chart.stored)


class RunChartViewSet(ReadOnlyViewSet):
    """Stored run charts: a team's series, or an aggregate over a collaborative's or an awardee's teams."""

    class Filter(filters.FilterSet):
        collaborative = filters.UUIDFilter(field_name="collaborative__public_id")
        team = filters.UUIDFilter(field_name="team__public_id")
        measure = filters.UUIDFilter(field_name="measure__public_id")
        kind = filters.ChoiceFilter(choices=RunChartAnalysis.Kind.choices)

    filterset_class = Filter

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return RunChartDetailSerializer if self.action == "retrieve" else RunChartSerializer

    def get_queryset(self) -> QuerySet[RunChartAnalysis]:
        return chart_choices(user=self.request.user).order_by("measure__order", "measure__code", "kind", "id")

    def get_object(self) -> Chart:
        [chart] = charts_read(user=self.request.user, charts=[super().get_object()])
        return chart

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        charts = charts_read(user=request.user, charts=page or [])
        return self.get_paginated_response(self.get_serializer(charts, many=True).data)


def aggregate_rows(viewed: Chart) -> list[dict[str, Any]]:
    """One stored aggregate series as rows per month, with the series' figures repeated on each row.

    The one place aggregate output is shaped, from the caller's read of the chart (measures.charts.read).
    The rows are already in their JSON form (`AggregateRowSerializer` documents it): a page is 100 rows
    of 20 fields, and DRF's field-by-field serialisation took a third of the request.
    """
    chart = viewed.stored
    summary = chart.summary or {}
    baseline = summary.get("aggregate_baseline_median") or {}
    shifted = summary.get("shifted_median") or {}
    aim = summary.get("teams_meeting_aim") or {}
    series = {  # the same on every row of the series
        "scope": chart.kind,
        "collaborative": str(chart.collaborative.public_id),
        "awardee": str(chart.awardee.public_id) if chart.awardee else None,
        "measure": str(chart.measure.public_id),
        "measure_code": chart.measure.code,
    }
    figures = {
        "cohort_size": summary.get("cohort_size"),
        "baseline_median": baseline.get("median"),
        "shifted_median": shifted.get("median"),
        "n_teams_meeting_aim": aim.get("n_meeting"),
        "n_teams_assessed_for_aim": aim.get("n_assessed"),
        "pct_teams_meeting_aim": aim.get("pct_meeting"),
        "computed_at": (
            serializers.DateTimeField().to_representation(chart.computed_at) if chart.computed_at else None
        ),
        "stale": chart.stale,
    }
    return [
        series
        | {
            "month": point["month"][:7],
            "pooled_value": point["value"],
            "numerator_sum": point["numerator"],
            "denominator_sum": point["denominator"],
            "n_teams_reporting": point.get("n_teams_reporting", 0),
            "median_of_team_rates": (point.get("median_of_team_rates") or {}).get("value"),
            "below_reporting_floor": point.get("below_reporting_floor", False),
        }
        | figures
        | {"suppressed": point.get("suppressed", False)}
        for point in chart.points or []
    ]


class AggregateRowSerializer(serializers.Serializer):
    scope = serializers.ChoiceField(choices=["collaborative", "awardee"])
    collaborative = serializers.UUIDField()
    awardee = serializers.UUIDField(allow_null=True)
    measure = serializers.UUIDField()
    measure_code = serializers.CharField()
    month = MonthField()
    pooled_value = serializers.FloatField(
        allow_null=True, help_text="numerator_sum / denominator_sum; a proportion as a fraction of 1."
    )
    numerator_sum = serializers.IntegerField(allow_null=True)
    denominator_sum = serializers.IntegerField(allow_null=True)
    n_teams_reporting = serializers.IntegerField()
    median_of_team_rates = serializers.FloatField(allow_null=True)
    below_reporting_floor = serializers.BooleanField(
        help_text="Too few teams reported this month for the pooled value to be charted."
    )
    cohort_size = serializers.IntegerField(allow_null=True)
    baseline_median = serializers.FloatField(allow_null=True)
    shifted_median = serializers.FloatField(allow_null=True)
    n_teams_meeting_aim = serializers.IntegerField(allow_null=True)
    n_teams_assessed_for_aim = serializers.IntegerField(allow_null=True)
    pct_teams_meeting_aim = serializers.FloatField(allow_null=True)
    computed_at = serializers.DateTimeField(allow_null=True)
    stale = serializers.BooleanField()
    suppressed = serializers.BooleanField(
        help_text="The month's counts are hidden from this caller: a small count of a sensitive measure."
    )


# What the viewer read (measures.charts.read) and aggregate_rows read of a chart: not the bookkeeping.
AGGREGATE_FIELDS = (
    "public_id", "kind", "collaborative_id", "team_id", "awardee_id", "first_month", "result", "points",
    "summary", "computed_at", "stale", "measure__public_id", "measure__code", "measure__kind",
    "measure__scale_max", "measure__sensitive", "measure__collaborative_id", "awardee__public_id",
    "awardee__name",
)  # fmt: skip


class _AggregateRows(Sequence[dict[str, Any]]):
    """The rows of several aggregate charts, one per chart and month, shaped only when a page asks."""

    def __init__(self, charts: list[Chart]) -> None:
        self.charts = charts
        self.starts = list(itertools.accumulate((len(c.points) for c in charts), initial=0))

    def __len__(self) -> int:
        return self.starts[-1]

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...
    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...
    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        wanted = range(len(self))[index]
        if isinstance(wanted, int):
            return self[wanted : wanted + 1][0]
        rows: list[dict[str, Any]] = []
        for chart, start, end in zip(self.charts, self.starts, self.starts[1:], strict=False):
            if end > wanted.start and start < wanted.stop:
                rows += aggregate_rows(chart)[max(wanted.start - start, 0) : wanted.stop - start]
        return rows


class AggregateView(PrivateResponses, generics.ListAPIView):
    """Pooled monthly figures of a collaborative, or of one awardee's teams in it, per measure × month."""

    class QuerySerializer(serializers.Serializer):
        collaborative = serializers.UUIDField(help_text="The collaborative's id (required).")
        awardee = serializers.UUIDField(required=False, help_text="An awardee's id: its teams' aggregate.")
        measure = serializers.UUIDField(required=False, help_text="One measure's id.")

    serializer_class = AggregateRowSerializer
    filter_backends: list[Any] = []  # the query is validated below; the rows are not a queryset

    def get_queryset(self) -> "_AggregateRows":  # type: ignore[override]
        return self._rows(*self._query())

    def _query(self) -> tuple[dict[str, Any], Collaborative]:
        query = self.QuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        return params, get_object_or_404(
            collaborative_list(user=self.request.user), public_id=params["collaborative"]
        )

    def _rows(self, params: dict[str, Any], collaborative: Collaborative) -> "_AggregateRows":
        user = self.request.user
        kind = RunChartAnalysis.Kind.AWARDEE if "awardee" in params else RunChartAnalysis.Kind.COLLABORATIVE
        charts = chart_choices(user=user, collaborative=collaborative, kind=kind)
        if "awardee" in params:
            awardee = get_object_or_404(awardee_list(user=user), public_id=params["awardee"])
            charts = charts.filter(awardee=awardee)
        if "measure" in params:
            measure = get_object_or_404(
                measure_list(user=user, collaborative=collaborative), public_id=params["measure"]
            )
            charts = charts.filter(measure=measure)
        # Aggregates have no team: joining one (and its LIA and awardee) only tripled the planning time.
        # Every chart and measure here is `collaborative`'s, already loaded: not joined again either.
        rows = list(
            charts.select_related(None)
            .select_related("measure", "awardee")
            .filter(measure__collaborative=collaborative)
            .only(*AGGREGATE_FIELDS)
            .order_by("measure__order", "measure__code", "id")
        )
        for chart in rows:
            chart.collaborative = chart.measure.collaborative = collaborative
        return _AggregateRows(charts_read(user=user, charts=rows))

    @extend_schema(parameters=[QuerySerializer])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The page as `aggregate_rows` shaped it: already JSON, so no serializer pass. Kept for this
        caller until the collaborative's charts change (measures/page_cache.py): REST clients pull the
        same pages again and again. The key holds the full URL, which the page's links are made of."""
        params, collaborative = self._query()
        page = page_cache.kept(
            user=request.user,
            collaborative=collaborative,
            inputs=("aggregates", request.build_absolute_uri()),
            build=lambda: (
                self.get_paginated_response(self.paginate_queryset(self._rows(params, collaborative))).data
            ),
        )
        return Response(page)


class ReportingCellSerializer(serializers.Serializer):
    month = MonthField()
    status = serializers.ChoiceField(choices=list(REPORT_CELL_LABELS))


class ReportingRowSerializer(serializers.Serializer):
    team = serializers.UUIDField(source="team.public_id")
    team_code = serializers.CharField(source="team.code")
    # DRF's metaclass moves declared fields off the class, so this does not replace Field.label; the stubs
    # don't model that.
    label = serializers.CharField(source="team.lia.name")  # type: ignore[assignment]
    cells = ReportingCellSerializer(many=True)


class ReportingRateSerializer(serializers.Serializer):
    reported = serializers.FloatField(help_text="Teams that submitted (for the average, a mean over months).")
    active = serializers.FloatField(help_text="Teams enrolled.")
    percent = serializers.IntegerField(allow_null=True)


class ReportingMonthRateSerializer(ReportingRateSerializer):
    month = MonthField()


class ReportingStatusView(PrivateResponses, APIView):
    """Who has submitted which month: the collaborative's teams the caller can see × months, and the rates."""

    class QuerySerializer(serializers.Serializer):
        collaborative = serializers.UUIDField(help_text="The collaborative's id (required).")

    @extend_schema(
        parameters=[QuerySerializer],
        responses=inline_serializer(
            "ReportingStatus",
            {
                "collaborative": serializers.UUIDField(),
                "months": serializers.ListField(child=MonthField()),
                "teams": ReportingRowSerializer(many=True),
                "rates": ReportingMonthRateSerializer(many=True),
                "average": ReportingRateSerializer(allow_null=True),
                "average_months": serializers.IntegerField(),
                "due_month": MonthField(allow_null=True),
                "due_date": serializers.DateField(allow_null=True),
            },
        ),
    )
    def get(self, request: Request) -> Response:
        query = self.QuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        collaborative = get_object_or_404(
            collaborative_list(user=request.user), public_id=query.validated_data["collaborative"]
        )
        report = reporting_status(user=request.user, collaborative=collaborative, today=timezone.localdate())
        return Response(
            {
                "collaborative": str(collaborative.public_id),
                "months": [months.format(m) for m in report.months],
                "teams": ReportingRowSerializer(report.rows, many=True).data,
                "rates": [
                    ReportingMonthRateSerializer({"month": m, **vars(r)}).data for m, r in report.rates
                ],
                "average": ReportingRateSerializer(report.average).data if report.average else None,
                "average_months": report.average_months,
                "due_month": months.format(report.due_month) if report.due_month else None,
                "due_date": report.due_date.isoformat() if report.due_date else None,
            }
        )


def _uuid_or_none(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


MONTH_PARAMETER = OpenApiParameter(
    "month",
    {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
    OpenApiParameter.PATH,
    description="YYYY-MM",
)


def _month_or_404(value: str) -> dt.date:
    """The month in the URL, by the service's grammar (YYYY-MM; `2026-1` is not a month): 404 otherwise."""
    try:
        return month_parse(value)
    except DjangoValidationError:
        raise NotFound() from None


def _team_for_write(request: Request, team_id: Any) -> Team:
    """The team named in the URL: 404 when the caller cannot see it, 403 when they see it but may not enter data."""
    team = get_object_or_404(team_list(user=request.user), public_id=team_id)
    access.require(request.user, access.Action.ENTER_DATA, team)
    return team


@extend_schema_field({"type": "integer", "nullable": True, "minimum": 0, "maximum": MAX_VALUE})
class CellValueField(serializers.Field):
    """Passed through as sent: the service judges it, with the data-entry form's messages, next to the
    cell's other rules, so one response lists every problem of the batch."""

    def to_internal_value(self, data: Any) -> Any:
        return data

    def to_representation(self, value: Any) -> Any:
        return value


@extend_schema_field(
    {
        "type": "array",
        "nullable": True,
        "maxItems": medians.MAX_CASES,
        "items": {"type": "integer", "minimum": 0, "maximum": medians.MAX_CASE_VALUE},
    }
)
class CasesField(serializers.Field):
    """A median measure's month as each case's whole-number value, e.g. [2, 0, 5]; taken as how many cases
    took each value."""

    def to_internal_value(self, data: Any) -> medians.Histogram:
        if not isinstance(data, list) or len(data) > medians.MAX_CASES:
            raise serializers.ValidationError(
                f"Give each case's value in a list of at most {medians.MAX_CASES:,} whole numbers."
            )
        for value in data:
            if (
                isinstance(value, bool)
                or not isinstance(value, int)
                or not 0 <= value <= medians.MAX_CASE_VALUE
            ):
                raise serializers.ValidationError(
                    f"Each case's value must be a whole number from 0 to {medians.MAX_CASE_VALUE:,}; "
                    f"{str(value)[:20]!r} is not."
                )
        return dict(Counter(data))

    def to_representation(self, value: Any) -> Any:
        return value


class PushCellSerializer(serializers.Serializer):
    measure = serializers.CharField(help_text="The measure's id.")
    numerator = CellValueField(required=False, allow_null=True, default=None)
    denominator = CellValueField(required=False, allow_null=True, default=None)
    cases = CasesField(
        required=False,
        allow_null=True,
        default=None,
        help_text="A median measure only, instead of numerator and denominator: each case's value.",
    )
    not_applicable = serializers.BooleanField(required=False, default=False)
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        trim_whitespace=False,
        help_text="At most 2,000 characters.",
    )


class PushInputSerializer(serializers.Serializer):
    observations: "serializers.ListSerializer[Any]" = serializers.ListSerializer(
        child=PushCellSerializer(), min_length=1, max_length=MAX_BATCH
    )


class ObservationPushView(PrivateResponses, APIView):
    """Push a team's values for one month, all or nothing, validated exactly as the data-entry form is.

    Each error names the item's `index` in `observations` and its `field`; nothing is saved when any item
    is wrong. Sending the same values again changes nothing. Needs a token with the push scope.
    """

    renderer_classes = [JSONRenderer]

    @extend_schema_serializer(component_name="ObservationPush")
    class OutputSerializer(serializers.Serializer):
        team = serializers.UUIDField()
        month = MonthField()
        report_status = serializers.CharField()
        observations = ObservationOutputSerializer(many=True)

    @extend_schema(request=PushInputSerializer, responses=OutputSerializer, parameters=[MONTH_PARAMETER])
    def post(self, request: Request, team_id: Any, month: str) -> Response:
        team, first_day = _team_for_write(request, team_id), _month_or_404(month)
        data = PushInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        items = data.validated_data["observations"]
        ids = {item["measure"]: _uuid_or_none(item["measure"]) for item in items}
        measures = {
            m.public_id: m
            for m in measure_list(user=request.user).filter(public_id__in={i for i in ids.values() if i})
        }
        errors: list[dict[str, Any]] = []
        cells: list[ObservationInput] = []
        seen: dict[int, int] = {}
        for index, item in enumerate(items):
            measure = measures.get(ids[item["measure"]])
            if measure is None:
                errors.append({"measure": ["No measure with this id."]})
                continue
            if measure.id in seen:
                errors.append(
                    {"measure": [f"This measure is already in the batch, at index {seen[measure.id]}."]}
                )
                continue
            seen[measure.id] = index
            cell = ObservationInput(
                measure=measure,
                numerator=item["numerator"],
                denominator=item["denominator"],
                note=item["note"],
                not_applicable=item["not_applicable"],
                cases=item["cases"],
            )
            cells.append(cell)
            errors.append({})
        by_code = {cell.measure.code: seen[cell.measure.id] for cell in cells}

        def at_index(problems: dict[str, list[str]]) -> dict[str, Any]:
            for key, messages in problems.items():
                code, _, field = key.rpartition(".")
                errors[by_code[code]].setdefault(field, []).extend(messages)
            return {"observations": errors}

        if any(errors):  # the service's rules for the other cells, so one response lists every problem
            checked = observations_check(team=team, month=first_day, cells=cells)
            raise serializers.ValidationError(at_index({k: [m] for k, m in checked.items()}))
        try:  # the service owns the cell rules, as for the form and the import
            observations_record(actor=request.user, team=team, month=first_day, cells=cells)
        except DjangoValidationError as exc:
            if not all(key.rpartition(".")[0] in by_code for key in exc.message_dict):
                raise
            raise serializers.ValidationError(at_index(exc.message_dict)) from exc
        saved = (
            observation_list(user=request.user, team=team)
            .filter(month=first_day, measure__in=[c.measure for c in cells])
            .order_by("measure__order", "measure__code")
        )
        report = MonthlyReport.objects.visible_to(request.user).get(team=team, month=first_day)
        return Response(
            self.OutputSerializer(
                {
                    "team": team.public_id,
                    "month": first_day,
                    "report_status": report.status,
                    "observations": saved,
                }
            ).data
        )


class MonthSubmitView(PrivateResponses, APIView):
    """Submit a team's month, as the CQI lead does on the data-entry page; every measure needs a value or N/A."""

    renderer_classes = [JSONRenderer]

    @extend_schema_serializer(component_name="MonthSubmit")
    class OutputSerializer(serializers.Serializer):
        team = serializers.UUIDField()
        month = MonthField()
        status = serializers.CharField()
        submitted_at = serializers.DateTimeField()

    @extend_schema(request=None, responses=OutputSerializer, parameters=[MONTH_PARAMETER])
    def post(self, request: Request, team_id: Any, month: str) -> Response:
        team = get_object_or_404(team_list(user=request.user), public_id=team_id)
        first_day = _month_or_404(month)
        report = monthly_report_submit(actor=request.user, team=team, month=first_day)
        return Response(
            self.OutputSerializer(
                {
                    "team": team.public_id,
                    "month": first_day,
                    "status": report.status,
                    "submitted_at": report.submitted_at,
                }
            ).data
        )
