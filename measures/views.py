from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from collaboratives import access
from collaboratives import selectors as collab_selectors
from measures import selectors


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    grants = access.grants(user)
    due = selectors.due_this_month_list(user=user, today=timezone.localdate())
    context = {
        "due": due,
        "due_month": selectors.reporting_month(timezone.localdate()),
        "collaboratives": collab_selectors.collaborative_list(user=user),
        "awardees": collab_selectors.awardee_list(user=user).filter(id__in=grants.led_awardees)
        if not user.is_superuser
        else collab_selectors.awardee_list(user=user),
        "lead_lias": collab_selectors.lia_list(user=user).filter(id__in=grants.lead_lias),
        "roles": sorted(str(r.label) for r in grants.roles),
    }
    return render(request, "measures/home.html", context)


@login_required
@require_GET
def team_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    team = get_object_or_404(collab_selectors.team_list(user=request.user), public_id=public_id)
    months, rows = selectors.observation_table(user=request.user, team=team, last_n_months=12)
    return render(
        request,
        "measures/team_detail.html",
        {
            "team": team,
            "months": months,
            "rows": rows,
            "can_enter": access.can(request.user, access.Action.ENTER_DATA, team),
        },
    )
