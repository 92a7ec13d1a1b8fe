from celery import shared_task


@shared_task(acks_late=True)
def event_reminders_send() -> None:
    from django.utils import timezone

    from collaboratives.learning.services import event_reminders_send as send

    send(now=timezone.now())  # once per event and person (the notification key): safe to run again
