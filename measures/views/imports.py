"""Bulk import pages: download a template, upload a CSV or XLSX file, preview it, then save it.

The file is stored as uploaded (a DataImport) and parsed again at every preview and at commit, so what
is saved is checked against the data as it stands then, not as it stood at upload.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coiin.audit import audit_event
from collaboratives import access, months
from collaboratives import selectors as collab_selectors
from collaboratives.models import Collaborative
from measures import imports, services
from measures.forms import LIMITS_MB, UploadForm
from measures.imports import (
    ImportPreview,
    ImportRejected,
    RowError,
    import_parse,
)
from measures.models import DataImport

RECENT_UPLOADS = 10
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _collaborative_for_import(request: HttpRequest, public_id: str) -> Collaborative:
    """The collaborative, when the user sees it (else 404) and enters data for one of its teams (else 403)."""
    collaborative = get_object_or_404(
        collab_selectors.collaborative_list(user=request.user), public_id=public_id
    )
    if not access.may_import_data(request.user, collaborative):
        raise PermissionDenied("You do not enter data for any team in this collaborative.")
    return collaborative


def _own_imports(user: Any) -> QuerySet[DataImport]:
    """The user's own uploads: a preview shows data from a file only to the person who uploaded it."""
    return (
        DataImport.objects.visible_to(user)
        .filter(uploaded_by=user)
        .select_related("collaborative")
        .defer("content")
    )


@dataclass(frozen=True)
class GroupRow:
    """One team-month line of a preview or of a saved import's summary."""

    team_name: str
    team_code: str
    month: dt.date
    new: int
    changed: int
    unchanged: int


def _group_rows(summary: dict[str, Any]) -> list[GroupRow]:
    return [
        GroupRow(
            team_name=g["team_name"],
            team_code=g["team"],
            month=months.parse(g["month"]),
            new=g["new"],
            changed=g["changed"],
            unchanged=g["unchanged"],
        )
        for g in summary.get("groups", [])
    ]


def _unreadable(preview: ImportPreview) -> bool:
    """Errors about the file as a whole only: nothing in it can be shown row by row, so it is not kept."""
    return bool(preview.errors) and all(e.row is None for e in preview.errors)


def _upload_page(
    request: HttpRequest, collaborative: Collaborative, form: UploadForm, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "measures/imports/upload.html",
        {
            "collaborative": collaborative,
            "form": form,
            "uploads": _own_imports(request.user).filter(collaborative=collaborative)[:RECENT_UPLOADS],
            "max_mb": LIMITS_MB,
            "max_rows": imports.MAX_ROWS,
            "max_note_chars": services.MAX_NOTE_CHARS,
            "columns": imports.COLUMNS,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def collaborative_import(request: HttpRequest, public_id: str) -> HttpResponse:
    """The upload page; a readable file is stored and opens its preview, an unreadable one is refused."""
    collaborative = _collaborative_for_import(request, public_id)
    if request.method == "GET":
        return _upload_page(request, collaborative, UploadForm())
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        audit_event(
            "import.upload", request=request, outcome="rejected", collaborative=collaborative.public_id
        )
        return _upload_page(request, collaborative, form, status=400)
    upload: UploadedFile = form.cleaned_data["file"]
    filename = upload.name or ""
    content = upload.read()
    preview = import_parse(user=request.user, collaborative=collaborative, filename=filename, data=content)
    if _unreadable(preview):
        for error in preview.errors:
            form.add_error("file", f"“{filename}”: {error.message}")
        audit_event(
            "import.upload", request=request, outcome="rejected", collaborative=collaborative.public_id
        )
        return _upload_page(request, collaborative, form, status=400)
    data_import = imports.data_import_store(
        actor=request.user, collaborative=collaborative, filename=filename, content=content, preview=preview
    )
    audit_event(
        "import.upload",
        request=request,
        outcome="stored",
        data_import=data_import.public_id,
        row_errors=len(preview.errors),
    )
    return redirect("import-preview", public_id=data_import.public_id)


@login_required
@require_GET
def import_template_download(
    request: HttpRequest, public_id: str, fmt: Literal["csv", "xlsx"]
) -> HttpResponse:
    """The file to fill in, one row per team the user enters data for and measure, for the month now due."""
    collaborative = _collaborative_for_import(request, public_id)
    content = imports.import_template(user=request.user, collaborative=collaborative, fmt=fmt)
    name = f"{slugify(collaborative.short_name) or 'collaborative'}-monthly-data.{fmt}"
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name)
    return response


def _preview_page(
    request: HttpRequest, data_import: DataImport, errors: list[RowError] | None = None
) -> HttpResponse:
    """The preview, or the result once committed; `errors` are those a refused commit raised."""
    preview = None
    if data_import.committed_at is None:
        preview = import_parse(
            user=request.user,
            collaborative=data_import.collaborative,
            filename=data_import.filename,
            data=bytes(data_import.content),
        )
    shown_errors = errors if errors is not None else preview.errors if preview else []
    summary = imports.import_summary(preview) if preview else data_import.summary
    return render(
        request,
        "measures/imports/preview.html",
        {
            "data_import": data_import,
            "collaborative": data_import.collaborative,
            "preview": preview,
            "errors": shown_errors,
            "groups": _group_rows(summary),
            "commit_refused": errors is not None,
        },
        status=400 if errors is not None else 200,
    )


@login_required
@require_GET
def data_import_preview(request: HttpRequest, public_id: str) -> HttpResponse:
    data_import = get_object_or_404(_own_imports(request.user).defer(None), public_id=public_id)
    return _preview_page(request, data_import)


@login_required
@require_POST
def data_import_commit(request: HttpRequest, public_id: str) -> HttpResponse:
    """Save a previewed upload in one transaction, checked again against the data as it stands now."""
    data_import = get_object_or_404(_own_imports(request.user).defer(None), public_id=public_id)
    try:
        result = imports.data_import_commit(actor=request.user, data_import=data_import)
    except ImportRejected as exc:
        audit_event(
            "import.commit",
            request=request,
            outcome="rejected",
            data_import=data_import.public_id,
            row_errors=len(exc.row_errors),
        )
        return _preview_page(request, data_import, errors=exc.row_errors)
    if result is None:
        messages.info(request, f"“{data_import.filename}” was already saved; nothing was saved again.")
    else:
        audit_event(
            "import.commit",
            request=request,
            outcome="saved",
            data_import=data_import.public_id,
            rows=result.new + result.changed + result.unchanged,
        )
        messages.success(
            request,
            f"“{data_import.filename}” saved: {result.new} new, {result.changed} changed, "
            f"{result.unchanged} unchanged.",
        )
    return redirect("import-preview", public_id=data_import.public_id)
