from django.urls import path

from worksheets import views

urlpatterns = [
    path("worksheets/", views.worksheet_index, name="worksheet-index"),
    path("worksheets/<uuid:public_id>/", views.worksheet_detail, name="worksheet-detail"),
    path("worksheets/<uuid:public_id>/pdsa/", views.worksheet_pdsa, name="worksheet-pdsa"),
    path("teams/<uuid:public_id>/storyboard/", views.team_storyboard, name="team-storyboard"),
    path("teams/<uuid:public_id>/storyboard.pdf", views.team_storyboard_pdf, name="team-storyboard-pdf"),
    path("teams/<uuid:public_id>/joy-in-work/", views.joy_team, name="joy-team"),
    path("teams/<uuid:public_id>/joy-in-work/mine/", views.joy_mine, name="joy-mine"),
    path("teams/<uuid:public_id>/joy-in-work/team/", views.joy_team_worksheet, name="joy-team-worksheet"),
    path(
        "collaboratives/<uuid:public_id>/awardees/<uuid:awardee_id>/closing-planner/",
        views.closing_planner,
        name="closing-planner",
    ),
    path(
        "collaboratives/<uuid:public_id>/awardees/<uuid:awardee_id>/closing-planner.pdf",
        views.closing_planner_pdf_view,
        name="closing-planner-pdf",
    ),
]
