"""REST API (issue 8): PDSA cycles, only as `pdsa_cycle_list` shows them (never a peer team's)."""

from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from collaboratives.api import ReadOnlyViewSet
from pdsa.models import PDSACycle
from pdsa.selectors import pdsa_cycle_list


class PDSACycleViewSet(ReadOnlyViewSet):
    """A team's Plan-Do-Study-Act cycles, newest first."""

    @extend_schema_serializer(component_name="PDSACycle")
    class OutputSerializer(serializers.ModelSerializer):
        id = serializers.UUIDField(source="public_id", read_only=True)
        team = serializers.UUIDField(source="team.public_id", read_only=True)
        change_idea = serializers.UUIDField(source="change_idea.public_id", read_only=True, allow_null=True)
        change_idea_text = serializers.CharField(read_only=True)
        previous = serializers.UUIDField(source="previous.public_id", read_only=True, allow_null=True)

        class Meta:
            model = PDSACycle
            fields = [
                "id", "team", "change_idea", "change_idea_text", "previous", "title", "status", "objective",
                "question", "prediction", "plan_who", "plan_what", "plan_where", "plan_when", "data_to_collect",
                "what_happened", "observations", "problems", "results_vs_prediction", "learned", "decision",
                "next_step", "planned_start", "planned_end", "started_on", "completed_on", "created_at",
                "updated_at",
            ]  # fmt: skip

    class Filter(filters.FilterSet):
        team = filters.UUIDFilter(field_name="team__public_id")
        collaborative = filters.UUIDFilter(field_name="team__collaborative__public_id")
        status = filters.ChoiceFilter(choices=PDSACycle.Status.choices)

    serializer_class = OutputSerializer
    filterset_class = Filter

    def get_queryset(self) -> QuerySet[PDSACycle]:
        return (
            pdsa_cycle_list(user=self.request.user).select_related("previous").order_by("-created_at", "-id")
        )
