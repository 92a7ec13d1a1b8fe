import re
from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

from collaboratives import months
from measures import imports, medians
from measures.models import Measure, Observation, PhaseDecision
from measures.services import (
    MAX_VALUE,
    REOPEN_REASON_REQUIRED,
    TOO_LARGE,
    WHOLE_NUMBER,
    ObservationInput,
    note_problem,
)

# The import's grammar (measures/imports.py): digits only after trimming. Django's IntegerField would
# also take "12.0", "+5", "1_000" and non-ASCII digits such as "１２", which a file upload refuses.
_DIGITS = re.compile(r"[0-9]+")


class WholeNumberField(forms.IntegerField):
    """A count typed by a person: ASCII digits only, surrounding spaces ignored."""

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values or (isinstance(value, str) and not value.strip()):
            return None
        digits = str(value).strip()
        if not _DIGITS.fullmatch(digits):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        digits = digits.lstrip("0") or "0"
        # Python refuses int() of very long digit strings; past 10 digits the value is out of range anyway
        return int(digits) if len(digits) <= 10 else MAX_VALUE + 1


def _note_rules(value: str) -> None:
    """The service's rules for a note (measures.services.note_problem), shown at the field."""
    if (problem := note_problem(value)) is not None:
        raise ValidationError(problem)


def _number_field(label: str, help_text: str, disabled: bool) -> forms.IntegerField:
    # A text input with inputmode, not type=number: number inputs change on scroll and mangle
    # pasted values, and phones still get the numeric keypad (the GOV.UK pattern).
    return WholeNumberField(
        label=label,
        help_text=help_text,
        required=False,
        min_value=0,
        max_value=MAX_VALUE,
        disabled=disabled,
        error_messages={"invalid": WHOLE_NUMBER, "min_value": WHOLE_NUMBER, "max_value": TOO_LARGE},
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "off",
                "class": "form-control",
                "spellcheck": "false",
            }
        ),
    )


def _labels(measure: Measure) -> tuple[tuple[str, str], tuple[str, str] | None]:
    """(label, definition) for the numerator and, unless the measure is a count, the denominator."""
    if measure.kind == Measure.Kind.COUNT:
        return ("Count", measure.numerator_definition), None
    if measure.kind == Measure.Kind.MEAN:
        scale = f"Each score is from 0 to {measure.scale_max}."
        return (
            ("Sum of scores", f"{measure.numerator_definition} {scale}"),
            ("Number of scores", measure.denominator_definition or "How many scores were added up."),
        )
    return ("Numerator", measure.numerator_definition), ("Denominator", measure.denominator_definition)


class CasesField(forms.CharField):
    """A median measure's month: each case's whole-number value, typed "2, 0, 5"; cleaned to how many
    cases took each value (`measures.medians`), or None when left blank."""

    def to_python(self, value: Any) -> medians.Histogram | None:  # type: ignore[override]  # a histogram, not text
        text = super().to_python(value)
        if not text:
            return None
        try:
            return medians.parse(text)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None


def _cases_field(measure: Measure, *, disabled: bool) -> CasesField:
    return CasesField(
        label="Each case's value",
        help_text=f"{measure.numerator_definition} Whole numbers separated by commas, e.g. 2, 0, 5; "
        "the platform finds the median.",
        required=False,
        disabled=disabled,
        widget=forms.Textarea(
            attrs={"rows": 2, "class": "form-control", "autocomplete": "off", "spellcheck": "false"}
        ),
    )


class MonthEntryForm(forms.Form):
    """One team's month: per measure, numerator, denominator (not for counts), not applicable and a note.

    Field names are `<measure code>-<field>`, so the service's `<measure code>.<field>` errors map back
    onto the exact input.
    """

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        measures: list[Measure],
        observations: dict[int, Observation],
        read_only: bool,
        **kwargs: Any,
    ) -> None:
        initial: dict[str, Any] = {}
        for measure in measures:
            if (obs := observations.get(measure.id)) is not None:
                initial |= {
                    f"{measure.code}-numerator": obs.numerator,
                    f"{measure.code}-denominator": obs.denominator,
                    f"{measure.code}-cases": medians.expanded(medians.from_stored(obs.cases)),
                    f"{measure.code}-not_applicable": obs.not_applicable,
                    f"{measure.code}-note": obs.note,
                }
        super().__init__(data, initial=initial, **kwargs)
        self.measures = measures
        for measure in measures:
            if measure.kind == Measure.Kind.MEDIAN:
                self.fields[f"{measure.code}-cases"] = _cases_field(measure, disabled=read_only)
            else:
                numerator, denominator = _labels(measure)
                self.fields[f"{measure.code}-numerator"] = _number_field(*numerator, disabled=read_only)
                if denominator is not None:
                    self.fields[f"{measure.code}-denominator"] = _number_field(
                        *denominator, disabled=read_only
                    )
            self.fields[f"{measure.code}-not_applicable"] = forms.BooleanField(
                label="Not applicable this month",
                required=False,
                disabled=read_only,
                widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
            )
            self.fields[f"{measure.code}-note"] = forms.CharField(
                label="Note (optional)",
                required=False,
                max_length=2000,
                validators=[_note_rules],
                disabled=read_only,
                widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
            )

    def cells(self) -> list[ObservationInput]:
        data = self.cleaned_data
        return [
            ObservationInput(
                measure=m,
                numerator=data.get(f"{m.code}-numerator"),
                denominator=data.get(f"{m.code}-denominator"),
                note=data.get(f"{m.code}-note", "").strip(),
                not_applicable=bool(data.get(f"{m.code}-not_applicable")),
                cases=data.get(f"{m.code}-cases"),
            )
            for m in self.measures
        ]

    def add_service_errors(self, exc: ValidationError) -> None:
        """Put each `<code>.<field>` error on its input; anything else (the month) on the form."""
        for key, messages in exc.message_dict.items():
            name = key.replace(".", "-", 1) if "." in key else None
            for message in messages:
                self.add_error(name if name in self.fields else None, message)


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label="Why reopen this month?",
        max_length=2000,
        error_messages={"required": REOPEN_REASON_REQUIRED},
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )


MONTH_INVALID = "Enter a month as YYYY-MM, e.g. 2026-03."


def _month_field(label: str, help_text: str) -> forms.DateField:
    # YYYY-MM is what people type; YYYY-MM-DD is accepted too, and the service insists on the 1st.
    return forms.DateField(
        label=label,
        help_text=help_text,
        required=False,
        input_formats=[months.FORMAT, "%Y-%m-%d"],
        widget=forms.DateInput(
            format=months.FORMAT, attrs={"placeholder": "YYYY-MM", "inputmode": "numeric"}
        ),
        error_messages={"invalid": MONTH_INVALID},
    )


class MeasureForm(forms.Form):
    """A measure's definition as a collaborative admin edits it; measure_create/measure_update apply the rules.

    Numbers use text inputs with inputmode, as _number_field explains.
    """

    code = forms.SlugField(
        label="Code",
        max_length=30,
        help_text="Short and unique in the collaborative, e.g. dev-screen. Used in imports and the API.",
    )
    name = forms.CharField(label="Name", max_length=200)
    kind = forms.ChoiceField(
        label="Kind",
        choices=Measure.Kind.choices,
        help_text="Fixed once teams have reported data for the measure.",
    )
    direction = forms.ChoiceField(label="Direction", choices=Measure.Direction.choices)
    chart_type = forms.ChoiceField(
        label="Chart",
        choices=Measure.ChartType.choices,
        initial=Measure.ChartType.RUN,
        required=False,
        help_text="The chart its pages open with; people can switch. Control charts by kind: p′ or p for "
        "proportions, I or MR for mean scores, c, u′, u or I for counts.",
    )
    numerator_definition = forms.CharField(
        label="Numerator definition", widget=forms.Textarea(attrs={"rows": 3})
    )
    denominator_definition = forms.CharField(
        label="Denominator definition",
        required=False,
        help_text="Leave blank for counts.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    data_source = forms.CharField(
        label="Data source",
        max_length=200,
        required=False,
        help_text="Where the numbers come from, e.g. the monthly staff well-being survey.",
    )
    sensitive = forms.BooleanField(
        label="Sensitive: hide small counts outside the team",
        required=False,
        help_text="For topics such as IPV disclosures. Peers, pooled charts and exports do not show months "
        "with a count from 1 to the collaborative's threshold; the team and those who support it still do.",
    )
    scale_max = forms.IntegerField(
        label="Highest score",
        required=False,
        min_value=1,
        max_value=32767,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        help_text="Mean-score measures only: the highest score one answer can take, e.g. 6.",
    )
    goal = forms.DecimalField(
        label="Goal",
        required=False,
        max_digits=9,
        decimal_places=3,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        help_text="In display units: 85 for 85%, or a score on the scale for mean-score measures.",
    )
    active_from = _month_field(
        "First month reported", "Leave blank to report from the collaborative's start."
    )
    active_to = _month_field("Last month reported", "Leave blank to report until the collaborative's end.")
    order = forms.IntegerField(
        label="Order",
        min_value=0,
        max_value=32767,
        initial=0,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        help_text="Measures are listed by this number.",
    )

    def clean_chart_type(self) -> str:
        return self.cleaned_data.get("chart_type") or Measure.ChartType.RUN

    def add_service_errors(self, exc: ValidationError) -> None:
        for key, messages in exc.message_dict.items():
            for message in messages:
                self.add_error(key if key in self.fields else None, message)


class PhaseForm(forms.Form):
    start_month = forms.DateField(
        label="First month of the new phase",
        input_formats=[months.FORMAT],
        widget=forms.TextInput(attrs={"placeholder": "YYYY-MM", "inputmode": "numeric"}),
        error_messages={"invalid": "Enter a month as YYYY-MM, e.g. 2026-03."},
    )
    decision = forms.ChoiceField(choices=PhaseDecision.Decision.choices, widget=forms.HiddenInput)
    reason = forms.CharField(label="Reason", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class AnnotationForm(forms.Form):
    month = forms.DateField(
        label="Month",
        input_formats=[months.FORMAT],
        widget=forms.TextInput(attrs={"placeholder": "YYYY-MM", "inputmode": "numeric"}),
        error_messages={"invalid": "Enter a month as YYYY-MM, e.g. 2026-03."},
    )
    text = forms.CharField(label="Note", max_length=120)


LIMITS_MB = imports.MAX_FILE_BYTES // (1024 * 1024)


class UploadForm(forms.Form):
    file = forms.FileField(
        label="File to upload (.csv or .xlsx)",
        max_length=255,  # DataImport.filename
        error_messages={
            "required": "Choose a .csv or .xlsx file to upload.",
            "empty": "The file you chose is empty.",
            "max_length": "The file name is longer than 255 characters. Rename the file and upload it again.",
        },
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        # Checked on the size Django counted while receiving the file; the content is never read.
        if upload.size is not None and upload.size > imports.MAX_FILE_BYTES:
            raise forms.ValidationError(
                f"“{upload.name}” is larger than {LIMITS_MB} MB ({upload.size / (1024 * 1024):.1f} MB). "
                "Split it and upload each part."
            )
        return upload


class PeriodForm(forms.Form):
    """A span of months, first and last included (the funnel plot's period)."""

    start = forms.DateField(
        label="From", input_formats=[months.FORMAT], error_messages={"invalid": MONTH_INVALID},
        widget=forms.DateInput(format=months.FORMAT, attrs={"placeholder": "YYYY-MM", "inputmode": "numeric"}),
    )  # fmt: skip
    end = forms.DateField(
        label="To", input_formats=[months.FORMAT], error_messages={"invalid": MONTH_INVALID},
        widget=forms.DateInput(format=months.FORMAT, attrs={"placeholder": "YYYY-MM", "inputmode": "numeric"}),
    )  # fmt: skip

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", "The last month must not be before the first.")
        return data


class UndoForm(forms.Form):
    """Why a phase decision is undone (kept in the chart's phase history)."""

    reason = forms.CharField(label="Why undo it?", max_length=2000)
