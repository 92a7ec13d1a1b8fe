"""Forms of the referral pages. Labels of the family's form are translated (English and Spanish)."""

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from referrals.models import ConsentScope, ContactAttempt, Fact, Language, Operator, Outcome, Program
from referrals.services import DECLINE_REASONS, intake_validate

YES_NO_UNSURE = [("yes", _("Yes")), ("no", _("No")), ("unsure", _("Not sure"))]


def _tri(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


class DateInput(forms.DateInput):
    input_type = "date"


class IntakeForm(forms.Form):
    """What intake needs to know, and no more (the minimal necessary information)."""

    family_name = forms.CharField(label=_("Your name"), max_length=120)
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    email = forms.EmailField(label=_("Email (if you prefer)"), required=False, max_length=254)
    contact_time = forms.CharField(
        label=_("Best days and times to reach you"), max_length=120, required=False
    )
    zip_code = forms.RegexField(
        label=_("ZIP code"),
        regex=r"^\d{5}$",
        max_length=5,
        error_messages={"invalid": _("Enter a 5-digit ZIP code.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}),
    )
    due_date = forms.DateField(label=_("Due date, if you are expecting"), required=False, widget=DateInput)
    child_birth_date = forms.DateField(
        label=_("Youngest child's date of birth, if born"), required=False, widget=DateInput
    )
    first_time_parent = forms.ChoiceField(
        label=_("Is this your first child?"),
        choices=YES_NO_UNSURE,
        widget=forms.RadioSelect,
        initial="unsure",
    )
    needs = forms.CharField(
        label=_("What would you like help with? (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    language = forms.ChoiceField(label=_("Language for home visits"), choices=Language.choices)

    def clean(self) -> dict[str, Any]:
        """The same date, contact and contradiction rules the service applies (one owner: intake_validate)."""
        cleaned = super().clean() or {}
        if not any(f in self.errors for f in ("phone", "email", "due_date", "child_birth_date")):
            try:
                intake_validate(self.intake(), timezone.localdate())
            except ValidationError as exc:
                add_service_errors(self, exc)
        return cleaned

    def intake(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "family_name": d.get("family_name"),
            "phone": d.get("phone") or None,
            "email": d.get("email") or None,
            "contact_time": d.get("contact_time") or None,
            "zip_code": d.get("zip_code"),
            "due_date": d.get("due_date"),
            "child_birth_date": d.get("child_birth_date"),
            "first_time_parent": _tri(d.get("first_time_parent")),
            "income_below_poverty": None,
            "needs": d.get("needs") or None,
            "language": d.get("language"),
        }


class SelfReferralForm(IntakeForm):
    consent = forms.BooleanField(
        label=_(
            "I agree that the intake hub may share how to reach me, and what I would like help with, "
            "with the home visiting program I choose."
        ),
        error_messages={"required": _("Please agree so that a program can contact you.")},
    )


class PartnerReferralForm(IntakeForm):
    family_name = forms.CharField(label="Family's name", max_length=120)
    consent_scope = forms.ChoiceField(
        label="The family agreed to share", choices=ConsentScope.choices, widget=forms.RadioSelect
    )
    consent_programs = forms.ModelMultipleChoiceField(
        label="Programs the family agreed may receive it (none ticked: any program that fits)",
        queryset=Program.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    consent = forms.BooleanField(label="The family gave consent to this referral.")

    def __init__(self, *args: Any, programs: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelMultipleChoiceField, self.fields["consent_programs"]).queryset = programs


class ScreenForm(forms.Form):
    first_time_parent = forms.ChoiceField(
        label="First child?", choices=YES_NO_UNSURE, widget=forms.RadioSelect
    )
    income_below_poverty = forms.ChoiceField(
        label="Household income below the poverty line?", choices=YES_NO_UNSURE, widget=forms.RadioSelect
    )

    def answers(self) -> dict[str, bool | None]:
        return {k: _tri(v) for k, v in self.cleaned_data.items()}


class ChooseForm(forms.Form):
    program = forms.UUIDField(label="The family's choice")


class CancelForm(forms.Form):
    reason = forms.CharField(label="Why cancel", max_length=200)


class DeclineForm(forms.Form):
    reason = forms.ChoiceField(label="Why decline", choices=list(DECLINE_REASONS.items()))


class AttemptForm(forms.Form):
    method = forms.ChoiceField(label="How", choices=ContactAttempt.Method.choices)
    reached = forms.TypedChoiceField(
        label="Reached the family?", choices=[("no", "No"), ("yes", "Yes")], coerce=lambda v: v == "yes"
    )
    note = forms.CharField(label="Note (optional)", max_length=500, required=False)


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(label="Outcome", choices=Outcome.choices)


class ProgramForm(forms.ModelForm):
    service_zips = forms.CharField(
        label="ZIP codes served (comma-separated)", max_length=2000, required=False
    )
    languages = forms.MultipleChoiceField(
        label="Languages", choices=Language.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    rules = forms.CharField(
        label="Eligibility rules",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="One condition per line: group, fact, operator and (for at_most/at_least) a number, "
        "e.g. '1 pregnant is_true' or '2 child_age_months at_most 2'. Conditions of a group must all "
        "hold; any group suffices; no line: every family in the area. Facts: "
        + ", ".join(Fact.values)
        + ". Operators: "
        + ", ".join(Operator.values)
        + ".",
    )

    class Meta:
        model = Program
        fields = ["name", "description", "open_slots", "capacity", "accepting"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["service_zips"] = ", ".join(self.instance.service_zips)
            self.initial["languages"] = self.instance.languages
            self.initial["rules"] = "\n".join(
                " ".join(str(x) for x in (r.group, r.fact, r.operator, r.value) if x is not None)
                for r in self.instance.rules.all()
            )

    def clean_rules(self) -> list[dict[str, Any]]:
        """Each line as {group, fact, operator, value}; an error names the line."""
        rules = []
        for number, line in enumerate(self.cleaned_data["rules"].splitlines(), start=1):
            parts = line.split()
            if not parts:
                continue
            ok = len(parts) in (3, 4) and parts[0].isdigit() and parts[1] in Fact.values
            ok = ok and parts[2] in Operator.values and (len(parts) == 4) == (parts[2] != Operator.IS_TRUE)
            ok = ok and (len(parts) == 3 or parts[3].isdigit())
            if not ok:
                raise ValidationError(
                    f"Line {number}: write group, fact, operator and (for at_most/at_least) a number."
                )
            rules.append({"group": int(parts[0]), "fact": parts[1], "operator": parts[2],
                          "value": int(parts[3]) if len(parts) == 4 else None})  # fmt: skip
        return rules

    def clean_service_zips(self) -> list[str]:
        return [z.strip() for z in self.cleaned_data["service_zips"].split(",") if z.strip()]


class IntakeChartsForm(forms.Form):
    """Which month-by-month charts the network dashboard draws: the whole network's, or one program's."""

    program = forms.ChoiceField(
        label="Charts for",
        required=False,
        error_messages={"invalid_choice": "Choose the whole network or one of its programs from the list."},
    )

    def __init__(self, data: Any, *, programs: list[Program]) -> None:
        super().__init__(data)
        self.programs = {str(p.public_id): p for p in programs}
        cast(forms.ChoiceField, self.fields["program"]).choices = [
            ("", "The whole network"),
            *((str(p.public_id), p.name) for p in programs),
        ]

    def chosen(self) -> Program | None:
        """The program chosen, or None for the whole network (also when the choice is not one of them)."""
        if not self.is_valid():
            return None
        return self.programs.get(self.cleaned_data["program"])


def add_service_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]:
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


def error_summary(form: forms.BaseForm) -> list[tuple[str | None, str]]:
    """(field id, "Label: message") pairs for the error summary above a form: each names its field."""
    out: list[tuple[str | None, str]] = []
    for name, errors in form.errors.items():
        if name in form.fields:
            bound = form[name]
            multi = isinstance(bound.field.widget, (forms.RadioSelect, forms.CheckboxSelectMultiple))
            label = str(bound.label).rstrip("?.:")
            if len(label) > 60:  # the consent's whole sentence: its own message says what to do
                out += [(bound.auto_id + ("_0" if multi else ""), str(e)) for e in errors]
            else:
                out += [(bound.auto_id + ("_0" if multi else ""), f"{label}: {e}") for e in errors]
    return out + [(None, str(e)) for e in form.non_field_errors()]
