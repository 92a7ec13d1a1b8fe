"""REST API (issue 8): the collaboratives and teams the caller can see. Reads go through the selectors."""

from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers, viewsets

from coiin.api import PrivateResponses
from collaboratives.models import Collaborative, Team
from collaboratives.selectors import collaborative_list, team_list

UUID_PATTERN = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


class ReadOnlyViewSet(PrivateResponses, viewsets.ReadOnlyModelViewSet):
    """List and retrieve by `public_id`; subclasses return a selector from get_queryset."""

    lookup_field = "public_id"
    lookup_url_kwarg = "id"
    lookup_value_regex = UUID_PATTERN


class NamedRefSerializer(serializers.Serializer):
    """A reference to another object: its id and name."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    name = serializers.CharField(read_only=True)


class CollaborativeViewSet(ReadOnlyViewSet):
    """Collaboratives the caller takes part in (or administers, or oversees as an awardee lead)."""

    @extend_schema_serializer(component_name="Collaborative")
    class OutputSerializer(serializers.ModelSerializer):
        id = serializers.UUIDField(source="public_id", read_only=True)

        class Meta:
            model = Collaborative
            fields = [
                "id", "name", "short_name", "topic", "start_date", "end_date", "baseline_months",
                "reporting_due_day", "peer_visibility", "members_can_submit",
            ]  # fmt: skip

    serializer_class = OutputSerializer

    def get_queryset(self) -> QuerySet[Collaborative]:
        return collaborative_list(user=self.request.user).order_by("-start_date", "name", "id")


class TeamFilter(filters.FilterSet):
    collaborative = filters.UUIDFilter(
        field_name="collaborative__public_id", help_text="A collaborative's id."
    )


class TeamViewSet(ReadOnlyViewSet):
    """Teams the caller can see: their LIA's, the teams they advise, their awardee's, their collaborative's."""

    @extend_schema_serializer(component_name="Team")
    class OutputSerializer(serializers.ModelSerializer):
        id = serializers.UUIDField(source="public_id", read_only=True)
        collaborative = serializers.UUIDField(source="collaborative.public_id", read_only=True)
        lia = NamedRefSerializer(read_only=True)
        awardee = NamedRefSerializer(source="lia.awardee", read_only=True)

        class Meta:
            model = Team
            fields = ["id", "code", "collaborative", "lia", "awardee", "joined_on", "withdrawn_on"]

    serializer_class = OutputSerializer
    filterset_class = TeamFilter

    def get_queryset(self) -> QuerySet[Team]:
        return team_list(user=self.request.user).order_by("collaborative__name", "lia__name", "id")
