"""gunicorn settings of the web service, in one place: the Docker image, docker-compose and
bench/http_load.py all run `gunicorn -c coiin/gunicorn.conf.py coiin.wsgi:application`.

The app is loaded once in the master (`preload_app`), and before forking the master also imports
every view (the URLconf) and compiles the project's templates. Without that, each worker's first
dashboard took many times longer (bench/README.md, "Figures behind design decisions"), so the first
users after a deploy or a worker restart waited that long.

Last, the master freezes the garbage collector's view of everything loaded so far (`gc.freeze()`, as
the Python docs advise before fork): Django, the app and the compiled templates are some 166,000
objects that live as long as the process, and every full collection in a worker scanned them all
again. Measured on the 175-team dashboard: ~7 % of its CPU time. They are also no longer written to
by collections, so the workers keep sharing those pages with the master.
"""

import gc
from pathlib import Path
from typing import Any

bind = "0.0.0.0:8000"
workers = 3
preload_app = True
accesslog = "-"
# Leaves the staff survey's single-use links out of the access log (coiin/access_log.py).
logger_class = "coiin.access_log.AccessLogger"


def when_ready(server: Any) -> None:
    """Runs in the master after the app is loaded and before any worker is forked."""
    from django.conf import settings
    from django.db import connections
    from django.template.loader import get_template
    from django.urls import reverse

    reverse("home")  # imports the URLconf, and with it every view module and what they import
    for directory in settings.TEMPLATES[0]["DIRS"]:
        for path in sorted(Path(directory).rglob("*.html")):
            get_template(str(path.relative_to(directory)))  # the cached loader keeps the compiled template
    connections.close_all()  # no database connection may be shared by the forked workers
    gc.freeze()
