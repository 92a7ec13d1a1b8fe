import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coiin.settings")

app = Celery("coiin")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # Recompute run charts whose data changed while the broker was down or whose worker died.
    "runchart-sweep": {"task": "measures.tasks.runchart_sweep", "schedule": 60.0},
    # Every night, drop the dashboard-change rows no cached dashboard can be keyed on any more.
    "dashboard-changes-prune": {
        "task": "measures.tasks.dashboard_changes_prune",
        "schedule": crontab(hour=3, minute=0),
    },
    # Every morning, email teams whose month is due within three days or overdue (each reminder goes once).
    "report-reminders": {
        "task": "measures.tasks.report_reminders_send",
        "schedule": crontab(hour=8, minute=0),
    },
    # Just after midnight, open the staff well-being survey months due on their teams' schedules.
    "survey-windows-open": {
        "task": "worksheets.tasks.survey_windows_open_scheduled",
        "schedule": crontab(hour=0, minute=10),
    },
    # Just after midnight, close the staff well-being survey months whose last day has passed and record them.
    "survey-windows-close": {
        "task": "worksheets.tasks.survey_windows_close_due",
        "schedule": crontab(hour=0, minute=15),
    },
    # Every night, update each team's share of staff current on required training (completions expire).
    "training-record": {
        "task": "measures.tasks.training_record_all",
        "schedule": crontab(hour=2, minute=30),
    },
    # Every hour, remind each event's people of it in the 24 hours before it starts (once per event and person).
    "event-reminders": {
        "task": "collaboratives.tasks.event_reminders_send",
        "schedule": crontab(minute=5),
    },
    # Every morning, tell advisors and CQI leads of phases newly suggested on their teams' charts (once each).
    "phase-suggestions-notify": {
        "task": "measures.tasks.phase_suggestions_notify",
        "schedule": crontab(hour=8, minute=5),
    },
    # Every night, record the network's intake measures of each team month whose window has closed.
    "intake-measures-record": {
        "task": "referrals.tasks.intake_measures_record_due",
        "schedule": crontab(hour=1, minute=30),
    },
    # Every hour, tell the hub and the program about referrals with no first contact in time (once each).
    "referrals-stale-notify": {
        "task": "referrals.tasks.referrals_stale_notify",
        "schedule": crontab(minute=15),
    },
    # Every night, erase the personal data of referrals closed longer ago than their network's purge delay.
    "referrals-purge": {"task": "referrals.tasks.referrals_purge", "schedule": crontab(hour=2, minute=30)},
}
