"""REST API (issue 8): the collaboratives and teams the caller can see. Reads go through the selectors."""

from typing import Any

from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from coiin.api import PrivateResponses
from coiin.http import AuthenticatedRequest
from collaboratives.models import ApiToken, Collaborative, Team
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


class ApiTokenRefSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)

    class Meta:
        model = ApiToken
        fields = ["id", "name", "scope", "expires_at"]


@extend_schema_serializer(component_name="Me")
class MeSerializer(serializers.Serializer):
    email = serializers.EmailField()
    name = serializers.CharField()
    auth = serializers.ChoiceField(choices=["session", "token"])
    token = ApiTokenRefSerializer(allow_null=True, help_text="The token this request used, if any.")


class MeView(PrivateResponses, APIView):
    """Who the caller is and how they signed in: a client checks its token (which user, scope, expiry)."""

    @extend_schema(responses=MeSerializer)
    def get(self, request: AuthenticatedRequest, *args: Any, **kwargs: Any) -> Response:
        token = request.auth if isinstance(request.auth, ApiToken) else None
        me = {
            "email": request.user.email,
            "name": request.user.get_full_name(),
            "auth": "session" if token is None else "token",
            "token": token,
        }
        return Response(MeSerializer(me).data)
