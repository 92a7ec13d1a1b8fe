import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError


def _field(question: dict[str, Any]) -> forms.Field:
    common: dict[str, Any] = {
        "label": question["label"],
        "required": False,
        "help_text": question.get("help", ""),
    }
    match question["type"]:
        case "text":
            return forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), **common)
        case "short":
            return forms.CharField(**common)
        case "choice":
            choices = [(o, o) for o in question["options"]]
            if question.get("widget") == "select":
                return forms.ChoiceField(choices=[("", "Choose…"), *choices], **common)
            return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
        case "checklist":
            return forms.MultipleChoiceField(
                choices=[(o, o) for o in question["options"]], widget=forms.CheckboxSelectMultiple, **common
            )
        case "date":
            return forms.DateField(
                widget=forms.DateInput(attrs={"type": "date"}),
                error_messages={"invalid": "Enter a date as YYYY-MM-DD."},
                **common,
            )
        case "number":
            # A text input with inputmode, as on the data entry page: number inputs change on scroll.
            return forms.IntegerField(
                min_value=question.get("min"),
                step_size=question.get("multiple_of"),
                error_messages={"invalid": "Enter a whole number."},
                widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
                **common,
            )
    raise ValueError(f"Unknown question type {question['type']}")


def _own_label(bound: forms.BoundField) -> str:
    """A row question's own label without its row's name ("Safety: strengths and gaps" → "Strengths and gaps")."""
    label = str(bound.label)
    return label.split(": ", 1)[-1].capitalize()


def title_level(definition: dict[str, Any]) -> int:
    return 3 if any(section.get("part") for section in definition["sections"]) else 2


@dataclass(frozen=True)
class Row:
    label: str
    fields: list[forms.BoundField]
    depends_on: str = ""  # the checklist option that makes this row answerable, if any


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    part: str
    intro: str
    plain: list[forms.BoundField]  # questions outside a row
    rows: list[Row]
    display: str = ""  # "grid": rows as a table, a choice question's options as columns
    row_heading: str = ""

    @property
    def grid_columns(self) -> list[str]:
        """For a grid, the column headings: the first row's choice options, then its other questions."""
        columns: list[str] = []
        for bound in self.rows[0].fields:
            if isinstance(bound.field.widget, forms.RadioSelect):
                columns += [str(label) for _, label in bound.field.widget.choices]
            else:
                columns.append(_own_label(bound))
        return columns


class WorksheetForm(forms.Form):
    """A form built from a worksheet template's definition: one field per question, named by its key.

    The form parses what the browser sends (dates, ticked boxes); the service validates the answers
    against the template, and its errors land back on the fields of the same names.
    """

    SHARE = "share_with_team"

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        definition: dict[str, Any],
        answers: dict[str, Any],
        shareable: bool = False,
        shared: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(data, initial={**answers, self.SHARE: shared}, **kwargs)
        self.definition = definition
        for section in definition["sections"]:
            for question in section["questions"]:
                self.fields[question["key"]] = _field(question)
        if shareable:
            self.fields[self.SHARE] = forms.BooleanField(
                label="Share my answers with my team",
                required=False,
                help_text="Unshared answers are seen by you alone. Either way your ratings count, "
                "anonymously, in the team's roll-up once five or more people have answered.",
            )

    def answers(self) -> dict[str, Any]:
        return {
            key: value.isoformat() if isinstance(value, dt.date) else value
            for key, value in self.cleaned_data.items()
            if key != self.SHARE
        }

    @property
    def shared(self) -> bool:
        return bool(self.cleaned_data.get(self.SHARE))

    def add_service_errors(self, exc: ValidationError) -> None:
        for key, messages in exc.message_dict.items():
            self.add_error(key if key in self.fields else None, messages)

    @property
    def title_level(self) -> int:
        """Section titles are h3 under Part headings (h2) when the template has parts, else h2."""
        return title_level(self.definition)

    def sections(self) -> list[Section]:
        out = []
        for section in self.definition["sections"]:
            plain: list[forms.BoundField] = []
            rows: list[Row] = []
            for question in section["questions"]:
                bound = self[question["key"]]
                if "row" not in question:
                    plain.append(bound)
                elif rows and rows[-1].label == question["row"]:
                    rows[-1].fields.append(bound)
                else:
                    rows.append(Row(question["row"], [bound], (question.get("depends_on") or ["", ""])[1]))
            out.append(
                Section(
                    key=section["key"],
                    title=section["title"],
                    part=section.get("part", ""),
                    intro=section.get("intro", ""),
                    plain=plain,
                    rows=rows,
                    display=section.get("display", ""),
                    row_heading=section.get("row_heading", ""),
                )
            )
        return out

    def error_summary(self) -> list[tuple[str | None, str]]:
        """(id of the input to jump to, message) per error; a group of boxes jumps to its first box."""
        out: list[tuple[str | None, str]] = []
        for name, errors in self.errors.items():
            if name not in self.fields:
                continue
            grouped = isinstance(self.fields[name].widget, forms.RadioSelect | forms.CheckboxSelectMultiple)
            target = f"{self[name].auto_id}_0" if grouped else self[name].auto_id
            out.extend((target, f"{self.fields[name].label}: {error}") for error in errors)
        return out + [(None, str(error)) for error in self.non_field_errors()]
