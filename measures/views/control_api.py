"""The API's control charts: one stored series drawn as a control chart, as the run-chart detail serves it."""

from __future__ import annotations

import uuid

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from coiin.api import PrivateResponses
from measures import controlcharts, selectors
from measures.charts.read import chart_get
from measures.models import Measure


class ControlPhaseSerializer(serializers.Serializer):
    start_index = serializers.IntegerField()
    end_index = serializers.IntegerField()
    longest_run = serializers.IntegerField(
        allow_null=True, help_text="Null when no point is off the centre line."
    )
    n_crossings = serializers.IntegerField(
        allow_null=True, help_text="Null when no point is off the centre line."
    )
    anhoej_signal = serializers.BooleanField(
        help_text="Anhøj rules against the phase's centre line; never on MR."
    )


class ControlResultSerializer(serializers.Serializer):
    chart = serializers.ChoiceField(choices=[c for c in Measure.ChartType.values if c != "run"])
    y = serializers.ListField(
        child=serializers.FloatField(allow_null=True),
        help_text="What is plotted per period (MR: moving ranges).",
    )
    cl = serializers.ListField(
        child=serializers.FloatField(allow_null=True), help_text="Centre line per period."
    )
    lcl = serializers.ListField(
        child=serializers.FloatField(allow_null=True), help_text="Lower 3-sigma limit."
    )
    ucl = serializers.ListField(
        child=serializers.FloatField(allow_null=True), help_text="Upper 3-sigma limit."
    )
    sigma_signal_indices = serializers.ListField(
        child=serializers.IntegerField(), help_text="Periods strictly outside the limits."
    )
    phases = ControlPhaseSerializer(many=True)


class SpecialCauseSerializer(serializers.Serializer):
    month = serializers.DateField()
    side = serializers.ChoiceField(choices=["high", "low"])
    kind = serializers.ChoiceField(
        choices=["improvement", "concern", "neither"],
        help_text="By the measure's direction; MR signals are neither.",
    )


class ControlChartSerializer(serializers.Serializer):
    id = serializers.UUIDField(help_text="The stored series (run chart) drawn.")
    measure_code = serializers.CharField()
    chart = serializers.CharField()
    chart_name = serializers.CharField()
    first_month = serializers.DateField(allow_null=True)
    withheld = serializers.BooleanField(
        help_text="A peer team whose figures are withheld from the caller: result and reading are null."
    )
    result = ControlResultSerializer(allow_null=True)
    special_causes = SpecialCauseSerializer(many=True)
    variation = serializers.ChoiceField(
        choices=["", "common_cause", "improvement", "concern", "neither"], allow_null=True
    )
    assurance = serializers.ChoiceField(choices=["", "pass", "fail", "inconsistent"], allow_null=True)


class ControlChartView(PrivateResponses, APIView):
    """One stored series as a control chart: the measure's chart, or `chart` if it suits the series."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "chart",
                str,
                required=False,
                enum=[c for c in Measure.ChartType.values if c != "run"],
                description="p, pp (p′), u, up (u′), i, mr or c; one that does not suit the series gives "
                "the measure's own (or its kind's suggested) control chart.",
            )
        ],
        responses=ControlChartSerializer,
    )
    def get(self, request: Request, public_id: uuid.UUID) -> Response:
        chart = chart_get(user=request.user, public_id=public_id).stored
        control = [c for c in controlcharts.chart_types(chart) if c != "run"]
        wanted = controlcharts.chosen_chart(chart, request.query_params.get("chart"))
        chart_type = wanted if wanted != "run" else control[0]
        withheld = bool((chart.result or {}).get("withheld"))
        decisions = [] if withheld else list(selectors.phase_decision_list(user=request.user, analysis=chart))
        view = controlcharts.control_view(chart, chart_type, decisions)
        reading = None if view is None else view["reading"]
        body = {
            "id": chart.public_id,
            "measure_code": chart.measure.code,
            "chart": chart_type,
            "chart_name": controlcharts.CHART_LABELS[chart_type],
            "first_month": chart.first_month,
            "withheld": withheld,
            "result": None if view is None else view["result"],
            "special_causes": [] if reading is None else [vars(c) for c in reading.special_causes],
            "variation": None if reading is None else reading.variation,
            "assurance": None if reading is None else reading.assurance,
        }
        return Response(ControlChartSerializer(body).data)
