from celery import shared_task
from django.db import OperationalError
from django.utils import timezone


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def survey_windows_close_due() -> list[int]:
    from worksheets.survey.services import survey_windows_close_due as close_due

    return close_due(today=timezone.localdate())


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def survey_windows_open_scheduled() -> list[int]:
    from worksheets.survey.services import survey_windows_open_scheduled as open_scheduled

    return open_scheduled(today=timezone.localdate())
