from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from collaboratives import access, selectors, services
from collaboratives.forms import ApiTokenForm, InvitationAcceptForm, InvitationForm, add_service_errors


@login_required
@require_GET
def collaborative_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    collaborative = get_object_or_404(selectors.collaborative_list(user=request.user), public_id=public_id)
    teams = selectors.team_list(user=request.user, collaborative=collaborative)
    return render(
        request,
        "collaboratives/collaborative_detail.html",
        {
            "collaborative": collaborative,
            "aims": collaborative.aims.all(),
            "measures": collaborative.measures.all(),
            "teams": teams,
        },
    )


@login_required
@require_GET
def team_list(request: HttpRequest) -> HttpResponse:
    teams = selectors.team_list(user=request.user).order_by(
        "collaborative__name", "lia__awardee__name", "lia__name"
    )
    return render(request, "collaboratives/team_list.html", {"teams": teams})


@login_required
@require_http_methods(["GET", "POST"])
def lia_roster(request: HttpRequest, public_id: str) -> HttpResponse:
    lia = get_object_or_404(selectors.lia_list(user=request.user), public_id=public_id)
    can_manage = access.can(request.user, access.Action.MANAGE_ROSTER, lia)
    form = InvitationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        access.require(request.user, access.Action.MANAGE_ROSTER, lia)
        if form.is_valid():
            try:
                invitation = services.invitation_send(actor=request.user, lia=lia, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"Invitation sent to {invitation.email}.")
                return redirect("lia-roster", public_id=lia.public_id)
    return render(
        request,
        "collaboratives/lia_roster.html",
        {
            "lia": lia,
            "roster": selectors.roster_list(user=request.user, lia=lia),
            "pending": lia.invitations.filter(accepted_at__isnull=True, expires_at__gt=timezone.now())
            if can_manage
            else [],
            "form": form,
            "can_manage": can_manage,
        },
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = services.invitation_for_token(token)
    if invitation is None:
        return render(request, "collaboratives/invitation_invalid.html", status=404)
    signed_in = request.user if request.user.is_authenticated else None
    form = InvitationAcceptForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(invitation=invitation, user=signed_in, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if signed_in is None:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome to {invitation.lia.name}.")
            return redirect("home")
    return render(
        request,
        "collaboratives/invitation_accept.html",
        {"invitation": invitation, "form": form, "signed_in": signed_in},
        status=400 if request.method == "POST" else 200,
    )


# --- Personal API tokens (issue 8) ---


def _api_token_page(
    request: HttpRequest, form: ApiTokenForm, created: tuple[Any, str] | None = None, status: int = 200
) -> HttpResponse:
    response = render(
        request,
        "collaboratives/api_tokens.html",
        {
            "form": form,
            "tokens": selectors.api_token_list(user=request.user),
            "created": created,
            "now": timezone.now(),
            "error_summary": [
                (form[name].auto_id, error)
                for name, errors in form.errors.items()
                if name in form.fields
                for error in errors
            ],
        },
        status=status,
    )
    add_never_cache_headers(response)  # the page may show a new token: no cache may keep it
    return response


@login_required
@require_http_methods(["GET", "POST"])
def api_token_list(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _api_token_page(request, ApiTokenForm())
    form = ApiTokenForm(request.POST)
    if form.is_valid():
        try:
            created = services.api_token_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _api_token_page(request, ApiTokenForm(), created=created, status=201)
    return _api_token_page(request, form, status=400)


@login_required
@require_POST
def api_token_revoke(request: HttpRequest, public_id: str) -> HttpResponse:
    token = get_object_or_404(selectors.api_token_list(user=request.user), public_id=public_id)
    services.api_token_revoke(actor=request.user, token=token)
    messages.success(
        request, f"The token “{token.name}” is revoked: clients using it are refused from now on."
    )
    return redirect("api-token-list")
