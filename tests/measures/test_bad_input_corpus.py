"""The bad-input corpus of docs/testing.md §4.1 (files) and §4.3 (forms), sent the way a person sends it:
uploaded on the import page, then previewed and committed; typed into the monthly entry form.

Goal G12: every case is refused with a message naming its row and column (or field), nothing of it
is saved, and no case answers 5xx. The API cases are in the API's own corpus module.
"""

import datetime as dt
import io
import zipfile
from html.parser import HTMLParser
from types import SimpleNamespace

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from measures.models import DataImport, Measure, MonthlyReport, Observation
from tests.factories import MeasureFactory, MonthlyReportFactory

HEADER = "team_code,month,measure_code,numerator,denominator,not_applicable,note"
GOOD = "A1,2025-03,prop,7,10,,"
WHOLE_FILE, WHOLE_ROW = "Whole file", "–whole row"


@pytest.fixture
def measures(world):
    return SimpleNamespace(
        prop=MeasureFactory(collaborative=world.one, code="prop", order=1),
        count=MeasureFactory(collaborative=world.one, code="count", kind=Measure.Kind.COUNT, order=2),
        elsewhere=MeasureFactory(collaborative=world.two, code="elsewhere"),
    )


def csv_bytes(*lines: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode()


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def _zip_bomb() -> bytes:
    """A valid-looking workbook whose one sheet inflates to 30 MB of zeros from about 30 KB."""
    return zip_bytes(
        {"[Content_Types].xml": b"<Types/>", "xl/worksheets/sheet1.xml": b"0" * (30 * 1024 * 1024)}
    )


def _entity_bomb() -> bytes:
    """A workbook whose sheet declares the "billion laughs" entities and uses the largest in a cell."""
    valid = zipfile.ZipFile(io.BytesIO(xlsx_bytes([HEADER.split(","), GOOD.split(",")])))
    members = {name: valid.read(name) for name in valid.namelist()}
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    )
    sheet = members["xl/worksheets/sheet1.xml"].split(b"?>", 1)[-1].lstrip()
    members["xl/worksheets/sheet1.xml"] = (
        f'<?xml version="1.0"?><!DOCTYPE worksheet [{entities}]>'.encode()
        + sheet.replace(b"<t>prop</t>", b"<t>&lol9;</t>")
    )
    return zip_bytes(members)


def _formula_without_result() -> bytes:
    return xlsx_bytes([HEADER.split(","), ["A1", "2025-03", "prop", "=3+4", 10, None, None]])


def _xlsx_day_not_month() -> bytes:
    return xlsx_bytes([HEADER.split(","), ["A1", dt.datetime(2025, 3, 15), "prop", 7, 10, None, None]])


def _with_number(value: str, column: str = "numerator") -> bytes:
    cells = dict(zip(HEADER.split(","), GOOD.split(","), strict=True)) | {column: value}
    return csv_bytes(",".join(cells.values()))


# (case id, file name, content, (row, column, a fragment of the message)); row None: refused on upload.
FILE_CASES = [
    ("1 empty file", "march.csv", b"", (None, None, "The file you chose is empty.")),
    ("1 only blank lines", "march.csv", b"\n\n\n", (None, None, "The file is empty.")),
    ("2 header only", "march.csv", csv_bytes(), (None, None, "The file has no data rows.")),
    ("3 missing column", "march.csv", csv_bytes("A1,2025-03,prop,7", header="team_code,month,measure_code,numerator"),
     (1, "denominator", "The column “denominator” is missing.")),
    ("4 unknown column", "march.csv", csv_bytes(GOOD + ",red", header=HEADER + ",colour"),
     (1, "colour", "Unknown column “colour”.")),
    ("5 duplicate column", "march.csv", csv_bytes(GOOD + ",2025-04", header=HEADER + ",month"),
     (1, "month", "The column “month” appears more than once.")),
    ("6 duplicate row", "march.csv", csv_bytes(GOOD, "A1,2025-03,prop,8,10,,"),
     (3, "measure_code", "Row 2 already gives prop for team A1 in 2025-03.")),
    ("7 numerator over denominator", "march.csv", csv_bytes("A1,2025-03,prop,11,10,,"),
     (2, "numerator", "The numerator (11) cannot be larger than the denominator (10).")),
    ("8 negative", "march.csv", _with_number("-1"), (2, "numerator", "“-1” is negative.")),
    ("8 decimal", "march.csv", _with_number("3.5"), (2, "numerator", "“3.5” is not a whole number.")),
    ("8 decimal zero", "march.csv", _with_number("7.0"), (2, "numerator", "“7.0” is not a whole number.")),
    ("8 exponent", "march.csv", _with_number("1e3", "denominator"), (2, "denominator", "“1e3” is not a whole number.")),
    ("8 NaN", "march.csv", _with_number("NaN"), (2, "numerator", "“NaN” is not a whole number.")),
    ("8 inf", "march.csv", _with_number("inf", "denominator"), (2, "denominator", "“inf” is not a whole number.")),
    ("8 blank numerator", "march.csv", _with_number(""),
     (2, "numerator", "Enter both numerator and denominator, or leave both blank.")),
    ("8 thousands separator", "march.csv", _with_number('"1,200"', "denominator"),
     (2, "denominator", "“1,200” is not a whole number.")),
    ("8 full-width digits", "march.csv", _with_number("１２"), (2, "numerator", "“１２” is not a whole number.")),
    ("8 plus sign", "march.csv", _with_number("+7"), (2, "numerator", "“+7” is not a whole number.")),
    ("8 underscore", "march.csv", _with_number("1_0", "denominator"), (2, "denominator", "“1_0” is not a whole number.")),
    ("10 huge integer", "march.csv", _with_number("99999999999999999999", "denominator"),
     (2, "denominator", "is out of range (at most 2,147,483,647).")),
    ("10 just over int32", "march.csv", _with_number("2147483648", "denominator"),
     (2, "denominator", "“2147483648” is out of range")),
    ("11 mid-month date", "march.csv", csv_bytes("A1,2025-03-15,prop,7,10,,"),
     (2, "month", "“2025-03-15” is not a month.")),
    ("11 impossible date", "march.csv", csv_bytes("A1,2025-02-30,prop,7,10,,"), (2, "month", "“2025-02-30” is not a month.")),
    ("11 ambiguous date", "march.csv", csv_bytes("A1,03/04/2025,prop,7,10,,"), (2, "month", "“03/04/2025” is not a month.")),
    ("11 month 13", "march.csv", csv_bytes("A1,2025-13,prop,7,10,,"), (2, "month", "“2025-13” is not a month.")),
    ("11 before the collaborative", "march.csv", csv_bytes("A1,2024-12,prop,7,10,,"),
     (2, "month", "2024-12 is outside the collaborative (2025-01 to 2027-06).")),
    ("11 future month", "march.csv", csv_bytes("A1,2027-05,prop,7,10,,"), (2, "month", "2027-05 is in the future.")),
    ("11 blank month", "march.csv", csv_bytes("A1,,prop,7,10,,"), (2, "month", "Enter the month as YYYY-MM")),
    ("12 another collaborative's measure", "march.csv", csv_bytes("A1,2025-03,elsewhere,7,10,,"),
     (2, "measure_code", "Unknown measure code “elsewhere”.")),
    ("12 unknown measure", "march.csv", csv_bytes("A1,2025-03,nope,7,10,,"), (2, "measure_code", "Unknown measure code “nope”.")),
    ("13 another tenant's team", "march.csv", csv_bytes("C1,2025-03,prop,7,10,,"), (2, "team_code", "Unknown team code “C1”.")),
    ("13 nonexistent team", "march.csv", csv_bytes("Z9,2025-03,prop,7,10,,"), (2, "team_code", "Unknown team code “Z9”.")),
    ("13 blank team", "march.csv", csv_bytes(",2025-03,prop,7,10,,"), (2, "team_code", "Enter the team code.")),
    ("14 UTF-16", "march.csv", ("\ufeff" + HEADER + "\n" + GOOD + "\n").encode("utf-16-le"),
     (None, None, "This file is UTF-16 text.")),
    ("14 Latin-1 accents", "march.csv", csv_bytes(GOOD[:-1] + "visite reportée").replace("é".encode(), b"\xe9"),
     (2, WHOLE_ROW, "This line is not UTF-8 text.")),
    ("14 NUL byte", "march.csv", csv_bytes(GOOD).replace(b"7,10", b"7\x00,10"),
     (2, WHOLE_ROW, "This line contains a NUL byte")),
    ("15 unterminated quote", "march.csv", csv_bytes('A1,2025-03,prop,7,10,,"never closed'),
     (2, WHOLE_ROW, "This row cannot be read as CSV")),
    ("16 note with control characters", "march.csv", csv_bytes(GOOD + "bell\x07"),
     (2, "note", "The note contains control characters.")),
    ("16 note too long", "march.csv", csv_bytes(GOOD + "x" * 2001), (2, "note", "The note is 2,001 characters long")),
    ("16 not-applicable flag", "march.csv", csv_bytes("A1,2025-03,prop,,,maybe,"), (2, "not_applicable", "“maybe” is not yes or no.")),
    ("16 value with no header", "march.csv", csv_bytes(GOOD + ",extra"), (2, "column H", "This value has no column header.")),
    ("18 too many rows", "march.csv", csv_bytes(*["A1,2025-03,prop,,,,"] * 20_001),
     (None, None, "The file has more than 20,000 data rows.")),
    ("19 CSV named .xlsx", "march.xlsx", csv_bytes(GOOD), (None, None, "This is not a valid Excel file.")),
    ("19 XLSX named .csv", "march.csv", xlsx_bytes([HEADER.split(",")]), (None, None, "This is an Excel workbook, not a CSV file.")),
    ("19 program renamed .xlsx", "march.xlsx", b"MZ\x90\x00" + b"\x00" * 200, (None, None, "This is not a valid Excel file.")),
    ("19 zip without workbook parts", "march.xlsx", zip_bytes({"hello.txt": b"hi"}), (None, None, "This is not a valid Excel file.")),
    ("19 other extension", "march.txt", csv_bytes(GOOD), (None, None, "Upload a .csv or .xlsx file.")),
    ("20 zip bomb", "march.xlsx", _zip_bomb(), (None, None, "The workbook unpacks to more than 20 MB.")),
    ("20 too many zip entries", "march.xlsx",
     zip_bytes({"[Content_Types].xml": b"<Types/>"} | {f"x/{n}.xml": b"" for n in range(1001)}),
     (None, None, "The workbook holds more than 1,000 parts.")),
    ("21 XML entity bomb", "march.xlsx", _entity_bomb(), (None, None, "The workbook contains XML entity declarations")),
    ("22 macro workbook", "march.xlsm", xlsx_bytes([HEADER.split(",")]), (None, None, "Workbooks with macros (.xlsm) are not accepted.")),
    ("22 formula without a saved result", "march.xlsx", _formula_without_result(),
     (2, "numerator", "This cell holds a formula with no saved result.")),
    ("23 date cell not on the first", "march.xlsx", _xlsx_day_not_month(),
     (2, "month", "2025-03-15 is a day, not a month.")),
]  # fmt: skip


class _ErrorTable(HTMLParser):
    """The (row, column, problem) cells of the preview's `data-import-errors` table."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._in_table = self._in_cell = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and any(name == "data-import-errors" for name, _ in attrs):
            self._in_table = True
        elif self._in_table and tag == "tr":
            self.rows.append([])
        elif self._in_table and tag == "td":
            self._in_cell = True
            self.rows[-1].append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._in_table = False
        elif tag == "td":
            self._in_cell = False

    def handle_data(self, data: str) -> None:
        if self._in_cell:
            self.rows[-1][-1] += data.strip()


def error_rows(html: str) -> list[tuple[str, str, str]]:
    parser = _ErrorTable()
    parser.feed(html)
    return [tuple(cells) for cells in parser.rows if cells]


def import_url(world) -> str:
    return f"/collaboratives/{world.one.public_id}/import/"


@pytest.mark.parametrize(
    ("filename", "content", "expected"), [c[1:] for c in FILE_CASES], ids=[c[0] for c in FILE_CASES]
)
def test_a_bad_file_is_refused_with_its_row_and_column_and_nothing_is_saved(
    client, world, measures, filename, content, expected
):
    client.force_login(world.alice)
    row, column, message = expected
    response = client.post(import_url(world), {"file": SimpleUploadedFile(filename, content)})

    if row is None:  # refused on the upload page, the file not kept
        assert response.status_code == 400
        assert message in response.content.decode()
        assert not DataImport.objects.exists()
    else:
        assert response.status_code == 302, response.content.decode()[:2000]
        preview = client.get(response["Location"])
        assert preview.status_code == 200
        problems = error_rows(preview.content.decode())
        assert any(r == str(row) and c == column and message in m for r, c, m in problems), problems
        commit = client.post(response["Location"] + "commit/")
        assert commit.status_code == 400
        assert "Nothing was saved." in commit.content.decode()
        assert DataImport.objects.get().committed_at is None
    assert not Observation.objects.exists()
    assert Observation.history.count() == 0


def test_a_submitted_month_in_a_file_is_refused_until_reopened(client, world, measures):
    MonthlyReportFactory(team=world.team_a1, month=dt.date(2025, 3, 1), status=MonthlyReport.Status.SUBMITTED)
    client.force_login(world.alice)
    response = client.post(import_url(world), {"file": SimpleUploadedFile("march.csv", csv_bytes(GOOD))})
    problems = error_rows(client.get(response["Location"]).content.decode())
    assert problems == [
        (
            "2",
            "month",
            # alice is A1's CQI lead: she reopens months herself, so she is not told to ask her CQI lead.
            "2025-03 is submitted for team A1. Reopen it on team A1's March 2025 data page first.",
        )
    ]
    assert client.post(response["Location"] + "commit/").status_code == 400
    assert not Observation.objects.exists()


def test_an_oversize_upload_is_refused_before_it_is_parsed(client, world, measures):
    client.force_login(world.alice)
    big = SimpleUploadedFile("march.csv", csv_bytes(GOOD) + b"#" * (2 * 1024 * 1024))
    response = client.post(import_url(world), {"file": big})
    assert response.status_code == 400
    assert "“march.csv” is larger than 2 MB" in response.content.decode()
    assert not DataImport.objects.exists()
    assert not Observation.objects.exists()


def test_formula_and_markup_in_a_note_are_stored_as_text_and_shown_escaped(client, world, measures):
    client.force_login(world.alice)
    note = '=HYPERLINK("http://x.invalid")"><img src=x onerror=alert(1)>'
    content = csv_bytes(f'A1,2025-03,prop,7,10,,"{note.replace(chr(34), chr(34) * 2)}"')
    response = client.post(import_url(world), {"file": SimpleUploadedFile("march.csv", content)})
    assert client.post(response["Location"] + "commit/").status_code == 302
    assert Observation.objects.get().note == note
    page = client.get(f"/teams/{world.team_a1.public_id}/data/2025-03/").content.decode()
    assert "<img src=x onerror" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


# docs/testing.md §4.3: the monthly entry form --------------------------------------------------------------------

FORM_CASES = [
    ("-1", "numerator", "Enter a whole number, 0 or more."),
    ("3.5", "numerator", "Enter a whole number, 0 or more."),
    ("7.0", "numerator", "Enter a whole number, 0 or more."),
    ("1e3", "denominator", "Enter a whole number, 0 or more."),
    ("NaN", "numerator", "Enter a whole number, 0 or more."),
    ("inf", "denominator", "Enter a whole number, 0 or more."),
    ("1,200", "denominator", "Enter a whole number, 0 or more."),
    ("１２", "denominator", "Enter a whole number, 0 or more."),
    ("٣", "numerator", "Enter a whole number, 0 or more."),
    ("+5", "numerator", "Enter a whole number, 0 or more."),
    ("1_000", "denominator", "Enter a whole number, 0 or more."),
    ("seven", "numerator", "Enter a whole number, 0 or more."),
    ("2147483648", "denominator", "Enter a number no larger than 2,147,483,647."),
    ("9" * 5000, "denominator", "Enter a number no larger than 2,147,483,647."),
    ("11", "numerator", "The numerator (11) cannot be larger than the denominator (10)."),
]


def _entry_post(client, world, **fields: str):
    data = {"action": "save", "prop-numerator": "7", "prop-denominator": "10", "count-numerator": ""} | fields
    return client.post(f"/teams/{world.team_a1.public_id}/data/2025-03/", data)


@pytest.mark.parametrize(
    ("value", "field", "message"), FORM_CASES, ids=[f"{c[1]}={c[0][:12]}" for c in FORM_CASES]
)
def test_a_bad_number_in_the_entry_form_is_refused_at_its_field(
    client, world, measures, value, field, message
):
    client.force_login(world.alice)
    response = _entry_post(client, world, **{f"prop-{field}": value})
    page = response.content.decode()
    assert response.status_code == 400
    assert (
        f'<a class="alert-link" href="#id_prop-{field}">{message}</a>' in page
    )  # summary links to the field
    assert f'id="id_prop-{field}_error"' in page
    assert f'value="{value}"' in page  # the page keeps what was typed
    assert not Observation.objects.exists()
    assert not MonthlyReport.objects.exists()


BAD_NOTES = [
    ("x" * 2001, "Ensure this value has at most 2000 characters (it has 2001)."),
    ("rang the bell\x07", "The note contains control characters. Remove them and save again."),
    ("nul\x00byte", "Null characters are not allowed."),
]


@pytest.mark.parametrize(("note", "message"), BAD_NOTES, ids=["too long", "control character", "NUL"])
def test_a_bad_note_in_the_entry_form_is_refused_at_its_field(client, world, measures, note, message):
    client.force_login(world.alice)
    response = _entry_post(client, world, **{"prop-note": note})
    assert response.status_code == 400
    assert f'<a class="alert-link" href="#id_prop-note">{message}</a>' in response.content.decode()
    assert not Observation.objects.exists()


def test_spaces_around_digits_and_emoji_in_a_note_are_accepted_exactly(client, world, measures):
    client.force_login(world.alice)
    response = _entry_post(client, world, **{"prop-numerator": " 7 ", "prop-note": "Home visits 🏠 resumed"})
    assert response.status_code == 302
    assert Observation.objects.filter(measure=measures.prop).values_list(
        "numerator", "denominator", "note"
    ).get() == (
        7,
        10,
        "Home visits 🏠 resumed",
    )


SINGLE_REFUSALS = 2  # a submitted month, an oversize upload


def test_the_corpus_is_large_enough_to_mean_something():
    refused = len(FILE_CASES) + SINGLE_REFUSALS + len(FORM_CASES) + len(BAD_NOTES)
    print(
        f"\nG12 corpus (files and forms): {refused} bad inputs refused with nothing saved, 2 valid look-alikes kept exactly"
    )
    assert refused >= 60
