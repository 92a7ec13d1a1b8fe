"""Spreadsheet-safe export cells, shared by every CSV/XLSX download and the API's CSV renderer.

A cell that starts with =, +, -, @, a tab or a carriage return is run as a formula by Excel and
LibreOffice when the file is opened (CSV injection, OWASP). Text cells that start so are prefixed
with a single quote, which spreadsheets show as text. Numbers are left alone: -3 is a value.
"""

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value
