from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from collaboratives import selectors as collab_selectors
from measures import selectors


@login_required
@require_GET
def collaborative_reporting(request: HttpRequest, public_id: str) -> HttpResponse:
    """Who has reported which month: the teams the viewer can see, with rates and the month now due."""
    collaborative = get_object_or_404(
        collab_selectors.collaborative_list(user=request.user), public_id=public_id
    )
    status = selectors.reporting_status(
        user=request.user, collaborative=collaborative, today=timezone.localdate()
    )
    return render(
        request,
        "measures/reporting/status.html",
        {"collaborative": collaborative, "status": status, "labels": selectors.REPORT_CELL_LABELS},
    )
