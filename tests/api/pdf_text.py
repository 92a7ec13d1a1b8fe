"""The text of a PDF we serve, as the attacker and the tests read it: pypdf's text extraction, page by page."""

import io

from pypdf import PdfReader


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
