from django.urls import path

from collaboratives.learning import views

urlpatterns = [
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/subscribe/", views.calendar_feed, name="calendar-feed"),
    path("calendar/feed/<str:token>.ics", views.calendar_feed_ics, name="calendar-feed-ics"),
    path("collaboratives/<uuid:public_id>/events/new/", views.event_create, name="event-create"),
    path("events/<uuid:public_id>/", views.event_detail, name="event-detail"),
    path("events/<uuid:public_id>/attendance/", views.event_attendance, name="event-attendance"),
    path("events/<uuid:public_id>/check-in/", views.event_check_in, name="event-check-in"),
    path("collaboratives/<uuid:public_id>/library/", views.resource_list, name="resource-list"),
    path("collaboratives/<uuid:public_id>/library/new/", views.resource_create, name="resource-create"),
    path("library/<uuid:public_id>/file/", views.resource_download, name="resource-download"),
    path("collaboratives/<uuid:public_id>/announcements/", views.announcement_list, name="announcement-list"),
]
urlpatterns += [
    path("collaboratives/<uuid:public_id>/training/", views.training_plan, name="training-plan"),
    path(
        "collaboratives/<uuid:public_id>/training/coverage/",
        views.training_coverage,
        name="training-coverage",
    ),
    path("teams/<uuid:public_id>/staff/", views.staff_roster, name="staff-roster"),
]
