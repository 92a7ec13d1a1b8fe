"""Bulk import of a collaborative's monthly data from CSV and XLSX: template, preview, commit.

One row per (team, month, measure) under the columns of `COLUMNS`; `not_applicable` and `note` may be
left out. The accepted grammar (docs/testing.md §4.1):

- numerator, denominator: digits only after trimming spaces (`^[0-9]+$`), at most 2,147,483,647. So
  `-1`, `3.5`, `12.0`, `1e3`, `1,200`, `NaN` and full-width digits are refused as text. An XLSX number
  cell is accepted when its value is whole, since Excel stores every number as a float.
- month: `YYYY-MM` or `YYYY-MM-01` as text, or an XLSX date cell on the first of a month.
- not_applicable: blank, yes/no, y/n, true/false, 1/0, x; or an XLSX TRUE/FALSE cell.
- note: text, trimmed, stored as written and never evaluated (a leading `=` stays text).
- CSV: UTF-8 with or without a BOM; the delimiter is whichever of `,` `;` or tab the header line holds
  most of. XLSX: the sheet named `Data`, else the first sheet; a formula counts as its saved result, and
  one saved without a result (as scripts write them) is an error.
- A row whose numbers, flag and note are all blank (a template row left unfilled) is skipped, never
  saved as blank: clearing a value is done on the entry page.
- A median measure takes each case's value, on the entry page or through the API, not a numerator: its
  rows are refused at the numerator column, and the template leaves it out.

Rows are numbered as a spreadsheet shows them (header = row 1). Parsing saves nothing; commit saves the
whole file in one transaction, or nothing of it.
"""

import csv
import dataclasses
import datetime as dt
import hashlib
import io
import logging
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple, TypeVar

import openpyxl
from defusedxml import DefusedXmlException
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction
from django.utils import timezone
from openpyxl.utils import get_column_letter

from coiin.faults import fault_point
from collaboratives import access, months
from collaboratives.exports import csv_safe
from collaboratives.models import Collaborative, Team
from collaboratives.selectors import team_list
from measures.models import DataImport, Measure, MonthlyReport
from measures.selectors import measure_list, observation_list
from measures.services import (
    ObservationInput,
    note_problem,
    observation_cell_validate,
    observations_record,
)

logger = logging.getLogger(__name__)
_T = TypeVar("_T")

# openpyxl parses workbook XML with defusedxml only when it is importable; without it an entity bomb
# inside an upload would expand in memory. Refuse to run rather than import files unguarded.
if not openpyxl.DEFUSEDXML:
    raise ImproperlyConfigured("defusedxml must be installed before XLSX files are imported.")

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ROWS = 20_000  # data rows, blank ones included, header excluded
MAX_UNCOMPRESSED_BYTES = 20 * 1024 * 1024  # sum of the XLSX zip members' declared sizes
MAX_ZIP_ENTRIES = 1_000
MAX_COLUMNS = 30  # cells read per XLSX row: a sheet may claim 16,384 columns, and read-only mode pads to them
MAX_VALUE = 2_147_483_647  # PostgreSQL `integer`, the column type of numerator and denominator
MAX_ERRORS = 500  # a binary file renamed .csv would otherwise give an error per line

COLUMNS = ("team_code", "month", "measure_code", "numerator", "denominator", "not_applicable", "note")
REQUIRED_COLUMNS = COLUMNS[:5]
DATA_SHEET = "Data"
MEASURES_SHEET = "Measures"
ZIP_MAGIC = b"PK\x03\x04"

_INTEGER = re.compile(r"(-?)([0-9]+)")  # the sign is matched only to say "negative"
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})(?:-01)?")
_TRUE = frozenset({"yes", "y", "true", "1", "x"})
_FALSE = frozenset({"", "no", "n", "false", "0"})
_NOT_EXCEL = "This is not a valid Excel file. Save it from Excel as .xlsx, or upload a .csv file."
_TOO_MANY_ROWS = f"The file has more than {MAX_ROWS:,} data rows. Split it and upload each part."
_PASTE_VALUES = "This cell holds a formula with no saved result. Copy the cells and paste them as values."
_SAVE_AS_UTF8 = "This line is not UTF-8 text. Save the file as “CSV UTF-8” and upload it again."


class RowError(NamedTuple):
    """One problem in an uploaded file, where a spreadsheet user would look for it."""

    row: int | None  # 1-based as the spreadsheet shows it, header = 1; None for the file as a whole
    column: str  # the column header; "" for the file or the whole row
    message: str


@dataclass(frozen=True)
class CellChange:
    """One value a file would change: its row, the measure, which value, what is saved now and what the file says."""

    row: int
    measure_code: str
    field: str
    old: object
    new: object


CHANGE_FIELDS = ("numerator", "denominator", "not applicable", "note")


@dataclass(frozen=True)
class ImportGroup:
    """The cells of one team-month in a file, saved together by one `observations_record` call."""

    team: Team
    month: dt.date
    cells: list[ObservationInput]
    rows: list[int]  # the file row of each cell, to point an error raised at commit back at it
    new: int
    changed: int
    unchanged: int
    changes: list[CellChange] = dataclasses.field(default_factory=list)


@dataclass(frozen=True)
class ImportPreview:
    """A parsed and validated upload, nothing saved: what a preview page shows and commit saves."""

    collaborative: Collaborative
    filename: str
    sha256: str
    errors: list[RowError]
    groups: list[ImportGroup]
    skipped_rows: list[int]

    @property
    def new(self) -> int:
        return sum(g.new for g in self.groups)

    @property
    def changed(self) -> int:
        return sum(g.changed for g in self.groups)

    @property
    def unchanged(self) -> int:
        return sum(g.unchanged for g in self.groups)


@dataclass(frozen=True)
class ImportResult:
    """What a commit saved, counted against the database inside its transaction."""

    new: int
    changed: int
    unchanged: int


class ImportRejected(ValidationError):
    """A file refused as a whole; `row_errors` keeps the row and column of each problem."""

    def __init__(self, row_errors: list[RowError]) -> None:
        super().__init__([_describe(e) for e in row_errors])
        self.row_errors = row_errors


class _Rejected(Exception):
    """Stops parsing: the file cannot be read further, or has too many errors to list."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors


class _Uncomputed:
    """An XLSX formula cell saved without its result; what it would compute is unknown."""


class _CellError(Exception):
    """One cell's value does not follow the grammar; the message says how to fix it."""


class _Errors:
    """Collects row errors, up to MAX_ERRORS, so memory stays bounded whatever the file holds."""

    def __init__(self) -> None:
        self.items: list[RowError] = []

    def add(self, row: int | None, column: str, message: str) -> None:
        if len(self.items) >= MAX_ERRORS:
            stop = RowError(None, "", f"Stopped after {MAX_ERRORS} errors. Fix these and upload again.")
            raise _Rejected([*self.items, stop])
        self.items.append(RowError(row, column, message))


def _describe(error: RowError) -> str:
    if error.row is None:
        return error.message
    where = f"Row {error.row}, {error.column}" if error.column else f"Row {error.row}"
    return f"{where}: {error.message}"


def _reject(message: str) -> _Rejected:
    return _Rejected([RowError(None, "", message)])


def _shown(text: str) -> str:
    """A cell value quoted in a message, cut short so a huge cell cannot flood the page."""
    return f"“{text}”" if len(text) <= 30 else f"“{text[:30]}…”"


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value if isinstance(value, str) else str(value)


# Template ---------------------------------------------------------------------------------------


def _template_month(collaborative: Collaborative, today: dt.date) -> dt.date:
    """The month now due, kept inside the collaborative so the template parses without month errors."""
    first, last = months.first_of(collaborative.start_date), months.first_of(collaborative.end_date)
    return min(max(months.now_due(today), first), last)


def import_template(
    *, user: Any, collaborative: Collaborative, fmt: Literal["csv", "xlsx"], today: dt.date | None = None
) -> bytes:
    """A file to fill in: one row per active team the user may enter data for × measure, for the month
    now due. The XLSX template adds a `Measures` sheet with each measure's definitions."""
    if fmt not in ("csv", "xlsx"):
        raise ValueError(f"Unknown template format {fmt!r}")
    access.require(user, access.Action.VIEW, collaborative)
    month = _template_month(collaborative, today or timezone.localdate())
    teams = [
        t
        for t in team_list(user=user, collaborative=collaborative).filter(withdrawn_on__isnull=True)
        if access.can(user, access.Action.ENTER_DATA, t)
    ]
    # A median measure is entered as each case's value on the month's page: a file has no column for it.
    measures = [
        m for m in measure_list(user=user, collaborative=collaborative) if m.kind != Measure.Kind.MEDIAN
    ]
    rows = [
        [team.code, months.format(month), measure.code, None, None, None, None]
        for team in sorted(teams, key=lambda t: t.code)
        for measure in measures
    ]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        writer.writerows([csv_safe(v) for v in row] for row in rows)
        return out.getvalue().encode("utf-8-sig")  # the BOM makes Excel open the file as UTF-8
    workbook = openpyxl.Workbook()
    data = workbook.active
    data.title = DATA_SHEET
    _append_text_rows(data, [list(COLUMNS), *rows])
    data.freeze_panes = "A2"
    sheet = workbook.create_sheet(MEASURES_SHEET)
    _append_text_rows(
        sheet,
        [
            ["measure_code", "name", "kind", "numerator_definition", "denominator_definition", "scale_max"],
            *(
                [m.code, m.name, m.kind, m.numerator_definition, m.denominator_definition, m.scale_max]
                for m in measures
            ),
        ],
    )
    out_xlsx = io.BytesIO()
    workbook.save(out_xlsx)
    return out_xlsx.getvalue()


def _append_text_rows(sheet: Any, rows: Iterable[Sequence[object]]) -> None:
    """Append rows with formula-like text neutralised (collaboratives.exports): a definition typed by an
    admin must not run in a downloader's Excel, not even after the cell is edited."""
    for row in rows:
        sheet.append([csv_safe(value) for value in row])


# Reading a file into rows -----------------------------------------------------------------------


def _read(filename: str, data: bytes) -> list[list[object]]:
    """The file's rows as cell values (str for CSV; str, number, bool or datetime for XLSX)."""
    if not data:
        raise _reject("The file is empty.")
    if len(data) > MAX_FILE_BYTES:
        raise _reject(
            f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB. Split it and upload each part."
        )
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension == "xlsm":
        raise _reject("Workbooks with macros (.xlsm) are not accepted. Save the workbook as .xlsx.")
    if extension == "csv":
        return _read_csv(data)
    if extension == "xlsx":
        return _read_xlsx(data)
    raise _reject("Upload a .csv or .xlsx file.")


def _read_csv(data: bytes) -> list[list[object]]:
    if data.startswith(ZIP_MAGIC):
        raise _reject("This is an Excel workbook, not a CSV file. Upload it with the .xlsx extension.")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _reject("This file is UTF-16 text. Save it as “CSV UTF-8” and upload it again.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = None
    if text is None or "\x00" in text:
        errors = _Errors()
        # UTF-8 never puts a CR or LF byte inside a multi-byte character, so splitting bytes into lines
        # is safe and numbers each bad line as the editor shows it.
        for number, line in enumerate(data.splitlines(), start=1):
            if b"\x00" in line:
                errors.add(number, "", "This line contains a NUL byte, so this is not a text file.")
            else:
                try:
                    line.decode("utf-8")
                except UnicodeDecodeError:
                    errors.add(number, "", _SAVE_AS_UTF8)
        raise _Rejected(errors.items)
    header_line = re.split(r"\r\n|\r|\n", text, maxsplit=1)[0]
    delimiter = max((",", ";", "\t"), key=header_line.count)  # a tie, e.g. a one-column file, is a comma
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[list[object]] = []
    try:
        for record in reader:
            rows.append(list(record))
            if len(rows) > MAX_ROWS + 1:
                raise _reject(_TOO_MANY_ROWS)
    except csv.Error as exc:
        raise _Rejected(
            [RowError(len(rows) + 1, "", f"This row cannot be read as CSV ({exc}). Check its quotes.")]
        ) from None
    return rows


def _read_xlsx(data: bytes) -> list[list[object]]:
    if not data.startswith(ZIP_MAGIC):
        raise _reject(_NOT_EXCEL)
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _reject(_NOT_EXCEL) from None
    if len(members) > MAX_ZIP_ENTRIES:
        raise _reject(
            f"The workbook holds more than {MAX_ZIP_ENTRIES:,} parts. Save it as a plain .xlsx file."
        )
    # Declared sizes are a hard cap: zipfile stops inflating a member at its declared size (and then
    # fails its CRC), so a member that lies about its size cannot unpack past this sum.
    if sum(m.file_size for m in members) > MAX_UNCOMPRESSED_BYTES:
        raise _reject(
            f"The workbook unpacks to more than {MAX_UNCOMPRESSED_BYTES // (1024 * 1024)} MB. "
            "Copy the data into a new workbook, or upload it as .csv."
        )
    names = {m.filename for m in members}
    if "[Content_Types].xml" not in names:
        raise _reject(_NOT_EXCEL)
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise _reject("Workbooks with macros are not accepted. Save the workbook as .xlsx without macros.")
    try:
        rows = _sheet_rows(data, data_only=True)
        formulas = _sheet_rows(data, data_only=False)
    # openpyxl raises many types on hostile input; the user gets a message, never a 500
    except Exception as exc:
        if _from_defusedxml(exc):
            raise _reject(
                "The workbook contains XML entity declarations, which are not accepted. "
                "Copy the data into a new workbook and upload that."
            ) from None
        logger.info("import: openpyxl could not read an upload", exc_info=True)
        raise _reject(_NOT_EXCEL) from None
    if len(rows) > MAX_ROWS + 1:
        raise _reject(_TOO_MANY_ROWS)
    # No value but a formula: the file was written by a script, which saves formulas without results.
    return [
        [_Uncomputed() if v is None and f is not None else v for v, f in zip(row, formula_row, strict=True)]
        for row, formula_row in zip(rows, formulas, strict=True)
    ]


def _sheet_rows(data: bytes, *, data_only: bool) -> list[list[object]]:
    """The `Data` sheet's cells, else the first sheet's; with data_only, a formula gives its saved result."""
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=data_only, keep_links=False)
    try:
        sheet = workbook[DATA_SHEET] if DATA_SHEET in workbook.sheetnames else workbook.worksheets[0]
        # read-only mode yields a padding row for every gap, so the row bound also bounds the work
        return [
            list(row) for row in sheet.iter_rows(max_row=MAX_ROWS + 2, max_col=MAX_COLUMNS, values_only=True)
        ]
    finally:
        workbook.close()


def _from_defusedxml(exc: BaseException | None) -> bool:
    """Whether defusedxml refused the XML: openpyxl re-raises some parse errors as a ValueError."""
    while exc is not None:
        if isinstance(exc, DefusedXmlException):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _columns(header: list[object], errors: _Errors) -> dict[str, int]:
    """The position of each known column; every header problem is an error on row 1."""
    positions: dict[str, int] = {}
    for index, value in enumerate(header):
        raw = _text(value).strip()
        name = raw.lower()
        if not name:
            continue
        if name in positions:
            errors.add(1, raw, f"The column {_shown(raw)} appears more than once.")
        elif name not in COLUMNS:
            errors.add(1, raw, f"Unknown column {_shown(raw)}. The columns are: {', '.join(COLUMNS)}.")
        else:
            positions[name] = index
    for name in REQUIRED_COLUMNS:
        if name not in positions:
            errors.add(1, name, f"The column “{name}” is missing.")
    return positions


# Cell grammar ------------------------------------------------------------------------------------


def _whole_number(value: object) -> int | None:
    if value is None or isinstance(value, str) and not value.strip():
        return None
    shown = _shown(_text(value))
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and (match := _INTEGER.fullmatch(value.strip())):
        if match[1]:
            number = -1
        else:
            digits = match[2].lstrip("0") or "0"
            # Python refuses int() of very long digit strings; past 10 digits it is out of range anyway
            number = int(digits) if len(digits) <= 10 else MAX_VALUE + 1
    else:
        raise _CellError(f"{shown} is not a whole number. Use digits only, e.g. 12.")
    if number < 0:
        raise _CellError(f"{shown} is negative. Enter a whole number, 0 or more.")
    if number > MAX_VALUE:
        raise _CellError(f"{shown} is out of range (at most {MAX_VALUE:,}).")
    return number


def _month(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        if value.day != 1:
            raise _CellError(f"{value:%Y-%m-%d} is a day, not a month. Use YYYY-MM, e.g. 2025-03.")
        return value
    text = _text(value).strip()
    if not text:
        raise _CellError("Enter the month as YYYY-MM, e.g. 2025-03.")
    match = _MONTH.fullmatch(text)
    if match is None or not 1 <= int(match[2]) <= 12:
        raise _CellError(f"{_shown(text)} is not a month. Use YYYY-MM, e.g. 2025-03.")
    return dt.date(int(match[1]), int(match[2]), 1)


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise _CellError(f"{_shown(text)} is not yes or no. Enter yes, or leave it blank.")


def _note(value: object) -> str:
    note = _text(value).strip()
    if (problem := note_problem(note)) is not None:  # the service's rule, as the form and the API
        raise _CellError(problem)
    return note


# Validation --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    number: int
    team: Team
    month: dt.date
    cell: ObservationInput


def _check_cells(
    number: int, row: list[object], positions: dict[str, int], errors: _Errors
) -> dict[str, object] | None:
    """The row's values by column name, or None when there is nothing more to check: the row is blank,
    or a formula's result is unknown. Cells outside the named columns must be blank."""
    if not any(_text(v).strip() for v in row):
        return None
    names = {index: name for name, index in positions.items()}
    uncomputed = False
    for index, value in enumerate(row):
        column = names.get(index, f"column {get_column_letter(index + 1)}")
        if isinstance(value, _Uncomputed):
            errors.add(number, column, _PASTE_VALUES)
            uncomputed = True
        elif index not in names and _text(value).strip():
            errors.add(number, column, "This value has no column header.")
    if uncomputed:
        return None
    return {name: row[index] if index < len(row) else None for name, index in positions.items()}


def _convert(
    errors: _Errors, number: int, column: str, values: dict[str, object], convert: Callable[[object], _T]
) -> _T | None:
    try:
        return convert(values.get(column))
    except _CellError as exc:
        errors.add(number, column, str(exc))
        return None


def _validate_rows(
    *,
    user: Any,
    collaborative: Collaborative,
    today: dt.date,
    rows: list[list[object]],
    positions: dict[str, int],
    errors: _Errors,
) -> tuple[list[_Row], list[int]]:
    """Check every data row against the grammar, the user's teams and the collaborative's measures."""
    teams = {t.code: t for t in team_list(user=user, collaborative=collaborative)}
    measures = {m.code: m for m in measure_list(user=user, collaborative=collaborative)}
    submitted = set(
        MonthlyReport.objects.visible_to(user)
        .filter(team__collaborative=collaborative, status=MonthlyReport.Status.SUBMITTED)
        .values_list("team_id", "month")
    )
    first_month, last_month = collaborative.start_date.replace(day=1), collaborative.end_date
    this_month = today.replace(day=1)
    seen: dict[tuple[int, dt.date, int], int] = {}
    valid: list[_Row] = []
    skipped: list[int] = []
    for number, row in enumerate(rows[1:], start=2):
        bad = len(errors.items)
        values = _check_cells(number, row, positions, errors)
        if values is None:
            continue
        code = _text(values["team_code"]).strip()
        team = teams.get(code)
        if not code:
            errors.add(number, "team_code", "Enter the team code.")
        elif team is None:  # a team the user cannot see reads exactly like one that does not exist
            errors.add(number, "team_code", f"Unknown team code {_shown(code)}.")
        elif not access.can(user, access.Action.ENTER_DATA, team):
            errors.add(number, "team_code", f"You may not enter data for team {code}.")
        month = _convert(errors, number, "month", values, _month)
        if month is not None and not first_month <= month <= last_month:
            errors.add(
                number,
                "month",
                f"{month:%Y-%m} is outside the collaborative ({first_month:%Y-%m} to {last_month:%Y-%m}).",
            )
        elif month is not None and month > this_month:
            errors.add(number, "month", f"{month:%Y-%m} is in the future.")
        elif month is not None and team is not None and (team.id, month) in submitted:
            who = (
                f"Reopen it on team {code}'s {month:%B %Y} data page first."
                if access.can(user, access.Action.REOPEN_MONTH, team)
                else "Ask your CQI lead or improvement advisor to reopen it first."
            )
            errors.add(number, "month", f"{month:%Y-%m} is submitted for team {code}. {who}")
        measure_code = _text(values["measure_code"]).strip()
        measure: Measure | None = measures.get(measure_code)
        if not measure_code:
            errors.add(number, "measure_code", "Enter the measure code.")
        elif measure is None:  # another collaborative's code reads exactly like one that does not exist
            errors.add(number, "measure_code", f"Unknown measure code {_shown(measure_code)}.")
        numerator = _convert(errors, number, "numerator", values, _whole_number)
        denominator = _convert(errors, number, "denominator", values, _whole_number)
        not_applicable = bool(_convert(errors, number, "not_applicable", values, _flag))
        note = _convert(errors, number, "note", values, _note) or ""
        if len(errors.items) > bad:
            continue
        assert team is not None and month is not None and measure is not None
        if (numerator, denominator, not_applicable, note) == (None, None, False, ""):
            skipped.append(number)
            continue
        cell = ObservationInput(measure, numerator, denominator, note, not_applicable=not_applicable)
        for field, message in observation_cell_validate(team, month, cell, prefix="").items():
            errors.add(number, "measure_code" if field == "measure" else field, message)
        key = (team.id, month, measure.id)
        if key in seen:
            errors.add(
                number,
                "measure_code",
                f"Row {seen[key]} already gives {measure.code} for team {code} in {month:%Y-%m}. "
                "Keep one of the two rows.",
            )
        else:
            seen[key] = number
        if len(errors.items) == bad:
            valid.append(_Row(number, team, month, cell))
    return valid, skipped


def _group(user: Any, rows: list[_Row]) -> list[ImportGroup]:
    """Rows by team-month in file order, each counted as new, changed or unchanged against the database."""
    by_key: dict[tuple[int, dt.date], list[_Row]] = {}
    for row in rows:
        by_key.setdefault((row.team.id, row.month), []).append(row)
    stored = {
        (o.team_id, o.month, o.measure_id): (o.numerator, o.denominator, o.not_applicable, o.note)
        for o in observation_list(user=user).filter(
            team__in={r.team.id for r in rows}, month__in={r.month for r in rows}
        )
    }
    groups = []
    for group_rows in by_key.values():
        counts = {"new": 0, "changed": 0, "unchanged": 0}
        changes = []
        for r in group_rows:
            old = stored.get((r.team.id, r.month, r.cell.measure.id))
            values = (r.cell.numerator, r.cell.denominator, r.cell.not_applicable, r.cell.note)
            counts["new" if old is None else "unchanged" if old == values else "changed"] += 1
            if old is not None and old != values:
                changes += [
                    CellChange(r.number, r.cell.measure.code, name, before, after)
                    for name, before, after in zip(CHANGE_FIELDS, old, values, strict=True)
                    if before != after
                ]
        first = group_rows[0]
        groups.append(
            ImportGroup(
                team=first.team,
                month=first.month,
                cells=[r.cell for r in group_rows],
                rows=[r.number for r in group_rows],
                changes=changes,
                **counts,
            )
        )
    return groups


def import_parse(
    *, user: Any, collaborative: Collaborative, filename: str, data: bytes, today: dt.date | None = None
) -> ImportPreview:
    """Read and validate a whole CSV or XLSX upload, saving nothing; every error is listed with its row
    and column. Logs one line (user, collaborative, file hash, counts), never cell values."""
    access.require(user, access.Action.VIEW, collaborative)
    sha256 = hashlib.sha256(data).hexdigest()
    errors = _Errors()
    groups: list[ImportGroup] = []
    skipped: list[int] = []
    try:
        rows = _read(filename, data)
        if not any(_text(v).strip() for row in rows for v in row):
            raise _reject("The file is empty.")
        positions = _columns(rows[0], errors)
        if errors.items:
            raise _Rejected(errors.items)
        valid, skipped = _validate_rows(
            user=user,
            collaborative=collaborative,
            today=today or timezone.localdate(),
            rows=rows,
            positions=positions,
            errors=errors,
        )
        if not valid and not skipped and not errors.items:
            errors.add(None, "", "The file has no data rows.")
        groups = _group(user, valid)
    except _Rejected as exc:
        errors.items = exc.errors
    logger.info(
        "import parse user=%s collaborative=%s sha256=%s errors=%d cells=%d",
        getattr(user, "pk", None),
        collaborative.pk,
        sha256,
        len(errors.items),
        sum(len(g.cells) for g in groups),
    )
    return ImportPreview(
        collaborative=collaborative,
        filename=filename,
        sha256=sha256,
        errors=errors.items,
        groups=groups,
        skipped_rows=skipped,
    )


# Commit ------------------------------------------------------------------------------------------


def _service_errors(group: ImportGroup, exc: ValidationError) -> list[RowError]:
    """Map `observations_record`'s `<measure code>.<field>` keys back to the file's rows and columns."""
    row_of = {cell.measure.code: row for cell, row in zip(group.cells, group.rows, strict=True)}
    if not hasattr(exc, "error_dict"):
        return [RowError(row, "", message) for row in group.rows for message in exc.messages]
    mapped = []
    for key, messages in exc.message_dict.items():
        code, _, field = key.rpartition(".")
        for message in messages:
            if code in row_of:
                mapped.append(
                    RowError(row_of[code], "measure_code" if field == "measure" else field, message)
                )
            else:  # a month-wide error, e.g. the month was submitted after the preview
                mapped.extend(RowError(row, "month" if key == "month" else "", message) for row in group.rows)
    return mapped


@transaction.atomic
def import_commit(*, actor: Any, collaborative: Collaborative, preview: ImportPreview) -> ImportResult:
    """Save a previewed file in one transaction, one `observations_record` call per team-month.

    Any error rolls back the whole file and is raised as ImportRejected with rows and columns.
    Idempotent: unchanged cells write no history and trigger no recompute, so a re-upload changes nothing.
    """
    if preview.collaborative.pk != collaborative.pk:
        raise ImportRejected([RowError(None, "", "This file was checked for another collaborative.")])
    if preview.errors:
        raise ImportRejected(preview.errors)
    # Count again here: the data may have changed since the preview was shown.
    recount = _group(
        actor,
        [_Row(r, g.team, g.month, c) for g in preview.groups for c, r in zip(g.cells, g.rows, strict=True)],
    )
    errors: list[RowError] = []
    for group in preview.groups:
        try:
            observations_record(actor=actor, team=group.team, month=group.month, cells=group.cells)
            fault_point("import_commit", group.rows[0])  # system tests: a process killed mid-file
        except ValidationError as exc:  # its savepoint is rolled back; carry on to list every group's errors
            errors.extend(_service_errors(group, exc))
    if errors:
        raise ImportRejected(errors)
    logger.info(
        "import commit user=%s collaborative=%s sha256=%s cells=%d",
        getattr(actor, "pk", None),
        collaborative.pk,
        preview.sha256,
        sum(len(g.cells) for g in preview.groups),
    )
    return ImportResult(
        new=sum(g.new for g in recount),
        changed=sum(g.changed for g in recount),
        unchanged=sum(g.unchanged for g in recount),
    )


# Stored uploads: the file as uploaded, previewed again at every view and saved once ----------------


def import_summary(preview: ImportPreview, result: ImportResult | None = None) -> dict[str, Any]:
    """Counts per team-month, kept so the upload list and a committed import show what was in the file."""
    counts = result if result is not None else preview
    return {
        "new": counts.new,
        "changed": counts.changed,
        "unchanged": counts.unchanged,
        "errors": len(preview.errors),
        "skipped_rows": len(preview.skipped_rows),
        "groups": [
            {
                "team": g.team.code,
                "team_name": g.team.lia.name,
                "month": months.format(g.month),
                "new": g.new,
                "changed": g.changed,
                "unchanged": g.unchanged,
            }
            for g in preview.groups
        ],
    }


def data_import_store(
    *, actor: Any, collaborative: Collaborative, filename: str, content: bytes, preview: ImportPreview
) -> DataImport:
    """Keep an uploaded file for its preview and commit, with the counts of its first parse."""
    data_import = DataImport(
        collaborative=collaborative,
        uploaded_by=actor,
        filename=filename,
        content=content,
        sha256=preview.sha256,
        summary=import_summary(preview),
    )
    data_import.full_clean()
    data_import.save()
    return data_import


@transaction.atomic
def data_import_commit(*, actor: Any, data_import: DataImport) -> ImportResult | None:
    """Save a stored upload, parsed again against the data as it stands now; None when it was saved
    already. ImportRejected rolls back everything, the claim included."""
    # Claimed first, so a second click or a concurrent request saves nothing twice.
    uploads = DataImport.objects.unscoped(reason="claims an upload the caller loaded through visible_to")
    if not uploads.filter(id=data_import.id, committed_at=None).update(committed_at=timezone.now()):
        return None
    preview = import_parse(
        user=actor,
        collaborative=data_import.collaborative,
        filename=data_import.filename,
        data=bytes(data_import.content),
    )
    result = import_commit(actor=actor, collaborative=data_import.collaborative, preview=preview)
    uploads.filter(id=data_import.id).update(summary=import_summary(preview, result))
    return result
