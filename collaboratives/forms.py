from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from collaboratives.models import LIA, ApiToken, Awardee, Role, Team
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


def error_summary(form: forms.Form) -> list[tuple[str | None, str]]:
    """(input id or None, message) for every error of `form`, for the summary above it.

    Each field error links to its input (a group of radios or boxes to its first one); errors that belong
    to no field are listed too, unlinked, so the summary never leaves an error out.
    """
    return [
        (_input_id(form[name]) if name in form.fields else None, str(error))
        for name, errors in form.errors.items()
        for error in errors
    ]


def _input_id(bound: forms.BoundField) -> str:
    if isinstance(bound.field.widget, (forms.RadioSelect, forms.CheckboxSelectMultiple)):
        return f"{bound.auto_id}_0"
    return bound.auto_id


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: keyed errors at their field, the rest above it."""
    for field, errors in exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]:
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


# --- Key driver diagram editing (issue 6) ---


class AimForm(forms.Form):
    text = forms.CharField(label="SMART aim", widget=forms.Textarea(attrs={"rows": 3}))
    order = forms.IntegerField(label="Position", min_value=0, max_value=32767, initial=0)


class DriverForm(forms.Form):
    """A driver and where it hangs: `under` is an aim (`aim-<position>`) or a primary driver (`driver-<uuid>`)."""

    text = forms.CharField(label="Driver", max_length=300)
    under = forms.ChoiceField(label="Drives")
    description = forms.CharField(
        label="Description (optional)", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    order = forms.IntegerField(label="Position", min_value=0, max_value=32767, initial=0)

    def __init__(self, *args: Any, aims: list[Any], primaries: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.targets = {f"aim-{n}": ("aim", aim) for n, aim in enumerate(aims, start=1)} | {
            f"driver-{d.public_id}": ("parent", d) for d in primaries
        }
        cast(forms.ChoiceField, self.fields["under"]).choices = [
            ("", "Choose an aim or a primary driver"),
            (
                "Aims (this is a primary driver)",
                [(f"aim-{n}", f"Aim {n}: {a.text[:90]}") for n, a in enumerate(aims, 1)],
            ),
            (
                "Primary drivers (this is a secondary driver)",
                [(f"driver-{d.public_id}", d.text[:100]) for d in primaries],
            ),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "under" in data:
            kind, target = self.targets[data.pop("under")]
            data["aim"], data["parent"] = (target, None) if kind == "aim" else (None, target)
        return data


class ChangeIdeaForm(forms.Form):
    text = forms.CharField(label="Change idea", max_length=300)
    driver = forms.ChoiceField(label="Driver it serves")
    order = forms.IntegerField(label="Position", min_value=0, max_value=32767, initial=0)

    def __init__(self, *args: Any, drivers: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.drivers = {str(d.public_id): d for d in drivers}
        cast(forms.ChoiceField, self.fields["driver"]).choices = [("", "Choose a driver")] + [
            (str(d.public_id), ("— " if d.parent_id else "") + d.text[:100]) for d in drivers
        ]

    def clean_driver(self) -> Any:
        return self.drivers[self.cleaned_data["driver"]]


# --- Running a collaborative (issue 21) ---


class LIAChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.awardee.name})"


class TeamChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.lia.name} ({obj.code})"


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.get_full_name() or obj.email} ({obj.email})"


def _model_choice(form: forms.Form, name: str) -> forms.ModelChoiceField:
    return cast(forms.ModelChoiceField, form.fields[name])


_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class EnrolForm(forms.Form):
    lia: forms.ModelChoiceField = LIAChoiceField(
        queryset=LIA.objects.none(), to_field_name="public_id", label="LIA", empty_label="Choose an LIA"
    )
    code = forms.CharField(
        label="Team code", max_length=12, help_text="Shown to peers when charts are anonymised, e.g. T07."
    )
    joined_on = forms.DateField(label="Joined on", widget=_DATE)

    def __init__(self, *args: Any, lias: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _model_choice(self, "lia").queryset = lias


class WithdrawForm(forms.Form):
    withdrawn_on = forms.DateField(label="Withdrawn on", widget=_DATE)


class AdvisorAssignForm(forms.Form):
    team: forms.ModelChoiceField = TeamChoiceField(
        queryset=Team.objects.none(), to_field_name="public_id", label="Team", empty_label="Choose a team"
    )
    advisor: forms.ModelChoiceField = PersonChoiceField(
        queryset=get_user_model().objects.none(),
        to_field_name="email",
        label="Improvement advisor",
        empty_label="Choose an advisor",
        help_text="Someone new to the collaborative? Invite them as an improvement advisor below.",
    )

    def __init__(self, *args: Any, teams: Any, advisors: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _model_choice(self, "team").queryset = teams
        _model_choice(self, "advisor").queryset = advisors


class CollaborativeInviteForm(forms.Form):
    """Invite anyone to any role of a collaborative; the service says which of team, LIA or awardee it needs."""

    email = forms.EmailField(label="Email address")
    role = forms.ChoiceField(label="Role", choices=Role.choices, initial=Role.TEAM_MEMBER)
    lia: forms.ModelChoiceField = LIAChoiceField(
        queryset=LIA.objects.none(),
        to_field_name="public_id",
        required=False,
        label="LIA (for a team member or CQI lead)",
        empty_label="—",
    )
    team: forms.ModelChoiceField = TeamChoiceField(
        queryset=Team.objects.none(),
        to_field_name="public_id",
        required=False,
        label="Team (for an improvement advisor)",
        empty_label="—",
    )
    awardee: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=Awardee.objects.none(),
        to_field_name="public_id",
        required=False,
        label="Awardee (for an awardee lead)",
        empty_label="—",
    )
    lifetime_days = forms.TypedChoiceField(
        label="The link expires after",
        choices=[(7, "7 days"), (14, "14 days"), (30, "30 days")],
        coerce=int,
        initial=14,
    )

    def __init__(self, *args: Any, teams: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        teams = teams.select_related("lia__awardee")
        _model_choice(self, "team").queryset = teams
        _model_choice(self, "lia").queryset = LIA.objects.unscoped(
            reason="the LIAs of the admin's teams"
        ).filter(teams__in=teams)
        _model_choice(self, "awardee").queryset = (
            Awardee.objects.unscoped(reason="the awardees of the admin's teams")
            .filter(lias__teams__in=teams)
            .distinct()
        )


class ResendForm(forms.Form):
    lifetime_days = forms.TypedChoiceField(
        label="New link expires after",
        choices=[(7, "7 days"), (14, "14 days"), (30, "30 days")],
        coerce=int,
        initial=14,
    )


class ProfileForm(forms.Form):
    first_name = forms.CharField(label="First name", max_length=150)
    last_name = forms.CharField(label="Last name", max_length=150, required=False)
