"""Forms of the survey pages. Field checks only; the rules live in worksheets/survey/services.py."""

import datetime as dt
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from collaboratives import months
from measures.models import Measure
from worksheets.models import (
    SURVEY_MIN_RESPONSES_FLOOR,
    SURVEY_SCHEDULE_LATEST_DAY,
    SURVEY_SCHEDULE_MAX_DAYS,
    SurveyResponse,
)
from worksheets.survey.services import MAX_COMMENT_LENGTH, MAX_LINKS_PER_REQUEST


class MonthField(forms.DateField):
    """A month typed as YYYY-MM (an <input type="month">), cleaned to its first day."""

    widget = forms.DateInput(attrs={"type": "month"})
    input_formats = [months.FORMAT]

    def to_python(self, value: Any) -> dt.date | None:
        day = super().to_python(value)
        return day.replace(day=1) if day else None


class DateField(forms.DateField):
    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class InstrumentForm(forms.Form):
    min_responses = forms.IntegerField(
        label="Show results from this many responses up",
        min_value=SURVEY_MIN_RESPONSES_FLOOR,
        max_value=100,
        help_text="5 or more. A team's month with fewer responses shows no results to anyone.",
    )


class ItemForm(forms.Form):
    code = forms.SlugField(max_length=30, help_text="A short name, e.g. supported.")
    text_en = forms.CharField(label="Question (English)", widget=forms.Textarea(attrs={"rows": 2}))
    text_es = forms.CharField(label="Question (Spanish)", widget=forms.Textarea(attrs={"rows": 2}))
    choices = forms.CharField(
        label="Answers",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="One per line, in order: value | English | Spanish, e.g. always | Always | Siempre.",
    )
    top_box = forms.CharField(
        label="Answers that count", help_text="Their values, separated by commas, e.g. always."
    )
    measure = forms.ModelChoiceField(
        queryset=Measure.objects.none(),
        required=False,
        to_field_name="public_id",
        help_text="The proportion measure this question's share feeds each month.",
    )
    order = forms.IntegerField(min_value=0, max_value=999, initial=0)

    def __init__(self, *args: Any, measures: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["measure"]).queryset = measures

    def clean_top_box(self) -> list[str]:
        return [v.strip() for v in self.cleaned_data["top_box"].split(",") if v.strip()]


class WindowOpenForm(forms.Form):
    month = MonthField(help_text="The month the answers describe.")
    opens_on = DateField(label="Opens on", help_text="A later day schedules the survey.")
    closes_on = DateField(label="Closes on", help_text="The last day a link can be answered.")
    staff_count = forms.IntegerField(
        label="Staff asked",
        min_value=1,
        max_value=999,
        help_text="Home visitors and supervisors on the team.",
    )


class ScheduleForm(forms.Form):
    day = forms.IntegerField(
        label="Opens on day",
        min_value=1,
        max_value=SURVEY_SCHEDULE_LATEST_DAY,
        help_text=f"Day of each month the survey opens, 1 to {SURVEY_SCHEDULE_LATEST_DAY}.",
    )
    days_open = forms.IntegerField(
        label="Days open",
        min_value=1,
        max_value=SURVEY_SCHEDULE_MAX_DAYS,
        help_text=f"1 to {SURVEY_SCHEDULE_MAX_DAYS}. It may run into the next month.",
    )
    staff_count = forms.IntegerField(
        label="Staff asked",
        min_value=1,
        max_value=999,
        help_text="Home visitors and supervisors on the team; change it here when the team changes.",
    )


class WindowUpdateForm(forms.Form):
    staff_count = forms.IntegerField(label="Staff asked", min_value=1, max_value=999)
    closes_on = DateField(label="Closes on")


class LinksForm(forms.Form):
    count = forms.IntegerField(
        label="Number of links",
        min_value=1,
        max_value=MAX_LINKS_PER_REQUEST,
        help_text="One per staff member.",
    )


class EmailLinksForm(forms.Form):
    addresses = forms.CharField(
        label="Email addresses",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="One per line. Each gets its own link; the addresses are not kept.",
    )


class ResponseForm(forms.Form):
    """The respondent's form, built from the window's questions, in the active language."""

    role = forms.ChoiceField(
        label=_("Your role (optional)"),
        choices=[
            (SurveyResponse.Role.HOME_VISITOR, _("Home visitor")),
            (SurveyResponse.Role.SUPERVISOR, _("Supervisor")),
            (SurveyResponse.Role.NOT_SAID, _("Prefer not to say")),
        ],
        widget=forms.RadioSelect,
        required=False,
    )
    comment = forms.CharField(
        label=_("Anything else you would like to say? (optional)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=MAX_COMMENT_LENGTH,
        required=False,
        help_text=_("Do not write your name or anything that identifies you or a family."),
    )

    def __init__(self, *args: Any, items: list[dict[str, Any]], language: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        questions = {}
        for number, item in enumerate(items, start=1):
            questions[f"q_{item['code']}"] = forms.ChoiceField(
                label=f"{number}. {item['text_' + language]}",
                choices=[(c["value"], c[language]) for c in item["choices"]],
                widget=forms.RadioSelect,
                error_messages={"required": _("Choose one answer.")},
            )
        self.fields = questions | self.fields
        self.codes = [item["code"] for item in items]

    def answers(self) -> dict[str, str]:
        return {code: self.cleaned_data[f"q_{code}"] for code in self.codes}
