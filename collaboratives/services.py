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
    ROLE_SCOPE,
    Aim,
    ApiToken,
    Awardee,
    ChangeIdea,
    Collaborative,
    Driver,
    Invitation,
    Membership,
    Role,
    Team,
)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


INVITATION_LIFETIMES = (7, 14, 30)  # days an inviter may choose from


def _scope_in_collaborative(collaborative: Collaborative, scope: Any) -> bool:
    """Whether a role's scope belongs to `collaborative`: one of its teams, an LIA or a state enrolled in it,
    or the collaborative itself."""
    teams = Team.objects.unscoped(reason="checking an invitation's scope against its collaborative").filter(
        collaborative=collaborative
    )
    if isinstance(scope, Team):
        return scope.collaborative_id == collaborative.id
    if isinstance(scope, LIA):
        return teams.filter(lia=scope).exists()
    if isinstance(scope, Awardee):
        return teams.filter(lia__awardee=scope).exists()
    return isinstance(scope, Collaborative) and scope.id == collaborative.id


@transaction.atomic
def invitation_send(
    *,
    actor: Any,
    email: str,
    role: str,
    lia: LIA | None = None,
    awardee: Awardee | None = None,
    collaborative: Collaborative | None = None,
    team: Team | None = None,
    via: Collaborative | None = None,
    lifetime_days: int = 14,
) -> Invitation:
    """Invite someone to a role and email them a one-time link (only its hash is stored).

    Without `via`, a CQI lead invites to their LIA's roster (team member or CQI lead). With `via`, an admin of
    that collaborative (or site staff) invites to any role whose scope (`lia`, `awardee`, `collaborative` or
    `team`, as ROLE_SCOPE says) belongs to it.
    """
    scopes = {"lia": lia, "awardee": awardee, "collaborative": collaborative, "team": team}
    if role not in Role.values:
        raise ValidationError({"role": "Choose a role."})
    needed = ROLE_SCOPE[Role(role)]
    if via is None:
        if lia is None:
            raise ValidationError({"lia": "Choose the LIA."})
        access.require(actor, access.Action.MANAGE_ROSTER, lia)
        if role not in (Role.TEAM_MEMBER, Role.CQI_LEAD):
            raise ValidationError({"role": "Invite someone as a team member or a CQI lead."})
    else:
        access.require(actor, access.Action.INVITE_PEOPLE, via)
        if scopes[needed] is None:
            raise ValidationError(
                {needed: f"Choose the {SCOPE_WORDS[needed]} for {Role(role).label.lower()}."}
            )
        if not _scope_in_collaborative(via, scopes[needed]):
            raise ValidationError({needed: f"That {SCOPE_WORDS[needed]} is not part of {via.short_name}."})
    if lifetime_days not in INVITATION_LIFETIMES:
        raise ValidationError({"lifetime_days": "Choose 7, 14 or 30 days."})
    email = email.strip().lower()
    scope = scopes[needed]
    held = Membership.objects.unscoped(reason="the actor may invite to this scope").filter(
        role=role, user__email__iexact=email, **{needed: scope}
    )
    if held.exists():
        where = "on this LIA's roster" if needed == "lia" else f"for {scope}"
        raise ValidationError({"email": f"{email} is already {where} in that role."})
    invitation = Invitation(
        email=email,
        role=role,
        via=via,
        invited_by=actor,
        expires_at=timezone.now() + dt.timedelta(days=lifetime_days),
        **{needed: scope},
    )
    return _invitation_mail(invitation, actor=actor)


# What each scope column is called in an error message.
SCOPE_WORDS = {"lia": "LIA", "awardee": "awardee", "collaborative": "collaborative", "team": "team"}


def _invitation_mail(invitation: Invitation, *, actor: Any) -> Invitation:
    """Give the invitation a fresh one-time token, save it and email the link after commit."""
    token = secrets.token_urlsafe(32)
    invitation.token_hash = _token_hash(token)
    invitation.sent_at = timezone.now()
    invitation.full_clean()
    invitation.save()
    link = settings.SITE_URL.rstrip("/") + reverse("invitation-accept", args=[token])
    body = render_to_string(
        "collaboratives/email/invitation.txt",
        {"invitation": invitation, "link": link, "inviter": actor, "expires": invitation.expires_at},
    )
    subject = f"You are invited to {invitation.scope} on the CoIIN platform"
    email = invitation.email
    transaction.on_commit(lambda: send_mail(subject, body, None, [email]))
    return invitation


@transaction.atomic
def invitation_resend(*, actor: Any, invitation: Invitation, lifetime_days: int = 14) -> Invitation:
    """Email a pending invitation again with a new link and expiry; the old link stops working."""
    if not access.may_manage_invitation(actor, invitation):
        raise PermissionDenied("Only whoever may send this invitation may resend it.")
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise ValidationError({"invitation": "This invitation was already accepted or revoked."})
    if lifetime_days not in INVITATION_LIFETIMES:
        raise ValidationError({"lifetime_days": "Choose 7, 14 or 30 days."})
    invitation.expires_at = timezone.now() + dt.timedelta(days=lifetime_days)
    invitation.invited_by = actor  # the email says who is asking now
    return _invitation_mail(invitation, actor=actor)


@transaction.atomic
def invitation_revoke(*, actor: Any, invitation: Invitation) -> Invitation:
    """Stop a pending invitation's link from working; revoking twice keeps the first time."""
    if not access.may_manage_invitation(actor, invitation):
        raise PermissionDenied("Only whoever may send this invitation may revoke it.")
    if invitation.accepted_at is not None:
        raise ValidationError({"invitation": "This invitation was already accepted."})
    Invitation.objects.visible_to(actor).filter(id=invitation.id, revoked_at=None).update(
        revoked_at=timezone.now()
    )
    invitation.refresh_from_db()
    return invitation


def invitation_for_token(token: str) -> Invitation | None:
    """The open invitation a link's token belongs to, or None if unknown, used or expired."""
    return (
        Invitation.objects.unscoped(reason="the emailed token is the credential")
        .select_related("lia", "awardee", "collaborative", "team__lia", "team__collaborative")
        .filter(
            token_hash=_token_hash(token),
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
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
    scope = ROLE_SCOPE[Role(invitation.role)]
    Membership.objects.unscoped(reason="the invitation names the scope").get_or_create(
        user=user, role=invitation.role, **{scope: getattr(invitation, scope)}
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


@transaction.atomic
def profile_update(*, actor: Any, first_name: str, last_name: str) -> Any:
    """Change the name a person is shown by (their email is their login and stays)."""
    first_name, last_name = first_name.strip(), last_name.strip()
    if not first_name:
        raise ValidationError({"first_name": "Enter your first name."})
    actor.first_name, actor.last_name = first_name, last_name
    actor.full_clean(exclude=["password"])
    actor.save(update_fields=["first_name", "last_name"])
    return actor
