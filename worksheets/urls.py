from django.urls import path

from worksheets import views
from worksheets.survey import views as survey

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
    # Staff well-being pulse survey (docs/survey.md)
    path("collaboratives/<uuid:public_id>/survey/", survey.survey_results, name="survey-results"),
    path(
        "collaboratives/<uuid:public_id>/survey/questions/",
        survey.survey_instrument,
        name="survey-instrument",
    ),
    path(
        "collaboratives/<uuid:public_id>/survey/questions/new/",
        survey.survey_item_new,
        name="survey-item-new",
    ),
    path("survey-questions/<uuid:public_id>/", survey.survey_item_edit, name="survey-item-edit"),
    path("teams/<uuid:public_id>/survey/", survey.survey_team, name="survey-team"),
    path("teams/<uuid:public_id>/survey/schedule/", survey.survey_schedule, name="survey-schedule"),
    path("survey-months/<uuid:public_id>/", survey.survey_window, name="survey-window"),
    path("survey-months/<uuid:public_id>/links/", survey.survey_window_links, name="survey-window-links"),
    path("survey-months/<uuid:public_id>/email/", survey.survey_window_email, name="survey-window-email"),
    path("survey-months/<uuid:public_id>/close/", survey.survey_window_close, name="survey-window-close"),
    path("s/<str:token>/", survey.survey_respond, name="survey-respond"),
]
