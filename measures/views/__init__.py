import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import BoundField
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from collaboratives import access, enrolment, months
from collaboratives import selectors as collab_selectors
from collaboratives.learning.selectors import learning_home
from collaboratives.models import Role, Team
from measures import medians, selectors, services
from measures.charts.read import chart_choices, charts_read
from measures.forms import MonthEntryForm, ReopenForm
from measures.interpretation import value_formatter
from measures.models import Measure, Observation
from measures.views.dashboards import control_panels

CONTEXT_MONTHS = 3  # earlier months shown beside each measure, so a typo against the trend stands out


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    due = selectors.due_this_month_list(user=user, today=timezone.localdate())
    context: dict[str, Any] = {
        "due": due,
        "due_month": months.now_due(timezone.localdate()),
        "collaboratives": collab_selectors.collaborative_list(user=user),
        "awardees": collab_selectors.awardee_list(user=user).filter(
            id__in=access.ids_with_role(user, Role.AWARDEE_LEAD)
        )
        if not user.is_superuser
        else collab_selectors.awardee_list(user=user),
        "lead_lias": collab_selectors.lia_list(user=user).filter(
            id__in=access.ids_with_role(user, Role.CQI_LEAD)
        ),
        "roles": sorted(str(Role(r).label) for r in access.roles(user)),
        **learning_home(user=user, now=timezone.now()),
    }
    # An awardee lead's work: each of their states' collaboratives, with its state dashboard and closing planner.
    context["state_work"] = [
        (awardee, collaborative)
        for awardee in context["awardees"]
        for collaborative in context["collaboratives"].filter(teams__lia__awardee=awardee).distinct()
    ]
    return render(request, "measures/home.html", context)


@login_required
@require_GET
def team_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    team = get_object_or_404(collab_selectors.team_list(user=request.user), public_id=public_id)
    shown, rows = selectors.observation_table(user=request.user, team=team, last_n_months=12)
    charts = {
        c.stored.measure_id: c.stored
        for c in charts_read(user=request.user, charts=chart_choices(user=request.user, team=team))
    }
    notes = list(selectors.annotation_list(user=request.user, collaborative=team.collaborative, team=team))
    shown_charts = [charts.get(row.measure.id) for row in rows]
    panels = [
        (row.measure, chart, selectors.chart_notes(notes, row.measure, user=request.user, team=team), panel)
        for row, chart, panel in zip(rows, shown_charts, control_panels(request, shown_charts), strict=True)
    ]
    return render(
        request,
        "measures/team_detail.html",
        {
            "team": team,
            "months": shown,
            "rows": rows,
            "panels": panels,
            "can_enter": access.can(request.user, access.Action.ENTER_DATA, team),
        },
    )


@login_required
@require_GET
def team_data_start(request: HttpRequest, public_id: str) -> HttpResponse:
    """Open the month now due (or the open month nearest to it), or the month chosen in the page's month picker."""
    team = get_object_or_404(collab_selectors.team_list(user=request.user), public_id=public_id)
    today = timezone.localdate()
    month = enrolment.start_month(team, today)
    try:
        picked = months.parse(request.GET.get("month", ""))
    except ValueError:
        picked = None
    if picked in enrolment.entry_months(team, today):
        month = picked
    return redirect("team-data-month", public_id=team.public_id, month=month)


@dataclass(frozen=True)
class EntryRow:
    """One measure on the entry page: its inputs and its values in the months before."""

    measure: Measure
    numerator: BoundField
    denominator: BoundField | None
    not_applicable: BoundField
    note: BoundField
    recent: list[tuple[dt.date, str]]
    saved: str = ""  # a median measure's saved month as the platform reads it: "median 7 of 4 cases"

    @property
    def fields(self) -> list[BoundField]:
        return [
            f for f in (self.numerator, self.denominator, self.not_applicable, self.note) if f is not None
        ]


def _describe(measure: Measure, obs: Observation | None) -> str:
    if obs is not None and obs.not_applicable:
        return "not applicable"
    if obs is None or obs.numerator is None:
        return "no data"
    if measure.kind == Measure.Kind.COUNT:
        return str(obs.numerator)
    if measure.kind == Measure.Kind.MEDIAN:
        middle = medians.median(medians.from_stored(obs.cases))
        shown = "no cases" if middle is None else value_formatter("median")(float(middle))
        return f"median {shown} of {obs.numerator} cases"
    if not obs.denominator:
        return f"{obs.numerator}/{obs.denominator}"
    value = obs.numerator / obs.denominator
    if measure.kind == Measure.Kind.MEAN:
        return f"{obs.numerator}/{obs.denominator} scores (mean {value:.1f})"
    return f"{obs.numerator}/{obs.denominator} ({value:.0%})"


def _entry_rows(
    form: MonthEntryForm,
    cells: dict[tuple[int, dt.date], Observation],
    earlier: list[dt.date],
    month: dt.date,
) -> list[EntryRow]:
    rows = []
    for m in form.measures:
        saved = cells.get((m.id, month))
        denominator = f"{m.code}-denominator"
        rows.append(
            EntryRow(
                measure=m,
                numerator=form[f"{m.code}-cases" if m.kind == Measure.Kind.MEDIAN else f"{m.code}-numerator"],
                denominator=form[denominator] if denominator in form.fields else None,
                not_applicable=form[f"{m.code}-not_applicable"],
                note=form[f"{m.code}-note"],
                recent=[(before, _describe(m, cells.get((m.id, before)))) for before in earlier],
                # What the platform made of the cases saved: the person typed values, not the median.
                saved=_describe(m, saved) if m.kind == Measure.Kind.MEDIAN and saved is not None else "",
            )
        )
    return rows


def _save_or_submit(
    request: HttpRequest, team: Team, month: dt.date, form: MonthEntryForm, submit: bool
) -> bool:
    """Save the month's values, then submit if asked; errors land on the form. Returns whether all succeeded."""
    if not form.is_valid():
        return False
    try:
        services.observations_record(actor=request.user, team=team, month=month, cells=form.cells())
    except ValidationError as exc:
        form.add_service_errors(exc)
        return False
    if not submit:
        messages.success(request, f"{month:%B %Y} saved as a draft.")
        return True
    try:
        services.monthly_report_submit(actor=request.user, team=team, month=month)
    except ValidationError as exc:
        form.add_service_errors(exc)
        messages.warning(
            request, f"Your values for {month:%B %Y} were saved as a draft, but the month was not submitted."
        )
        return False
    messages.success(request, f"{month:%B %Y} submitted. Thank you.")
    return True


@login_required
@require_http_methods(["GET", "POST"])
def team_data_month(request: HttpRequest, public_id: str, month: dt.date) -> HttpResponse:
    """The monthly data entry page: one month, every measure of the collaborative, save, submit, reopen."""
    user = request.user
    team = get_object_or_404(collab_selectors.team_list(user=user), public_id=public_id)
    today = timezone.localdate()
    open_months = enrolment.entry_months(team, today)
    if month not in open_months:
        raise Http404("That month is not open for this team.")
    can_enter = access.can(user, access.Action.ENTER_DATA, team)
    can_submit = access.can(user, access.Action.SUBMIT_MONTH, team)
    can_reopen = access.can(user, access.Action.REOPEN_MONTH, team)
    measures = list(selectors.measure_active_list(user=user, collaborative=team.collaborative, month=month))
    earlier = months.last_n(months.add(month, -1), CONTEXT_MONTHS)
    cells = selectors.observation_cells(user=user, team=team, months=[*earlier, month])
    status = selectors.month_status(user=user, team=team, month=month, today=today)

    def entry_form(data: dict | None = None) -> MonthEntryForm:
        return MonthEntryForm(
            data,
            measures=measures,
            observations={m.id: cells[m.id, month] for m in measures if (m.id, month) in cells},
            read_only=status.submitted or not can_enter,
        )

    form, reopen_form, http_status = entry_form(), ReopenForm(), 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "reopen":
            access.require(user, access.Action.REOPEN_MONTH, team)
            reopen_form = ReopenForm(request.POST)
            if reopen_form.is_valid():
                try:
                    services.monthly_report_reopen(
                        actor=user, team=team, month=month, reason=reopen_form.cleaned_data["reason"]
                    )
                except ValidationError as exc:
                    for key, errors in exc.message_dict.items():
                        for error in errors:
                            reopen_form.add_error("reason" if key == "reason" else None, error)
                else:
                    messages.success(
                        request, f"{month:%B %Y} reopened: its values can be corrected and submitted again."
                    )
                    return redirect("team-data-month", public_id=team.public_id, month=month)
        elif action in ("save", "submit"):
            submit = action == "submit"
            access.require(user, access.Action.SUBMIT_MONTH if submit else access.Action.ENTER_DATA, team)
            form = entry_form(request.POST)
            if _save_or_submit(request, team, month, form, submit):
                return redirect("team-data-month", public_id=team.public_id, month=month)
            # A submit refused for missing values still saved the draft: show the month as it now stands.
            status = selectors.month_status(user=user, team=team, month=month, today=today)
        else:
            return HttpResponseBadRequest("Choose save, submit or reopen.")
        http_status = 400
    rows = _entry_rows(form, cells, earlier, month)
    index = open_months.index(month)
    return render(
        request,
        "measures/team_data_month.html",
        {
            "team": team,
            "month": month,
            "months": open_months,
            "previous_month": open_months[index - 1] if index > 0 else None,
            "next_month": open_months[index + 1] if index + 1 < len(open_months) else None,
            "status": status,
            "form": form,
            "rows": rows,
            "error_summary": [
                *((field.auto_id, error) for row in rows for field in row.fields for error in field.errors),
                *((None, error) for error in form.non_field_errors()),
                *((reopen_form["reason"].auto_id, error) for error in reopen_form["reason"].errors),
                *((None, error) for error in reopen_form.non_field_errors()),
            ],
            "reopen_form": reopen_form,
            "can_save": can_enter and not status.submitted,
            "can_submit": can_submit and not status.submitted and month < today.replace(day=1),
            "can_reopen": can_reopen and (status.submitted or bool(reopen_form.errors)),
            "month_ended": month < today.replace(day=1),
        },
        status=http_status,
    )
