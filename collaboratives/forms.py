from django import forms
from django.core.exceptions import ValidationError

from collaboratives.models import ApiToken, Role
from collaboratives.services import API_TOKEN_LIFETIMES


class InvitationForm(forms.Form):
    email = forms.EmailField(label="Email address")
    role = forms.ChoiceField(
        choices=[(Role.TEAM_MEMBER, Role.TEAM_MEMBER.label), (Role.CQI_LEAD, Role.CQI_LEAD.label)],
        initial=Role.TEAM_MEMBER,
    )


class InvitationAcceptForm(forms.Form):
    full_name = forms.CharField(label="Your name", max_length=150, required=False)
    password = forms.CharField(
        label="Choose a password",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        required=False,
        help_text="At least 12 characters. A passphrase of a few words works well.",
    )


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label="What is it for?",
        max_length=80,
        help_text="A name to recognise it by, e.g. “State data warehouse”.",
        error_messages={"required": "Say what the token is for, e.g. 'State data warehouse'."},
    )
    scope = forms.ChoiceField(
        label="Access",
        choices=ApiToken.Scope.choices,
        initial=ApiToken.Scope.READ,
        widget=forms.RadioSelect,
        help_text="Read is enough to pull aggregates and run charts. Push also sends monthly data.",
    )
    lifetime_days = forms.TypedChoiceField(
        label="Expires after",
        choices=[(days, f"{days} days") for days in API_TOKEN_LIFETIMES],
        coerce=int,
        initial=90,
    )


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: keyed errors at their field, the rest above it."""
    for field, errors in exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]:
        for error in errors:
            form.add_error(field if field in form.fields else None, error)
