from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from collaboratives.models import LIA, Aim, Awardee, Collaborative, Invitation, Membership, Team


class ScopedAdmin(admin.ModelAdmin):
    """Admin pages start from visible_to, like every other way into the data."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return self.model.objects.visible_to(request.user)


@admin.register(Awardee)
class AwardeeAdmin(ScopedAdmin):
    list_display = ["name", "code", "kind"]
    search_fields = ["name", "code"]


@admin.register(LIA)
class LIAAdmin(ScopedAdmin):
    list_display = ["name", "awardee", "city"]
    list_filter = ["awardee"]
    search_fields = ["name"]


class AimInline(admin.TabularInline):
    model = Aim
    extra = 0


@admin.register(Collaborative)
class CollaborativeAdmin(ScopedAdmin):
    list_display = ["short_name", "name", "start_date", "end_date", "peer_visibility"]
    inlines = [AimInline]


@admin.register(Team)
class TeamAdmin(ScopedAdmin):
    list_display = ["lia", "collaborative", "code", "joined_on", "withdrawn_on"]
    list_filter = ["collaborative"]


@admin.register(Membership)
class MembershipAdmin(ScopedAdmin):
    list_display = ["user", "role", "lia", "awardee", "collaborative", "team"]
    list_filter = ["role"]
    search_fields = ["user__email"]


@admin.register(Invitation)
class InvitationAdmin(ScopedAdmin):
    list_display = ["email", "lia", "role", "created_at", "accepted_at"]
    readonly_fields = ["token_hash"]
