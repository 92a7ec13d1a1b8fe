import datetime as dt
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import ProtectedError, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from collaboratives import access
from collaboratives.models import (
    LIA,
    Aim,
    ApiToken,
    ChangeIdea,
    Collaborative,
    Driver,
    Invitation,
    Membership,
    Role,
)

INVITATION_LIFETIME = dt.timedelta(days=14)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def invitation_send(*, actor: Any, lia: LIA, email: str, role: str) -> Invitation:
    """Invite someone to an LIA's roster and email them a one-time link (only its hash is stored)."""
    access.require(actor, access.Action.MANAGE_ROSTER, lia)
    email = email.strip().lower()
    if role not in (Role.TEAM_MEMBER, Role.CQI_LEAD):
        raise ValidationError({"role": "Invite someone as a team member or a CQI lead."})
    roster = Membership.objects.unscoped(reason="the actor manages this LIA's roster").filter(lia=lia)
    if roster.filter(role=role, user__email__iexact=email).exists():
        raise ValidationError({"email": f"{email} is already on this LIA's roster in that role."})
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        lia=lia,
        email=email,
        role=role,
        invited_by=actor,
        token_hash=_token_hash(token),
        expires_at=timezone.now() + INVITATION_LIFETIME,
    )
    invitation.full_clean()
    invitation.save()
    link = settings.SITE_URL.rstrip("/") + reverse("invitation-accept", args=[token])
    body = render_to_string(
        "collaboratives/email/invitation.txt",
        {"invitation": invitation, "link": link, "inviter": actor, "expires": invitation.expires_at},
    )
    transaction.on_commit(
        lambda: send_mail(f"You are invited to {lia.name} on the CoIIN platform", body, None, [email])
    )
    return invitation


def invitation_for_token(token: str) -> Invitation | None:
    """The open invitation a link's token belongs to, or None if unknown, used or expired."""
    return (
        Invitation.objects.unscoped(reason="the emailed token is the credential")
        .select_related("lia")
        .filter(token_hash=_token_hash(token), accepted_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )


@transaction.atomic
def invitation_accept(
    *, invitation: Invitation, user: Any | None, full_name: str = "", password: str = ""
) -> Any:
    """Put the invited person on the roster, creating their account when they have none.

    Claims the invitation with a conditional update so a link works once, even when clicked twice.
    """
    User = get_user_model()
    if user is not None and user.email.lower() != invitation.email:
        raise ValidationError("This invitation was sent to another email address.")
    if user is None and User.objects.filter(email__iexact=invitation.email).exists():
        raise ValidationError("An account with this email already exists: sign in, then open the link again.")
    if user is None:
        first, _, last = full_name.strip().partition(" ")
        if not first:
            raise ValidationError({"full_name": "Enter your name."})
        user = User(username=invitation.email, email=invitation.email, first_name=first, last_name=last)
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from None
        user.set_password(password)
        user.full_clean()
        user.save()
    invitations = Invitation.objects.unscoped(reason="the emailed token is the credential")
    claimed = invitations.filter(id=invitation.id, accepted_at__isnull=True).update(
        accepted_at=timezone.now()
    )
    if not claimed:
        raise ValidationError("This invitation has already been used.")
    Membership.objects.unscoped(reason="the invitation names the LIA").get_or_create(
        user=user, role=invitation.role, lia=invitation.lia
    )
    access.forget(user)
    return user


# --- Personal API tokens (issue 8) ---

API_TOKEN_PREFIX = "coiin_"  # noqa: S105 (recognisable in logs and secret scanners, and refused in query strings)
API_TOKEN_LIFETIMES = (30, 90, 180, 365)  # days a person may choose from
API_TOKEN_TOUCH_INTERVAL = dt.timedelta(minutes=1)  # last_used_at is written at most this often


@transaction.atomic
def api_token_create(*, actor: Any, name: str, scope: str, lifetime_days: int) -> tuple[ApiToken, str]:
    """Create a personal token for `actor`; returns the row and the token, which is never stored or shown again.

    256 random bits; only the SHA-256 of the token is kept, and a short prefix to recognise it in lists.
    """
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDenied("Sign in to create an API token.")
    errors = {}
    if not name.strip():
        errors["name"] = "Say what the token is for, e.g. 'State data warehouse'."
    if scope not in ApiToken.Scope.values:
        errors["scope"] = "Choose read, or read and push monthly data."
    if lifetime_days not in API_TOKEN_LIFETIMES:
        errors["lifetime_days"] = "Choose 30, 90, 180 or 365 days."
    if errors:
        raise ValidationError(errors)
    key = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=actor,
        name=name.strip(),
        prefix=key[:12],
        token_hash=_token_hash(key),
        scope=scope,
        expires_at=timezone.now() + dt.timedelta(days=lifetime_days),
    )
    token.full_clean()
    token.save()
    return token, key


@transaction.atomic
def api_token_revoke(*, actor: Any, token: ApiToken) -> ApiToken:
    """Revoke one of the actor's own tokens; revoking twice keeps the first revocation time."""
    if token.user_id != actor.id:
        raise PermissionDenied("You may revoke only your own tokens.")
    ApiToken.objects.visible_to(actor).filter(id=token.id, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    token.refresh_from_db()
    return token


def api_token_authenticate(*, key: str, now: dt.datetime | None = None) -> ApiToken | None:
    """The live token `key` belongs to (by hash lookup), or None when unknown, expired, revoked or its user inactive.

    Records the use at most once per API_TOKEN_TOUCH_INTERVAL, so a busy client does not write on every call.
    """
    now = now or timezone.now()
    token = (
        ApiToken.objects.unscoped(reason="authentication: the caller is known only by the token's hash")
        .select_related("user")
        .filter(
            token_hash=_token_hash(key), revoked_at__isnull=True, expires_at__gt=now, user__is_active=True
        )
        .first()
    )
    if token is None:
        return None
    touched = (
        ApiToken.objects.unscoped(reason="the token just authenticated its own request")
        .filter(id=token.id)
        .filter(Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - API_TOKEN_TOUCH_INTERVAL))
        .update(last_used_at=now)
    )
    if touched:
        token.last_used_at = now
    return token


# --- Key driver diagram editing (issue 6) ---

KddItem = Aim | Driver | ChangeIdea


def _text(value: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: "Enter the text."})
    return value


@transaction.atomic
def aim_save(
    *, actor: Any, collaborative: Collaborative, text: str, order: int, aim: Aim | None = None
) -> Aim:
    """Add a SMART aim to the collaborative's diagram, or change one of its aims."""
    access.require(actor, access.Action.ADMINISTER, collaborative)
    if aim is not None and aim.collaborative_id != collaborative.id:
        raise ValidationError({"aim": "This aim belongs to another collaborative."})
    aim = aim or Aim(collaborative=collaborative)
    aim.text, aim.order = _text(text, "text"), order
    aim.full_clean()
    aim.save()
    return aim


@transaction.atomic
def driver_save(
    *,
    actor: Any,
    collaborative: Collaborative,
    text: str,
    order: int,
    description: str = "",
    aim: Aim | None = None,
    parent: Driver | None = None,
    driver: Driver | None = None,
) -> Driver:
    """Add or change a driver: primary when it serves an `aim`, secondary when it hangs off a primary `parent`."""
    access.require(actor, access.Action.ADMINISTER, collaborative)
    if (aim is None) == (parent is None):
        raise ValidationError(
            {"under": "Choose the aim (primary driver) or the primary driver (secondary driver)."}
        )
    if any(o is not None and o.collaborative_id != collaborative.id for o in (aim, parent, driver)):
        raise ValidationError({"under": "That aim or driver belongs to another collaborative."})
    if parent is not None and not parent.is_primary:
        raise ValidationError({"under": "A secondary driver hangs off a primary driver."})
    if (
        driver is not None
        and parent is not None
        and (parent.id == driver.id or driver.secondary_drivers.exists())
    ):
        raise ValidationError({"under": "A driver with secondary drivers of its own stays a primary driver."})
    driver = driver or Driver(collaborative=collaborative)
    driver.text, driver.description, driver.order = _text(text, "text"), description.strip(), order
    driver.aim, driver.parent = aim, parent
    driver.full_clean()
    driver.save()
    return driver


@transaction.atomic
def change_idea_save(
    *,
    actor: Any,
    collaborative: Collaborative,
    driver: Driver,
    text: str,
    order: int,
    idea: ChangeIdea | None = None,
) -> ChangeIdea:
    """Add a change idea under a driver, or change one (its PDSA cycles stay linked to it)."""
    access.require(actor, access.Action.ADMINISTER, collaborative)
    if driver.collaborative_id != collaborative.id or (
        idea is not None and idea.collaborative_id != collaborative.id
    ):
        raise ValidationError({"driver": "That driver belongs to another collaborative."})
    idea = idea or ChangeIdea(collaborative=collaborative)
    idea.driver, idea.text, idea.order = driver, _text(text, "text"), order
    idea.full_clean()
    idea.save()
    return idea


@transaction.atomic
def kdd_item_delete(*, actor: Any, item: KddItem) -> None:
    """Remove an aim, driver or change idea and everything under it; refused while PDSA cycles test any of it."""
    access.require(actor, access.Action.ADMINISTER, item.collaborative)
    try:
        item.delete()
    except ProtectedError:
        raise ValidationError(
            "Teams have PDSA cycles testing this (or a change idea under it), so it stays in the diagram. "
            "Reword it instead."
        ) from None
