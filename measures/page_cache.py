"""The collaborative dashboard's body and the aggregate API's pages, built once per viewer and kept until
the data they show changes.

At national scale (175 teams × 10 measures) the body reads 1,750 chart summaries and ten pooled charts
and renders about 400 KB of HTML: most of the view's server time (bench/README.md). Its data changes when a month
is saved or a chart recomputed, a few times a day per team, while people open it, sort it, filter it
and come back to it many times in between; REST clients (a state's data warehouse, a BI tool's
refresh) pull the same aggregate pages again and again. So each is kept under a key made of:

- the viewer: their user id, whether they see everything, and every id set of their grants
  (`access.fingerprint`). An entry is served only to the user it was rendered for, under the memberships
  it was rendered with: one added or removed makes a new key. Nothing is shared between viewers, so
  no tenancy rule moves here; `visible_to` decides, as everywhere else, when a value is built.
- the collaborative (its public id, random per collaborative) and its latest `DashboardChange`:
  every write that changes what its dashboard or aggregates show inserts one, in the writer's own
  transaction (`content_changed`), so a reader sees the new version exactly when it sees the new data.
- the request's own inputs (the dashboard's state filter and sort, the API's full URL), today's date
  (the month now due follows from it), the language and the time zone, and the database's name.

Entries also expire after `PAGE_CACHE_SECONDS` (600 by default; 0 turns the cache off). They are
compressed (~400 KB of HTML is ~40 KB) and kept in each web process's memory, at most 500 of them:
memory is bounded whatever people open, and every process is exact, since what ends an entry is in
the database. Not Redis: its memory is the Celery broker's.
"""

import datetime as dt
import hashlib
import pickle
import zlib
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.db.models import Max
from django.utils import timezone, translation

from collaboratives import access
from collaboratives.models import Collaborative
from measures.models import DashboardChange

T = TypeVar("T")


def content_changed(*, collaborative_ids: Iterable[int] | None) -> None:
    """Record, in the caller's transaction, that these collaboratives' dashboards show something new
    (None: every collaborative, for an awardee or LIA renamed). Bookkeeping for services and signals."""
    if collaborative_ids is None:
        everyone = Collaborative.objects.unscoped(reason="every dashboard may name the renamed row")
        collaborative_ids = everyone.values_list("id", flat=True)
    DashboardChange.objects.bulk_create(DashboardChange(collaborative_id=i) for i in set(collaborative_ids))


def changes_prune(*, now: dt.datetime) -> int:
    """Delete change rows older than a day, except each collaborative's latest (its version)."""
    changes = DashboardChange.objects.unscoped(reason="periodic bookkeeping, no user")
    latest = changes.values("collaborative_id").annotate(latest=Max("id")).values("latest")
    deleted, _ = changes.filter(at__lt=now - dt.timedelta(days=1)).exclude(id__in=latest).delete()
    return deleted


def _version(collaborative: Collaborative) -> int:
    latest = (
        DashboardChange.objects.unscoped(reason="the version of a collaborative loaded through visible_to")
        .filter(collaborative=collaborative)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    return latest or 0


def kept(*, user: Any, collaborative: Collaborative, inputs: tuple[Any, ...], build: Callable[[], T]) -> T:
    """What `build()` returns for this viewer, this collaborative's data and these inputs: the kept
    value, or built now and kept (pickled and compressed)."""
    if settings.PAGE_CACHE_SECONDS == 0:
        return build()
    key = (
        connection.settings_dict["NAME"],
        str(collaborative.public_id),
        _version(collaborative),
        inputs,
        timezone.localdate().isoformat(),
        translation.get_language(),
        timezone.get_current_timezone_name(),
        access.fingerprint(user),
    )
    digest = hashlib.sha256(repr(key).encode()).hexdigest()
    cache = caches["pages"]
    stored = cache.get(digest)
    if stored is not None:
        # Only this process writes this in-memory cache, and only with values built just above.
        return pickle.loads(zlib.decompress(stored))  # noqa: S301
    value = build()
    cache.set(
        digest, zlib.compress(pickle.dumps(value, pickle.HIGHEST_PROTOCOL), 1), settings.PAGE_CACHE_SECONDS
    )
    return value
