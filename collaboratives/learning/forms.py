from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from collaboratives.learning.recurrence import Repeat
from collaboratives.models import (
    Awardee,
    ChangeIdea,
    Driver,
    Event,
    Resource,
    StaffMember,
    StaffRole,
    Team,
    TrainingTopic,
)


def _model_choice(form: forms.Form, name: str) -> forms.ModelChoiceField:
    """The form's model choice field `name`, typed as one (Form.fields holds plain Fields)."""
    return cast(forms.ModelChoiceField, form.fields[name])


class TeamChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.lia.name} ({obj.code})"


class StaffChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.get_role_display()})"


class EventForm(forms.Form):
    kind = forms.ChoiceField(label="Kind of event", choices=Event.Kind.choices)
    title = forms.CharField(max_length=200, help_text="E.g. “Action-period call: reflective supervision”.")
    awardee = forms.ModelChoiceField(
        label="For",
        queryset=Awardee.objects.none(),
        required=False,
        empty_label="Every team of the collaborative",
    )
    date = forms.DateField(
        label="Date (first date of a series)", widget=forms.DateInput(attrs={"type": "date"})
    )
    start_time = forms.TimeField(label="Starts", widget=forms.TimeInput(attrs={"type": "time"}))
    end_time = forms.TimeField(label="Ends", widget=forms.TimeInput(attrs={"type": "time"}))
    time_zone = forms.CharField(
        label="Time zone", max_length=64, help_text="An IANA name, e.g. America/New_York or America/Chicago."
    )
    join_url = forms.URLField(label="Join link", required=False, max_length=500, assume_scheme="https")
    place = forms.CharField(label="Place", required=False, max_length=200)
    agenda = forms.CharField(label="Agenda", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    materials = forms.ModelMultipleChoiceField(
        label="Materials from the library",
        queryset=Resource.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    training_topic = forms.ModelChoiceField(
        label="Training topic (for a training)",
        queryset=TrainingTopic.objects.none(),
        required=False,
        help_text="Staff who attend complete this topic of the training plan.",
    )
    repeat = forms.ChoiceField(label="Repeats", choices=Repeat.CHOICES, required=False)
    count = forms.IntegerField(label="Number of times", required=False, min_value=1, max_value=1000)
    until = forms.DateField(label="Or until", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, awardees: Any, resources: Any, topics: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _model_choice(self, "training_topic").queryset = topics
        _model_choice(self, "awardee").queryset = awardees
        _model_choice(self, "materials").queryset = resources
        self.fields["time_zone"].initial = settings.TIME_ZONE


class AttendanceForm(forms.Form):
    teams = TeamChoices(
        label="Teams that attended",
        queryset=Team.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        to_field_name="public_id",
    )

    def __init__(self, *args: Any, invited: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _model_choice(self, "teams").queryset = invited


class CheckInForm(forms.Form):
    team = forms.UUIDField(widget=forms.HiddenInput)


class ResourceForm(forms.Form):
    title = forms.CharField(max_length=200)
    kind = forms.ChoiceField(label="Kind", choices=Resource.Kind.choices)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    url = forms.URLField(label="Link", required=False, max_length=500, assume_scheme="https")
    file = forms.FileField(
        label="Or upload a file",
        required=False,
        help_text="PDF, Word, Excel, CSV, text or image, at most 5 MB.",
    )
    drivers = forms.ModelMultipleChoiceField(
        label="Drivers it supports",
        queryset=Driver.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    change_ideas = forms.ModelMultipleChoiceField(
        label="Change ideas it supports",
        queryset=ChangeIdea.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, drivers: Any, change_ideas: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _model_choice(self, "drivers").queryset = drivers
        _model_choice(self, "change_ideas").queryset = change_ideas


class PublicIdChoiceField(forms.ModelChoiceField):
    """A choice given by public_id: anything not one of the choices (a malformed UUID too) is invalid_choice."""

    def to_python(self, value: Any) -> Any:
        try:
            return super().to_python(value)
        except ValidationError:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice") from None


class EventChoice(PublicIdChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.title} ({obj.starts_at:%d %b %Y})"


class LibrarySearchForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=200)
    driver = PublicIdChoiceField(
        label="Driver",
        queryset=Driver.objects.none(),
        required=False,
        to_field_name="public_id",
        error_messages={"invalid_choice": "Choose a driver of this collaborative from the list."},
    )
    idea = PublicIdChoiceField(
        label="Change idea",
        queryset=ChangeIdea.objects.none(),
        required=False,
        to_field_name="public_id",
        error_messages={"invalid_choice": "Choose a change idea of this collaborative from the list."},
    )

    def __init__(self, *args: Any, drivers: Any, change_ideas: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _model_choice(self, "driver").queryset = drivers
        _model_choice(self, "idea").queryset = change_ideas


class AnnouncementForm(forms.Form):
    title = forms.CharField(max_length=200)
    body = forms.CharField(label="Message", widget=forms.Textarea(attrs={"rows": 5}))


# --- The training plan ---


class TopicForm(forms.Form):
    name = forms.CharField(label="Topic", max_length=120)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RequirementForm(forms.Form):
    topic = PublicIdChoiceField(
        label="Topic",
        queryset=TrainingTopic.objects.none(),
        to_field_name="public_id",
        error_messages={"invalid_choice": "Choose a topic of this collaborative from the list."},
    )
    role = forms.ChoiceField(label="Staff role", choices=StaffRole.choices)
    required = forms.TypedChoiceField(
        label="Required?",
        choices=[("yes", "Required"), ("no", "Not required")],
        initial="yes",
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    renewal_months = forms.IntegerField(
        label="Renew every (months)",
        required=False,
        min_value=1,
        max_value=120,
        help_text="Blank: completing it once is enough.",
    )

    def __init__(self, *args: Any, topics: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _model_choice(self, "topic").queryset = topics


class StaffForm(forms.Form):
    name = forms.CharField(label="Name", max_length=120)
    role = forms.ChoiceField(label="Role", choices=StaffRole.choices)


class LeaveForm(forms.Form):
    member = forms.UUIDField(widget=forms.HiddenInput)
    left_on = forms.DateField(label="Left on", widget=forms.DateInput(attrs={"type": "date"}))


class CompletionForm(forms.Form):
    topic = PublicIdChoiceField(
        label="Topic",
        queryset=TrainingTopic.objects.none(),
        required=False,
        to_field_name="public_id",
        error_messages={"invalid_choice": "Choose a topic of this collaborative from the list."},
    )
    completed_on = forms.DateField(
        label="Completed on", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    event = EventChoice(
        label="Or: at this training event (its topic and date)",
        queryset=Event.objects.none(),
        required=False,
        to_field_name="public_id",
        error_messages={"invalid_choice": "Choose a training event of this collaborative from the list."},
    )
    staff = StaffChoices(
        label="Who completed it",
        queryset=StaffMember.objects.none(),
        to_field_name="public_id",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose who completed the training."},
    )

    def __init__(self, *args: Any, topics: Any, events: Any, staff: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _model_choice(self, "topic").queryset = topics
        _model_choice(self, "event").queryset = events
        _model_choice(self, "staff").queryset = staff
