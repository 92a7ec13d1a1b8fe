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
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from collaboratives import access
from collaboratives.models import LIA, Invitation, Membership, Role

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
