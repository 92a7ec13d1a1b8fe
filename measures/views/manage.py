"""Collaborative admins' screens for a collaborative's measures, and the change history of a team's month."""

import datetime as dt
from collections.abc import Callable
from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from collaboratives import access
from collaboratives import selectors as collab_selectors
from collaboratives.forms import error_summary
from collaboratives.models import Collaborative
from measures import selectors, services
from measures.forms import MeasureForm
from measures.models import Measure


def _administered(request: HttpRequest, public_id: str) -> Collaborative:
    """The collaborative if the user sees it (else 404) and administers it (else 403)."""
    collaborative = get_object_or_404(
        collab_selectors.collaborative_list(user=request.user), public_id=public_id
    )
    access.require(request.user, access.Action.ADMINISTER, collaborative)
    return collaborative


def _form_page(
    request: HttpRequest, form: MeasureForm, collaborative: Collaborative, measure: Measure | None
) -> HttpResponse:
    return render(
        request,
        "measures/manage/measure_form.html",
        {
            "collaborative": collaborative,
            "measure": measure,
            "form": form,
            "error_summary": error_summary(form),
            "has_data": measure is not None and measure.observations.exists(),
        },
        status=400 if form.errors else 200,
    )


def _save(form: MeasureForm, save: Callable[..., Measure]) -> Measure | None:
    """Run the service with the form's values; its errors land on the form's fields."""
    if not form.is_valid():
        return None
    try:
        return save(**form.cleaned_data)
    except ValidationError as exc:
        form.add_service_errors(exc)
        return None


@login_required
@require_GET
def measure_manage_list(request: HttpRequest, public_id: str) -> HttpResponse:
    collaborative = _administered(request, public_id)
    measures = selectors.measure_list(user=request.user, collaborative=collaborative).order_by(
        "order", "code"
    )
    return render(
        request,
        "measures/manage/measure_list.html",
        {"collaborative": collaborative, "measures": measures},
    )


@login_required
@require_http_methods(["GET", "POST"])
def measure_new(request: HttpRequest, public_id: str) -> HttpResponse:
    collaborative = _administered(request, public_id)
    form = MeasureForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        create = partial(services.measure_create, actor=request.user, collaborative=collaborative)
        if (measure := _save(form, create)) is not None:
            messages.success(request, f"Measure {measure.code} added.")
            return redirect("measure-manage-list", public_id=collaborative.public_id)
    return _form_page(request, form, collaborative, None)


@login_required
@require_http_methods(["GET", "POST"])
def measure_edit(request: HttpRequest, public_id: str) -> HttpResponse:
    measure = get_object_or_404(selectors.measure_list(user=request.user), public_id=public_id)
    collaborative = measure.collaborative
    access.require(request.user, access.Action.ADMINISTER, collaborative)
    initial = {name: getattr(measure, name) for name in services.MEASURE_FIELDS}
    form = MeasureForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST":
        update = partial(services.measure_update, actor=request.user, measure=measure)
        if (saved := _save(form, update)) is not None:
            messages.success(request, f"Measure {saved.code} saved.")
            return redirect("measure-manage-list", public_id=collaborative.public_id)
    return _form_page(request, form, collaborative, measure)


@login_required
@require_GET
def team_month_history(request: HttpRequest, public_id: str, month: dt.date) -> HttpResponse:
    """Who changed what in a team's month, newest first; for whoever sees the team (404 otherwise)."""
    team = get_object_or_404(collab_selectors.team_list(user=request.user), public_id=public_id)
    changes = selectors.month_history(user=request.user, team=team, month=month)
    return render(
        request,
        "measures/manage/month_history.html",
        {"team": team, "month": month, "changes": changes},
    )
