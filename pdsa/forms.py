from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.forms.models import fields_for_model

from collaboratives.forms import add_service_errors
from collaboratives.models import Awardee
from pdsa.models import PHASES, ChangeIdea, PDSACycle, PDSAReview

LABELS = {
    "title": "Short name for this cycle",
    "change_idea": "Change idea from the key driver diagram",
    "other_change_idea": "Or another change (not in the diagram)",
    "measures": "Measures this cycle may move (optional)",
    "objective": "Objective: what is this cycle for?",
    "question": "What question(s) will this cycle answer?",
    "prediction": "What do you predict will happen?",
    "plan_who": "Who will carry out the test, and with whom?",
    "plan_what": "What exactly will you do?",
    "plan_where": "Where?",
    "plan_when": "When?",
    "data_to_collect": "What data will you collect to answer the question?",
    "planned_start": "Planned start date",
    "planned_end": "Planned end date",
    "started_on": "Date the test started",
    "what_happened": "What happened? Did you carry out the plan?",
    "observations": "What did you observe?",
    "problems": "Problems or surprises",
    "results_vs_prediction": "How do the results compare with your prediction?",
    "learned": "What did you learn?",
    "decision": "Act decision",
    "next_step": "Next step: what will the next cycle test?",
    "completed_on": "Date the cycle was completed",
}
HELP = {
    "title": "For example: “Check-in app with two home visitors for one week”.",
    "plan_who": "Start small: one home visitor, one family, one team meeting.",
    "decision": "Adopt: keep it as is. Adapt: change it and test again. Abandon: stop testing it.",
}
NEW_PHASES = ("change", "plan")
ALL_PHASES = tuple(key for key, _, _ in PHASES)


class ChangeIdeaChoiceField(forms.ModelChoiceField):
    """A change idea offered with the driver it serves."""

    def label_from_instance(self, obj: ChangeIdea) -> str:
        return f"{obj.driver.text} → {obj.text}"


class PDSACycleForm(forms.Form):
    """A cycle's fields in the order teams are taught; a new cycle shows only what is tested and the Plan."""

    def __init__(
        self,
        *args: Any,
        change_ideas: QuerySet,
        measures: QuerySet,
        phases: tuple[str, ...] = ALL_PHASES,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        names = [name for key, _, fields in PHASES if key in phases for name in fields]
        self.phases = [(key, legend, fields) for key, legend, fields in PHASES if key in phases]
        date = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        textarea = forms.Textarea(attrs={"rows": 3})
        model_fields = fields_for_model(
            PDSACycle,
            fields=names,
            labels=LABELS,
            help_texts=HELP,
            widgets={name: date for name in ("planned_start", "planned_end", "started_on", "completed_on")},
            field_classes={"change_idea": ChangeIdeaChoiceField},
        )
        for name in names:
            field = model_fields[name]
            if isinstance(field.widget, forms.Textarea):
                field.widget = textarea
            self.fields[name] = field
        self.change_ideas = change_ideas
        change_idea, chosen = self.fields["change_idea"], self.fields["measures"]
        # fields_for_model made them from the foreign key (field_classes above) and the many-to-many field.
        assert isinstance(change_idea, ChangeIdeaChoiceField)
        assert isinstance(chosen, forms.ModelMultipleChoiceField)
        change_idea.queryset = change_ideas
        change_idea.to_field_name = "public_id"
        change_idea.empty_label = "Choose a change idea"
        # The widget first: setting the queryset is what hands the widget its choices.
        chosen.widget = forms.CheckboxSelectMultiple()
        chosen.queryset = measures
        chosen.to_field_name = "public_id"
        chosen.required = False
        if not measures.exists():
            del self.fields["measures"]
        self.fields["title"].error_messages["required"] = "Enter a short name for this cycle."
        if "decision" in self.fields:
            self.fields["decision"] = forms.ChoiceField(
                label=LABELS["decision"],
                help_text=HELP["decision"],
                choices=[("", "Not decided yet"), *PDSACycle.Decision.choices],
                required=False,
                widget=forms.RadioSelect,
            )

    def add_service_errors(self, exc: Any) -> None:
        add_service_errors(self, exc)

    @property
    def fieldsets(self) -> list[tuple[str, str, list[forms.BoundField]]]:
        return [
            (key, legend, [self[name] for name in fields if name in self.fields])
            for key, legend, fields in self.phases
        ]


class PDSAReviewForm(forms.Form):
    """An advisor's feedback and the PDSA quality rubric; the service says which answers are missing."""

    comment = forms.CharField(
        label="Feedback for the team",
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, label in PDSAReview.RUBRIC:
            self.fields[name] = forms.TypedChoiceField(
                label=label,
                choices=[("yes", "Met"), ("no", "Not met")],
                coerce=lambda value: value == "yes",
                empty_value=None,
                required=False,
                widget=forms.RadioSelect,
            )

    def add_service_errors(self, exc: Any) -> None:
        add_service_errors(self, exc)


class LedgerFilter(forms.Form):
    awardee: forms.ModelChoiceField[Awardee] = forms.ModelChoiceField(
        queryset=None, to_field_name="public_id", required=False, empty_label="All awardees", label="Awardee"
    )

    def __init__(self, data: Mapping[str, Any] | None = None, *, awardees: QuerySet[Awardee]) -> None:
        super().__init__(data)
        awardee = self.fields["awardee"]
        assert isinstance(awardee, forms.ModelChoiceField)  # declared above
        awardee.queryset = awardees


class AttachmentForm(forms.Form):
    file = forms.FileField(label="Attach a file (PDF, Word, Excel, CSV, text or image; at most 5 MB)")


class ReplyForm(forms.Form):
    """A message in the conversation after an advisor's feedback."""

    text = forms.CharField(label="Your message", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
