import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coiin.settings")
application = get_wsgi_application()

# Build Celery's publisher now rather than in the first save: it costs about a second of imports, which
# with the broker down comes on top of the failed publish (fault test F1: a save answers within 3 s).
from coiin import celery_app  # noqa: E402

celery_app.amqp.producer_pool  # noqa: B018 - the attribute access is the warm-up
