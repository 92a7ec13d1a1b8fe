from django import forms
from django.core.exceptions import ValidationError

from collaboratives.models import Role


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


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: keyed errors at their field, the rest above it."""
    for field, errors in exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]:
        for error in errors:
            form.add_error(field if field in form.fields else None, error)
