"""Downloads: the dashboard's teams × measures table as CSV or XLSX, and a collaborative's data as one XLSX."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from collaboratives import selectors as collab_selectors
from measures import exports, selectors
from measures.views.dashboards import _awardee_filter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


@login_required
@require_GET
def dashboard_table_download(request: HttpRequest, public_id: str, fmt: str) -> HttpResponse:
    """The teams × measures table of the dashboard (narrowed to a state with `?awardee=`, as the page)."""
    collaborative = get_object_or_404(
        collab_selectors.collaborative_list(user=request.user), public_id=public_id
    )
    awardee = _awardee_filter(request)
    measures = list(selectors.measure_list(user=request.user, collaborative=collaborative))
    rows, _ = exports.dashboard_table(
        user=request.user,
        collaborative=collaborative,
        measures=measures,
        awardee=awardee,
        today=timezone.localdate(),
    )
    frame = exports.table_frame(rows, measures)
    name = f"{collaborative.short_name}{f' {awardee.name}' if awardee else ''} teams by measures {timezone.localdate():%Y-%m-%d}"
    if fmt == "csv":
        return _download(exports.to_csv(frame), "text/csv; charset=utf-8", f"{name}.csv")
    return _download(exports.to_xlsx({"Teams by measures": frame}), XLSX, f"{name}.xlsx")


@login_required
@require_GET
def collaborative_workbook_download(request: HttpRequest, public_id: str) -> HttpResponse:
    """Every measure's monthly values for every team the viewer may see, a sheet per measure."""
    collaborative = get_object_or_404(
        collab_selectors.collaborative_list(user=request.user), public_id=public_id
    )
    frames = exports.collaborative_frames(user=request.user, collaborative=collaborative)
    return _download(
        exports.to_xlsx(frames), XLSX, f"{collaborative.short_name} data {timezone.localdate():%Y-%m-%d}.xlsx"
    )
