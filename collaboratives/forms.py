from django import forms

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
