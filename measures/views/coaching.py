"""Coaching pages: the queue of suggested phases waiting for a decision."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from measures.coaching import phase_suggestion_queue


@login_required
@require_GET
def phase_queue(request: HttpRequest) -> HttpResponse:
    """Team charts with suggested phases the user may confirm or reject, oldest suggestion first."""
    return render(
        request, "measures/coaching/phase_queue.html", {"queue": phase_suggestion_queue(user=request.user)}
    )
