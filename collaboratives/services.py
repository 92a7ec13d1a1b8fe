import datetime as dt
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import ProtectedError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from collaboratives import access
from collaboratives.models import LIA, Aim, ChangeIdea, Collaborative, Driver, Invitation, Membership, Role

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
    if Membership.objects.filter(lia=lia, role=role, user__email__iexact=email).exists():
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
        Invitation.objects.select_related("lia")
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
    claimed = Invitation.objects.filter(id=invitation.id, accepted_at__isnull=True).update(
        accepted_at=timezone.now()
    )
    if not claimed:
        raise ValidationError("This invitation has already been used.")
    Membership.objects.get_or_create(user=user, role=invitation.role, lia=invitation.lia)
    access.forget(user)
    return user


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
