"""The one check for files people upload to keep (PDSA attachments, library resources)."""

from django.core.exceptions import ValidationError

UPLOAD_MAX_BYTES = 5 * 1024 * 1024
# Served as downloads with these types whatever the browser claimed, so nothing uploaded runs as a page.
UPLOAD_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
    "txt": "text/plain",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
}


def upload_check(*, filename: str, content: bytes, field: str = "file") -> tuple[str, str]:
    """The file's base name and the content type it will be served as; a ValidationError on `field`
    when it is not one of UPLOAD_TYPES, is empty, or is larger than 5 MB."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()[:255]
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in UPLOAD_TYPES:
        raise ValidationError(
            {
                field: f"Attach a PDF, Word, Excel, CSV, text or image file ({', '.join(sorted(UPLOAD_TYPES))})."
            }
        )
    if not content:
        raise ValidationError({field: "The file is empty."})
    if len(content) > UPLOAD_MAX_BYTES:
        raise ValidationError({field: "The file is larger than 5 MB."})
    return name, UPLOAD_TYPES[extension]
