from collections.abc import Callable
from functools import partial
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from collaboratives import access, kdd, notifications, running, selectors, services
from collaboratives.forms import (
    AimForm,
    ApiTokenForm,
    ChangeIdeaForm,
    DriverForm,
    InvitationAcceptForm,
    InvitationForm,
    add_service_errors,
    error_summary,
)
from collaboratives.learning.selectors import change_idea_resource_counts
from collaboratives.models import Aim, ChangeIdea, Collaborative, Driver


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
            "can_run": access.can(request.user, access.Action.INVITE_PEOPLE, collaborative),
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
            "pending": running.invitation_pending_list(user=request.user).filter(lia=lia, via=None)
            if can_manage
            else [],
            "now": timezone.now(),
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
            messages.success(request, f"Welcome to {invitation.scope}.")
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
            "error_summary": error_summary(form),
        },
        status=status,
    )
    add_never_cache_headers(response)  # the page may show a new token: no cache may keep it
    return response


# --- The key driver diagram (issue 6): the page, with each change idea's testing (collaboratives/kdd.py) ---


@login_required
@require_GET
def kdd_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    """The key driver diagram: aims → primary → secondary drivers → change ideas, with each idea's testing."""
    collaborative = get_object_or_404(selectors.collaborative_list(user=request.user), public_id=public_id)
    return render(
        request,
        "collaboratives/kdd.html",
        {
            "collaborative": collaborative,
            "aims": selectors.kdd_tree(user=request.user, collaborative=collaborative),
            "counts": kdd.idea_counts(user=request.user, collaborative=collaborative),
            "resources": change_idea_resource_counts(user=request.user, collaborative=collaborative),
            "can_edit": access.can(request.user, access.Action.ADMINISTER, collaborative),
            "my_teams": [
                t
                for t in selectors.team_list(user=request.user, collaborative=collaborative)
                if access.can(request.user, access.Action.ENTER_DATA, t)
            ],
        },
    )


def _kdd_administered(request: HttpRequest, public_id: str) -> Collaborative:
    collaborative = get_object_or_404(selectors.collaborative_list(user=request.user), public_id=public_id)
    access.require(request.user, access.Action.ADMINISTER, collaborative)
    return collaborative


def _kdd_parts(
    request: HttpRequest, collaborative: Collaborative
) -> tuple[list[Aim], list[Driver], list[Driver]]:
    """The tree, the primary drivers, and every driver in diagram order (each primary before its secondaries)."""
    aims = selectors.kdd_tree(user=request.user, collaborative=collaborative)
    primaries = [p for aim in aims for p in aim.primary]
    return aims, primaries, [d for p in primaries for d in (p, *p.secondary)]


def _kdd_forms(
    request: HttpRequest, collaborative: Collaborative, bound: str | None
) -> dict[str, forms.Form]:
    aims, primaries, drivers = _kdd_parts(request, collaborative)

    def data(kind: str) -> Any:
        return request.POST if bound == kind else None

    return {
        "aim": AimForm(data("aim"), prefix="aim"),
        "driver": DriverForm(data("driver"), prefix="driver", aims=aims, primaries=primaries),
        "idea": ChangeIdeaForm(data("idea"), prefix="idea", drivers=drivers),
    }


def _kdd_summary(form: forms.Form) -> list[tuple[str | None, str]]:
    """(field id, "Label: message") for the error summary; the label says which of the page's forms erred."""
    return [
        (form[name].auto_id, f"{form[name].label}: {error}") if name in form.fields else (None, str(error))
        for name, errors in form.errors.items()
        for error in errors
    ]


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


@login_required
@require_http_methods(["GET", "POST"])
def kdd_edit(request: HttpRequest, public_id: str) -> HttpResponse:
    """Collaborative admins' page: the diagram with edit links, and forms to add an aim, a driver, a change idea."""
    collaborative = _kdd_administered(request, public_id)
    kind = request.POST.get("kind") if request.method == "POST" else None
    if kind not in (None, "aim", "driver", "idea"):
        kind = "aim"
    kdd_forms = _kdd_forms(request, collaborative, kind)
    if kind is not None:
        form = kdd_forms[kind]
        if form.is_valid():
            save: dict[str, Callable[..., Any]] = {
                "aim": services.aim_save,
                "driver": services.driver_save,
                "idea": services.change_idea_save,
            }
            try:
                save[kind](actor=request.user, collaborative=collaborative, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "Added to the key driver diagram.")
                return redirect("kdd-edit", public_id=collaborative.public_id)
    return render(
        request,
        "collaboratives/kdd_edit.html",
        {
            "collaborative": collaborative,
            "aims": _kdd_parts(request, collaborative)[0],
            "forms": kdd_forms,
            "error_summary": _kdd_summary(kdd_forms[kind]) if kind else [],
        },
        status=400 if kind and kdd_forms[kind].errors else 200,
    )


def _kdd_item_page(
    request: HttpRequest,
    collaborative: Collaborative,
    item: Any,
    form: forms.Form,
    label: str,
    save: Callable[..., Any],
) -> HttpResponse:
    """Save or delete one diagram item from its edit form; the page again (400) when the service refuses."""
    if request.method == "POST":
        try:
            if request.POST.get("action") == "delete":
                services.kdd_item_delete(actor=request.user, item=item)
                messages.success(request, f"{label} removed from the diagram.")
                return redirect("kdd-edit", public_id=collaborative.public_id)
            if form.is_valid():
                save(**form.cleaned_data)
                messages.success(request, f"{label} saved.")
                return redirect("kdd-edit", public_id=collaborative.public_id)
        except ValidationError as exc:
            add_service_errors(form, exc)
    return render(
        request,
        "collaboratives/kdd_item_form.html",
        {"collaborative": collaborative, "form": form, "label": label, "error_summary": _kdd_summary(form)},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def kdd_aim_edit(request: HttpRequest, public_id: str, number: int) -> HttpResponse:
    """One aim, addressed by its position in the diagram (aims have no public id of their own)."""
    collaborative = _kdd_administered(request, public_id)
    aims = list(Aim.objects.visible_to(request.user).filter(collaborative=collaborative))
    if not 1 <= number <= len(aims):
        raise Http404("No such aim.")
    aim = aims[number - 1]
    form = AimForm(
        request.POST if request.method == "POST" else None, initial={"text": aim.text, "order": aim.order}
    )
    save = partial(services.aim_save, actor=request.user, collaborative=collaborative, aim=aim)
    return _kdd_item_page(request, collaborative, aim, form, f"Aim {number}", save)


@login_required
@require_http_methods(["GET", "POST"])
def kdd_driver_edit(request: HttpRequest, public_id: str) -> HttpResponse:
    driver = get_object_or_404(Driver.objects.visible_to(request.user), public_id=public_id)
    collaborative = _kdd_administered(request, driver.collaborative.public_id)
    aims, primaries, _ = _kdd_parts(request, collaborative)
    under = (
        f"driver-{driver.parent.public_id}"
        if driver.parent is not None
        else f"aim-{next(n for n, aim in enumerate(aims, start=1) if aim.id == driver.aim_id)}"
    )
    form = DriverForm(
        request.POST if request.method == "POST" else None,
        aims=aims,
        primaries=[p for p in primaries if p.id != driver.id],
        initial={
            "text": driver.text,
            "description": driver.description,
            "order": driver.order,
            "under": under,
        },
    )
    save = partial(services.driver_save, actor=request.user, collaborative=collaborative, driver=driver)
    label = "Primary driver" if driver.is_primary else "Secondary driver"
    return _kdd_item_page(request, collaborative, driver, form, label, save)


@login_required
@require_http_methods(["GET", "POST"])
def kdd_idea_edit(request: HttpRequest, public_id: str) -> HttpResponse:
    idea = get_object_or_404(
        ChangeIdea.objects.visible_to(request.user).select_related("driver"), public_id=public_id
    )
    collaborative = _kdd_administered(request, idea.collaborative.public_id)
    form = ChangeIdeaForm(
        request.POST if request.method == "POST" else None,
        drivers=_kdd_parts(request, collaborative)[2],
        initial={"text": idea.text, "order": idea.order, "driver": str(idea.driver.public_id)},
    )
    save = partial(services.change_idea_save, actor=request.user, collaborative=collaborative, idea=idea)
    return _kdd_item_page(request, collaborative, idea, form, "Change idea", save)


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    items = notifications.notification_list(user=request.user)[:200]
    unread = notifications.notification_unread_count(user=request.user)
    return render(
        request, "collaboratives/notification_list.html", {"notifications": items, "unread": unread}
    )


@login_required
@require_POST
def notification_open(request: HttpRequest, public_id: str) -> HttpResponse:
    """Mark the notification read and go where it points (or back to the list)."""
    item = get_object_or_404(notifications.notification_list(user=request.user), public_id=public_id)
    notifications.notification_mark_read(actor=request.user, notification=item)
    return redirect(item.url or "notification-list")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = notifications.notification_mark_all_read(actor=request.user)
    messages.success(request, f"Marked {count} notification{'s' if count != 1 else ''} as read.")
    return redirect("notification-list")
