"""Coaching pages: the queue of suggested phases waiting for a decision, and editing one's chart notes."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from collaboratives import access
from collaboratives.forms import add_service_errors, error_summary
from measures import coaching, selectors, services
from measures.coaching import phase_suggestion_queue
from measures.forms import AnnotationForm, UndoForm
from measures.models import ChartAnnotation
from measures.views.dashboards import _chart_or_404


@login_required
@require_GET
def phase_queue(request: HttpRequest) -> HttpResponse:
    """Team charts with suggested phases the user may confirm or reject, oldest suggestion first."""
    return render(
        request, "measures/coaching/phase_queue.html", {"queue": phase_suggestion_queue(user=request.user)}
    )


def _note_back(note: ChartAnnotation) -> HttpResponse:
    if note.team is not None:
        return redirect("team-detail", public_id=note.team.public_id)
    return redirect("collaborative-dashboard", public_id=note.collaborative.public_id)


def _note(request: HttpRequest, public_id: str) -> ChartAnnotation:
    """A note the user sees (404 otherwise) and wrote (403 otherwise)."""
    note = get_object_or_404(
        ChartAnnotation.objects.visible_to(request.user).select_related("team", "collaborative"),
        public_id=public_id,
    )
    if not access.may_change_note(request.user, note):
        raise PermissionDenied("Only the note's author may change it.")
    return note


@login_required
@require_http_methods(["GET", "POST"])
def note_edit(request: HttpRequest, public_id: str) -> HttpResponse:
    """Its author corrects a chart note's month or text, or deletes it."""
    note = _note(request, public_id)
    initial = {"month": f"{note.month:%Y-%m}", "text": note.text}
    form = AnnotationForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.annotation_update(actor=request.user, note=note, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Note saved.")
            return _note_back(note)
    return render(
        request,
        "measures/coaching/note_form.html",
        {"note": note, "form": form, "error_summary": error_summary(form)},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def note_delete(request: HttpRequest, public_id: str) -> HttpResponse:
    note = _note(request, public_id)
    services.annotation_delete(actor=request.user, note=note)
    messages.success(request, f"Note “{note.text}” deleted.")
    return _note_back(note)


@login_required
@require_POST
def phase_decision_undo(request: HttpRequest, public_id: str, month: dt.date) -> HttpResponse:
    """Undo one phase decision of a chart, with a reason kept in the chart's phase history."""
    chart = _chart_or_404(request, public_id)
    decision = get_object_or_404(
        selectors.phase_decision_list(user=request.user, analysis=chart), start_month=month
    )
    form = UndoForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        coaching.phase_decision_undo(actor=request.user, decision=decision, reason=reason)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"The {month:%B %Y} decision is undone. The chart is being recomputed.")
    return redirect("chart-detail", public_id=chart.public_id)
