"""Dashboards and run-chart pages. They read stored analyses; the one computation in a request is a
control chart the chart page draws from the stored points (measures/controlcharts.py, under a millisecond)."""

import csv
import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.safestring import SafeString
from django.views.decorators.http import require_GET, require_POST

from collaboratives import access, months
from collaboratives import selectors as collab_selectors
from collaboratives.exports import csv_safe
from collaboratives.forms import add_service_errors
from collaboratives.models import Awardee
from measures import coaching, controlcharts, exports, page_cache, selectors, services
from measures.charts import format_value
from measures.charts.read import chart_choices, chart_get, charts_read
from measures.forms import AnnotationForm, PhaseForm
from measures.models import Measure, PhaseDecision, RunChartAnalysis
from measures.templatetags.runcharts import runchart_context

SORT_KEYS = ("team", "status")


def _sorted_rows(
    rows: list[selectors.DashboardRow], measures: list[Measure], sort: str, descending: bool
) -> list[Any]:
    codes = [m.code for m in measures]
    if sort in codes:
        i = codes.index(sort)

        def key(row: selectors.DashboardRow) -> tuple[bool, float]:
            cell = row.cells[i]
            return (cell is None, cell.sort_value if cell else 0.0)

        ordered = sorted(rows, key=key, reverse=descending)
        # Teams without a median stay last whichever way the column is sorted.
        return [r for r in ordered if key(r)[0] is False] + [r for r in ordered if key(r)[0] is True]
    if sort == "status":
        return sorted(rows, key=lambda r: (r.report_status or "", r.label), reverse=descending)
    return sorted(rows, key=lambda r: r.label, reverse=descending)


def _awardee_filter(request: HttpRequest) -> Awardee | None:
    """The state a dashboard page is narrowed to (`?awardee=`): 404 if not visible, ignored if malformed."""
    if not request.GET.get("awardee"):
        return None
    try:
        return get_object_or_404(
            collab_selectors.awardee_list(user=request.user), public_id=request.GET["awardee"]
        )
    except ValidationError:
        return None


@login_required
@require_GET
def collaborative_dashboard(request: HttpRequest, public_id: str) -> HttpResponse:
    """Pooled run chart per measure and the teams × measures table, for the collaborative or one awardee.

    The body is kept per viewer until its data changes (measures/page_cache.py); the notes and their
    form, which carries this session's CSRF token, are rendered on every request.
    """
    collaborative = get_object_or_404(
        collab_selectors.collaborative_list(user=request.user), public_id=public_id
    )
    awardee = _awardee_filter(request)
    measures = list(selectors.measure_list(user=request.user, collaborative=collaborative))
    sort = request.GET.get("sort", "team")
    if sort not in SORT_KEYS and sort not in {m.code for m in measures}:
        sort = "team"
    descending = request.GET.get("dir") == "desc"
    notes = list(selectors.annotation_list(user=request.user, collaborative=collaborative))
    body = page_cache.kept(
        user=request.user,
        collaborative=collaborative,
        inputs=("dashboard", awardee.id if awardee else None, sort, descending),
        build=lambda: _dashboard_body(request, collaborative, awardee, measures, notes, sort, descending),
    )
    return render(
        request,
        "measures/dashboards/collaborative.html",
        {
            "collaborative": collaborative,
            "body": body,
            "can_annotate": access.can(request.user, access.Action.ADMINISTER, collaborative),
            "annotation_form": AnnotationForm(),
            "notes": [n for n in notes if n.team_id is None],
        },
    )


def _dashboard_body(
    request: HttpRequest,
    collaborative: Any,
    awardee: Awardee | None,
    measures: list[Measure],
    notes: list[Any],
    sort: str,
    descending: bool,
) -> SafeString:
    kind = RunChartAnalysis.Kind.AWARDEE if awardee else RunChartAnalysis.Kind.COLLABORATIVE
    aggregates = chart_choices(user=request.user, collaborative=collaborative, kind=kind, awardee=awardee)
    by_measure = {a.stored.measure_id: a.stored for a in charts_read(user=request.user, charts=aggregates)}
    rows, withheld = exports.dashboard_table(
        user=request.user,
        collaborative=collaborative,
        measures=measures,
        awardee=awardee,
        today=timezone.localdate(),
    )
    return render_to_string(
        "measures/dashboards/_collaborative_body.html",
        {
            "collaborative": collaborative,
            "awardee": awardee,
            "awardees": collab_selectors.awardee_list(user=request.user)
            .filter(lias__teams__collaborative=collaborative)
            .distinct(),
            "panels": list(
                zip(
                    measures,
                    [by_measure.get(m.id) for m in measures],
                    [selectors.chart_notes(notes, m) for m in measures],
                    control_panels(request, [by_measure.get(m.id) for m in measures]),
                    strict=True,
                )
            ),
            "measures": measures,
            "rows": _sorted_rows(rows, measures, sort, descending),
            "sort": sort,
            "descending": descending,
            "withheld": withheld,
        },
    )


@login_required
@require_GET
def measure_small_multiples(request: HttpRequest, public_id: str, measure_id: str) -> HttpResponse:
    """One measure across the teams the viewer may see, with the pooled chart first.

    Narrowed to one state (`?awardee=`, as on the dashboard), it shows that state's teams and pooled chart.
    """
    collaborative = get_object_or_404(
        collab_selectors.collaborative_list(user=request.user), public_id=public_id
    )
    measure = get_object_or_404(
        selectors.measure_list(user=request.user, collaborative=collaborative), public_id=measure_id
    )
    awardee = _awardee_filter(request)
    charts = charts_read(
        user=request.user,
        charts=chart_choices(
            user=request.user, collaborative=collaborative, measure=measure, awardee=awardee
        ),
    )
    notes = selectors.chart_notes(
        list(selectors.annotation_list(user=request.user, collaborative=collaborative)), measure
    )
    teams = [(chart.stored, chart.label) for chart in charts if chart.kind == RunChartAnalysis.Kind.TEAM]
    pooled = RunChartAnalysis.Kind.AWARDEE if awardee else RunChartAnalysis.Kind.COLLABORATIVE
    # Unfiltered, the states' pooled charts whose phases the viewer decides are still one link away.
    state_charts = [
        c.stored
        for c in charts
        if not awardee
        and c.kind == RunChartAnalysis.Kind.AWARDEE
        and _may_decide_phases(request.user, c.stored)
    ]
    aggregate = next((c.stored for c in charts if c.kind == pooled), None)
    ordered = sorted(teams, key=lambda t: t[1])
    aggregate_panel, *team_panels = control_panels(request, [aggregate, *(chart for chart, _ in ordered)])
    return render(
        request,
        "measures/dashboards/measure_teams.html",
        {
            "collaborative": collaborative,
            "measure": measure,
            "awardee": awardee,
            "aggregate": aggregate,
            "aggregate_panel": aggregate_panel,
            "state_charts": state_charts,
            "teams": [
                (chart, label, panel) for (chart, label), panel in zip(ordered, team_panels, strict=True)
            ],
            "notes": notes,
        },
    )


def _chart_or_404(request: HttpRequest, public_id: str) -> RunChartAnalysis:
    """The stored chart to act on (decide a phase, add a note); pages show it through `charts_read`."""
    return get_object_or_404(chart_choices(user=request.user), public_id=public_id)


def _may_decide_phases(user: Any, chart: RunChartAnalysis) -> bool:
    return access.may_decide_phases(
        user, collaborative=chart.collaborative, team=chart.team, awardee=chart.awardee
    )


def _chart_page(request: HttpRequest, chart: RunChartAnalysis, *, phase_form: PhaseForm | None = None,
                annotation_form: AnnotationForm | None = None, status: int = 200) -> HttpResponse:  # fmt: skip
    [viewed] = charts_read(user=request.user, charts=[chart])
    chart = viewed.stored
    notes = list(
        selectors.annotation_list(user=request.user, collaborative=chart.collaborative, team=chart.team)
    )
    phases = (chart.result or {}).get("phases") or []
    first_month = chart.first_month or dt.date.today()
    withheld = bool((chart.result or {}).get("withheld"))  # a decided phase's month would show its shift
    decisions = [] if withheld else list(selectors.phase_decision_list(user=request.user, analysis=chart))
    by_month = {d.start_month: d for d in decisions}
    suggested = []
    for phase in phases[1:]:
        month = months.add(first_month, phase["start_index"])
        decision = by_month.get(month)
        suggested.append(
            {
                "month": month,
                "median": format_value(phase["median"], chart.measure),
                "provisional": phase["provisional"],
                "decision": decision,
                "undecided": decision is None and not decisions,
            }
        )
    private = chart.team is not None and access.can(request.user, access.Action.VIEW, chart.team)
    chart_type = controlcharts.chosen_chart(chart, request.GET.get("chart"))
    control = None if chart_type == "run" else controlcharts.control_view(chart, chart_type, decisions)
    return render(
        request,
        "measures/dashboards/chart.html",
        {
            "chart": chart,
            "title": viewed.label,
            "notes": selectors.chart_notes(notes, chart.measure, user=request.user, team=chart.team),
            "suggested": suggested,
            "decisions": decisions,
            "may_decide": _may_decide_phases(request.user, chart),
            "may_annotate": private and access.can(request.user, access.Action.ANNOTATE_CHARTS, chart.team),
            "phase_form": phase_form or PhaseForm(initial={"decision": PhaseDecision.Decision.MANUAL}),
            "annotation_form": annotation_form or AnnotationForm(),
            "chart_type": chart_type,
            "chart_types": [(c, controlcharts.CHART_LABELS[c]) for c in controlcharts.chart_types(chart)],
            "control": control,
            "my_notes": [n for n in notes if n.created_by_id == request.user.pk],
            "undone": [] if withheld else coaching.phase_decision_undone_list(analysis=chart),
        },
        status=status,
    )


@login_required
@require_GET
def chart_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    return _chart_page(request, _chart_or_404(request, public_id))


def _control_view(request: HttpRequest, chart: RunChartAnalysis, chart_type: str) -> dict[str, Any] | None:
    withheld = bool((chart.result or {}).get("withheld"))
    decisions = [] if withheld else list(selectors.phase_decision_list(user=request.user, analysis=chart))
    return controlcharts.control_view(chart, chart_type, decisions)


def control_panels(request: HttpRequest, charts: list[RunChartAnalysis | None]) -> list[dict[str, Any]]:
    """For each chart of a page of many (None: no chart), what templates/measures/_chart_panel.html needs:
    its measure's chart type and, for a control chart, its view (None if withheld or not computed yet).
    The control charts are computed together in the engine's batch path."""
    drawn = [c for c in charts if c is not None and controlcharts.page_chart(c) != "run"]
    decisions = selectors.phase_decisions_by_chart(user=request.user, analyses=drawn) if drawn else {}
    views = controlcharts.control_views(drawn, decisions)
    return [
        {"type": "run"}
        if c is None or c.pk not in views
        else {"type": controlcharts.page_chart(c), "view": views[c.pk]}
        for c in charts
    ]


@login_required
@require_GET
def chart_fragment(request: HttpRequest, public_id: str) -> HttpResponse:
    """The chart alone, for htmx to swap in while a recompute is under way ("Updating…" until it is done):
    the run chart, or with `chart` a control chart (which the run chart's own polling never asks for)."""
    viewed = chart_get(user=request.user, public_id=public_id)
    chart = viewed.stored
    compact = request.GET.get("compact") == "1"
    notes = list(
        selectors.annotation_list(user=request.user, collaborative=chart.collaborative, team=chart.team)
    )
    requested = request.GET.get("chart")
    if requested and requested != "run":  # the control-chart view asks by its type; the run chart never does
        chart_type = controlcharts.chosen_chart(chart, requested)
        if chart_type != "run":
            return render(
                request,
                "measures/_controlchart.html",
                {
                    "chart": chart,
                    "control": _control_view(request, chart, chart_type),
                    "control_type": chart_type,
                    "compact": compact,
                    "notes": selectors.chart_notes(notes, chart.measure, user=request.user, team=chart.team),
                },
            )
    height = 220 if compact else 320
    return render(
        request,
        "measures/_runchart.html",
        runchart_context(
            chart,
            height=height,
            notes=selectors.chart_notes(notes, chart.measure, user=request.user, team=chart.team),
            compact=compact,
            title=viewed.label,
        ),
    )


@login_required
@require_POST
def chart_phase(request: HttpRequest, public_id: str) -> HttpResponse:
    """Confirm or reject a suggested phase, or start a manual one, with a reason (docs/runchart.md §7.4)."""
    chart = _chart_or_404(request, public_id)
    access.require_phase_decider(
        request.user, collaborative=chart.collaborative, team=chart.team, awardee=chart.awardee
    )
    form = PhaseForm(request.POST)
    if form.is_valid():
        try:
            services.phase_decide(actor=request.user, analysis=chart, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Phase decision saved. The chart is being recomputed.")
            return redirect("chart-detail", public_id=chart.public_id)
    return _chart_page(request, chart, phase_form=form, status=400)


@login_required
@require_POST
def chart_annotate(request: HttpRequest, public_id: str) -> HttpResponse:
    """A team's note on one month of its charts."""
    chart = _chart_or_404(request, public_id)
    if chart.team is None or not access.can(request.user, access.Action.ANNOTATE_CHARTS, chart.team):
        raise PermissionDenied(
            "Only the team, its improvement advisors and the collaborative's admins may add notes to its charts."
        )
    form = AnnotationForm(request.POST)
    if form.is_valid():
        try:
            services.annotation_add(
                actor=request.user, collaborative=chart.collaborative, team=chart.team, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Note added to the team's charts.")
            return redirect("chart-detail", public_id=chart.public_id)
    return _chart_page(request, chart, annotation_form=form, status=400)


@login_required
@require_POST
def collaborative_annotate(request: HttpRequest, public_id: str) -> HttpResponse:
    """A collaborative-wide note (e.g. "Learning Session 2") shown on every chart of the collaborative."""
    collaborative = get_object_or_404(
        collab_selectors.collaborative_list(user=request.user), public_id=public_id
    )
    access.require(request.user, access.Action.ADMINISTER, collaborative)
    form = AnnotationForm(request.POST)
    if form.is_valid():
        try:
            services.annotation_add(
                actor=request.user, collaborative=collaborative, team=None, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Note added to every chart of the collaborative.")
            return redirect("collaborative-dashboard", public_id=collaborative.public_id)
    for field, errors in form.errors.items():
        for error in errors:
            messages.error(
                request, f"{form.fields[field].label if field in form.fields else 'Note'}: {error}"
            )
    return redirect("collaborative-dashboard", public_id=collaborative.public_id)


@login_required
@require_GET
def chart_csv(request: HttpRequest, public_id: str) -> HttpResponse:
    """The chart's data: one row per month with its value, the centre line in force, and its signals.

    Months hidden by small-cell suppression have empty counts and value, as on the page."""
    viewed = chart_get(user=request.user, public_id=public_id)
    chart = viewed.stored
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"{chart.measure.code}-{viewed.label}".replace(" ", "-").replace(",", "")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{filename}.csv"
    )
    writer = csv.writer(response)
    writer.writerow(selectors.CHART_CSV_HEADER)
    for row in selectors.chart_rows(chart, title=viewed.label):
        writer.writerow([csv_safe(v) for v in row])
    return response
