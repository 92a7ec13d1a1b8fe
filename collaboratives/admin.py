from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from collaboratives import access
from collaboratives.models import LIA, Aim, Awardee, Collaborative, Invitation, Membership, Team
from collaboratives.scoping import guarded


class ScopedAdmin(admin.ModelAdmin):
    """Admin pages start from visible_to, like every other way into the data.

    For a superuser the admin is trusted code: its filters and form widgets read related models
    through their default managers, so the scoping guard is lifted for them (collaboratives/scoping.py).
    """

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return self.model.objects.visible_to(request.user)

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        with guarded(on=not access.sees_everything(request.user)):
            return super().changelist_view(request, extra_context)

    def changeform_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with guarded(on=not access.sees_everything(request.user)):
            return super().changeform_view(request, *args, **kwargs)

    def delete_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with guarded(on=not access.sees_everything(request.user)):
            return super().delete_view(request, *args, **kwargs)

    def history_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with guarded(on=not access.sees_everything(request.user)):
            return super().history_view(request, *args, **kwargs)


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
