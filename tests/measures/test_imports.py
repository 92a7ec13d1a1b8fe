import csv
import datetime as dt
import io
import tracemalloc
import zipfile
from types import SimpleNamespace

import openpyxl
import pytest

from measures import imports
from measures.imports import ImportRejected, RowError, import_commit, import_parse, import_template
from measures.models import Measure, MonthlyReport, Observation
from tests.factories import MeasureFactory, MonthlyReportFactory, ObservationFactory

TODAY = dt.date(2025, 6, 10)  # the month now due is May 2025
MARCH, APRIL = dt.date(2025, 3, 1), dt.date(2025, 4, 1)
HEADER = "team_code,month,measure_code,numerator,denominator,not_applicable,note"
XLSX_HEADER = HEADER.split(",")


@pytest.fixture
def measures(world):
    return SimpleNamespace(
        prop=MeasureFactory(collaborative=world.one, code="prop", order=1),
        mean=MeasureFactory(
            collaborative=world.one, code="mean", kind=Measure.Kind.MEAN, scale_max=6, order=2
        ),
        count=MeasureFactory(collaborative=world.one, code="count", kind=Measure.Kind.COUNT, order=3),
        elsewhere=MeasureFactory(collaborative=world.two, code="elsewhere"),
    )


def csv_file(*lines: str) -> bytes:
    return ("\n".join([HEADER, *lines]) + "\n").encode()


def xlsx_file(rows: list[list[object]], title: str = "Data") -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def parse(world, data: bytes, filename: str = "may.csv", user=None):
    return import_parse(
        user=user or world.bob, collaborative=world.one, filename=filename, data=data, today=TODAY
    )


def stored() -> list[tuple]:
    return list(
        Observation.objects.order_by("month", "measure__order").values_list(
            "team__code", "month", "measure__code", "numerator", "denominator", "not_applicable", "note"
        )
    )


def only_error(world, data: bytes, filename: str = "may.csv") -> RowError:
    preview = parse(world, data, filename)
    assert len(preview.errors) == 1, preview.errors
    return preview.errors[0]


GOOD_ROWS = [
    ["A1", "2025-03", "prop", "7", "10", "", "two families moved"],
    ["A1", "2025-03", "mean", "20", "5", "", ""],
    ["A1", "2025-04", "count", "3", "", "", ""],
    ["A1", "2025-04", "prop", "", "", "yes", "no visits planned"],
]
GOOD_STORED = [
    ("A1", MARCH, "prop", 7, 10, False, "two families moved"),
    ("A1", MARCH, "mean", 20, 5, False, ""),
    ("A1", APRIL, "prop", None, None, True, "no visits planned"),
    ("A1", APRIL, "count", 3, None, False, ""),
]


# Happy paths ---------------------------------------------------------------------------------------


def test_a_csv_file_is_previewed_by_team_month_then_saved_with_history(world, measures):
    preview = parse(world, csv_file(*(",".join(r) for r in GOOD_ROWS)))

    assert preview.errors == []
    assert [(g.team.code, g.month, g.rows, g.new, g.changed, g.unchanged) for g in preview.groups] == [
        ("A1", MARCH, [2, 3], 2, 0, 0),
        ("A1", APRIL, [4, 5], 2, 0, 0),
    ]
    assert Observation.objects.count() == 0  # a preview saves nothing

    result = import_commit(actor=world.bob, collaborative=world.one, preview=preview)

    assert (result.new, result.changed, result.unchanged) == (4, 0, 0)
    assert stored() == GOOD_STORED
    assert Observation.history.count() == 4
    assert set(Observation.history.values_list("history_user__username", flat=True)) == {"bob@example.org"}


def test_an_xlsx_workbook_is_saved_like_the_same_csv(world, measures):
    data = xlsx_file(
        [
            XLSX_HEADER,
            ["A1", "2025-03", "prop", 7, 10, None, "two families moved"],
            ["A1", "2025-03", "mean", 20, 5, None, None],
            ["A1", "2025-04", "count", 3, None, None, None],
            ["A1", "2025-04", "prop", None, None, "yes", "no visits planned"],
        ]
    )

    preview = parse(world, data, "may.xlsx")
    import_commit(actor=world.bob, collaborative=world.one, preview=preview)

    assert preview.errors == []
    assert stored() == GOOD_STORED


def test_uploading_the_same_file_again_changes_nothing_and_writes_no_history(
    world, measures, django_capture_on_commit_callbacks
):
    data = csv_file(*(",".join(r) for r in GOOD_ROWS))
    import_commit(actor=world.bob, collaborative=world.one, preview=parse(world, data))
    history_before = Observation.history.count()

    again = parse(world, data)
    with django_capture_on_commit_callbacks() as callbacks:
        result = import_commit(actor=world.bob, collaborative=world.one, preview=again)

    assert (again.new, again.changed, again.unchanged) == (0, 0, 4)
    assert (result.new, result.changed, result.unchanged) == (0, 0, 4)
    assert Observation.history.count() == history_before
    assert callbacks == []  # no recompute enqueued
    assert stored() == GOOD_STORED


def test_the_preview_counts_new_changed_and_unchanged_cells_against_the_database(world, measures):
    ObservationFactory(team=world.team_a1, measure=measures.prop, month=MARCH, numerator=7, denominator=10)
    ObservationFactory(team=world.team_a1, measure=measures.mean, month=MARCH, numerator=1, denominator=1)

    preview = parse(
        world, csv_file("A1,2025-03,prop,7,10,,", "A1,2025-03,mean,20,5,,", "A1,2025-03,count,3,,,")
    )

    assert (preview.new, preview.changed, preview.unchanged) == (1, 1, 1)


# Validation: every error, with row and column; nothing saved ------------------------------------------


def test_a_file_with_several_bad_rows_lists_each_with_row_column_and_reason_and_saves_nothing(
    world, measures
):
    data = csv_file(
        "A1,2025-03,prop,7,10,,fine",
        "A1,2025-03,mean,40,5,,",
        "A1,2025-03-15,count,1,,,",
        "A1,2025-04,nope,1,2,,",
        "A1,2025-04,prop,-1,x,,",
        "A1,2025-04,count,1,,maybe,",
        "A1,2025-04,mean,3,2,yes,",
        "A1,2025-05,prop,11,10,,",
        "A1,2025-05,mean,4,,,",
        "A1,2025-03,prop,8,10,,",
    )

    preview = parse(world, data)

    assert preview.errors == [
        RowError(3, "numerator", "The sum of scores (40) cannot exceed 6 × the number of scores (5)."),
        RowError(4, "month", "“2025-03-15” is not a month. Use YYYY-MM, e.g. 2025-03."),
        RowError(5, "measure_code", "Unknown measure code “nope”."),
        RowError(6, "numerator", "“-1” is negative. Enter a whole number, 0 or more."),
        RowError(6, "denominator", "“x” is not a whole number. Use digits only, e.g. 12."),
        RowError(7, "not_applicable", "“maybe” is not yes or no. Enter yes, or leave it blank."),
        RowError(
            8,
            "not_applicable",
            "Leave the values blank when the measure does not apply this month, or untick not applicable.",
        ),
        RowError(9, "numerator", "The numerator (11) cannot be larger than the denominator (10)."),
        RowError(10, "denominator", "Enter both numerator and denominator, or leave both blank."),
        RowError(
            11, "measure_code", "Row 2 already gives prop for team A1 in 2025-03. Keep one of the two rows."
        ),
    ]
    with pytest.raises(ImportRejected) as rejected:
        import_commit(actor=world.bob, collaborative=world.one, preview=preview)
    assert rejected.value.row_errors == preview.errors
    assert rejected.value.messages[0] == (
        "Row 3, numerator: The sum of scores (40) cannot exceed 6 × the number of scores (5)."
    )
    assert Observation.objects.count() == 0


def test_another_tenants_team_code_is_reported_exactly_like_an_unknown_code(world, measures):
    # C1 is LIA C's team in the same collaborative; A2 is bob's own team, but in collaborative TWO.
    preview = parse(
        world, csv_file("C1,2025-03,prop,1,2,,", "ZZ9,2025-03,prop,1,2,,", "A2,2025-03,prop,1,2,,")
    )

    assert preview.errors == [
        RowError(2, "team_code", "Unknown team code “C1”."),
        RowError(3, "team_code", "Unknown team code “ZZ9”."),
        RowError(4, "team_code", "Unknown team code “A2”."),
    ]
    assert Observation.objects.count() == 0


def test_a_measure_of_another_collaborative_is_reported_exactly_like_an_unknown_one(world, measures):
    preview = parse(world, csv_file("A1,2025-03,elsewhere,1,2,,", "A1,2025-03,nowhere,1,2,,"))

    assert preview.errors == [
        RowError(2, "measure_code", "Unknown measure code “elsewhere”."),
        RowError(3, "measure_code", "Unknown measure code “nowhere”."),
    ]


@pytest.mark.parametrize("person", ["diana", "frank"])
def test_a_team_the_user_sees_but_may_not_enter_data_for_is_refused(world, measures, person):
    preview = parse(world, csv_file("B1,2025-03,prop,1,2,,"), user=getattr(world, person))

    assert preview.errors == [RowError(2, "team_code", "You may not enter data for team B1.")]


@pytest.mark.parametrize(
    ("month", "message"),
    [
        ("2024-03-15", "“2024-03-15” is not a month. Use YYYY-MM, e.g. 2025-03."),
        ("2024-02-30", "“2024-02-30” is not a month. Use YYYY-MM, e.g. 2025-03."),
        ("03/04/2025", "“03/04/2025” is not a month. Use YYYY-MM, e.g. 2025-03."),
        ("2025-13", "“2025-13” is not a month. Use YYYY-MM, e.g. 2025-03."),
        ("", "Enter the month as YYYY-MM, e.g. 2025-03."),
        ("2024-12", "2024-12 is outside the collaborative (2025-01 to 2027-06)."),
        ("2027-07", "2027-07 is outside the collaborative (2025-01 to 2027-06)."),
        ("2025-07", "2025-07 is in the future."),
    ],
)
def test_a_month_that_is_not_a_reportable_month_is_a_row_error(world, measures, month, message):
    assert only_error(world, csv_file(f"A1,{month},prop,1,2,,")) == RowError(2, "month", message)


@pytest.mark.parametrize("month", ["2025-03", "2025-03-01", " 2025-03 "])
def test_a_month_is_accepted_as_year_and_month_or_its_first_day(world, measures, month):
    preview = parse(world, csv_file(f"A1,{month},prop,1,2,,"))

    assert preview.errors == []
    assert preview.groups[0].month == MARCH


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("3.5", "“3.5” is not a whole number. Use digits only, e.g. 12."),
        ("12.0", "“12.0” is not a whole number. Use digits only, e.g. 12."),
        ("1e3", "“1e3” is not a whole number. Use digits only, e.g. 12."),
        ("NaN", "“NaN” is not a whole number. Use digits only, e.g. 12."),
        ("inf", "“inf” is not a whole number. Use digits only, e.g. 12."),
        ('"1,200"', "“1,200” is not a whole number. Use digits only, e.g. 12."),
        ("１２", "“１２” is not a whole number. Use digits only, e.g. 12."),
        ("+5", "“+5” is not a whole number. Use digits only, e.g. 12."),
        ("-3", "“-3” is negative. Enter a whole number, 0 or more."),
        ("2147483648", "“2147483648” is out of range (at most 2,147,483,647)."),
        ("99999999999999999999", "“99999999999999999999” is out of range (at most 2,147,483,647)."),
        ("9" * 5000, f"“{'9' * 30}…” is out of range (at most 2,147,483,647)."),
    ],
)
def test_a_count_that_is_not_plain_digits_is_a_row_error(world, measures, value, message):
    assert only_error(world, csv_file(f"A1,2025-03,count,{value},,,")) == RowError(2, "numerator", message)


@pytest.mark.parametrize(
    ("value", "number"), [(" 12 ", 12), ("0", 0), ("007", 7), ("2147483647", 2147483647)]
)
def test_digits_with_surrounding_spaces_are_accepted(world, measures, value, number):
    preview = parse(world, csv_file(f"A1,2025-03,count,{value},,,"))

    assert preview.errors == []
    assert preview.groups[0].cells[0].numerator == number


def test_a_zero_denominator_with_a_zero_numerator_is_accepted(world, measures):
    preview = parse(world, csv_file("A1,2025-03,prop,0,0,,"))
    import_commit(actor=world.bob, collaborative=world.one, preview=preview)

    assert stored() == [("A1", MARCH, "prop", 0, 0, False, "")]


def test_a_submitted_month_is_refused_until_it_is_reopened(world, measures):
    MonthlyReportFactory(team=world.team_a1, month=MARCH, status=MonthlyReport.Status.SUBMITTED)

    assert only_error(world, csv_file("A1,2025-03,prop,1,2,,")) == RowError(
        2,
        "month",
        "2025-03 is submitted for team A1. Ask your CQI lead or improvement advisor to reopen it first.",
    )


def test_template_rows_left_blank_and_blank_lines_are_skipped_without_changing_row_numbers(world, measures):
    ObservationFactory(team=world.team_a1, measure=measures.mean, month=MARCH, numerator=4, denominator=2)
    data = csv_file("A1,2025-03,mean,,,,", "", ",,,,,,", "A1,2025-03,prop,1,2,,", "A1,2025-03,count,x,,,")

    preview = parse(world, data)

    assert preview.skipped_rows == [2]
    assert preview.errors == [
        RowError(6, "numerator", "“x” is not a whole number. Use digits only, e.g. 12.")
    ]
    assert preview.groups[0].rows == [5]


def test_a_value_outside_the_named_columns_is_an_error(world, measures):
    assert only_error(world, csv_file("A1,2025-03,prop,1,2,,,surprise")) == RowError(
        2, "column H", "This value has no column header."
    )


def test_the_optional_columns_may_be_left_out_and_columns_may_come_in_any_order(world, measures):
    data = b"Measure_Code,numerator,denominator,month,team_code\nprop,1,2,2025-03,A1\n"

    preview = parse(world, data)

    assert preview.errors == []
    assert preview.groups[0].cells[0].numerator == 1


# Notes ---------------------------------------------------------------------------------------------


def test_notes_are_stored_as_text_exactly_never_evaluated(world, measures):
    notes = [
        '=HYPERLINK("http://evil.example","x")',
        "+cmd|' /C calc'!A0",
        "@SUM(A1:A2)",
        "-2+3",
        '"><img src=x onerror=alert(1)><script>alert(1)</script>',
        "Família São José — 3 visitas 👶",
        "first line\r\nsecond line",
    ]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(XLSX_HEADER)
    codes = ["prop", "mean", "count"]
    writer.writerows(
        ["A1", f"2025-0{1 + i // 3}", codes[i % 3], "1", "1", "", note] for i, note in enumerate(notes)
    )

    preview = parse(world, out.getvalue().encode())
    import_commit(actor=world.bob, collaborative=world.one, preview=preview)

    assert preview.errors == []
    assert (
        list(Observation.objects.order_by("month", "measure__order").values_list("note", flat=True)) == notes
    )


def test_a_note_over_the_length_limit_or_with_control_characters_is_a_row_error(world, measures):
    data = csv_file(
        f"A1,2025-03,prop,1,2,,{'n' * 2000}",
        f"A1,2025-03,mean,1,2,,{'n' * 2001}",
        "A1,2025-03,count,1,,,bell\x07",
    )

    assert parse(world, data).errors == [
        RowError(3, "note", "The note is 2,001 characters long; the limit is 2,000."),
        RowError(4, "note", "The note contains control characters. Remove them and save again."),
    ]


# The file as a whole (docs/testing.md §4.1) -----------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "data", "errors"),
    [
        ("may.csv", b"", [RowError(None, "", "The file is empty.")]),
        ("may.csv", b"\n\r\n  \n", [RowError(None, "", "The file is empty.")]),
        ("may.csv", HEADER.encode() + b"\n", [RowError(None, "", "The file has no data rows.")]),
        ("may.csv", HEADER.encode() + b"\n\n,,,\n", [RowError(None, "", "The file has no data rows.")]),
        (
            "may.csv",
            b"team_code,month,numerator\nA1,2025-03,1\n",
            [
                RowError(1, "measure_code", "The column “measure_code” is missing."),
                RowError(1, "denominator", "The column “denominator” is missing."),
            ],
        ),
        (
            "may.csv",
            HEADER.encode() + b",site\n",
            [
                RowError(
                    1,
                    "site",
                    "Unknown column “site”. The columns are: team_code, month, measure_code, numerator, "
                    "denominator, not_applicable, note.",
                )
            ],
        ),
        (
            "may.csv",
            b"team_code,month,measure_code,numerater,denominator\n",
            [
                RowError(
                    1,
                    "numerater",
                    "Unknown column “numerater”. The columns are: team_code, month, measure_code, numerator, "
                    "denominator, not_applicable, note.",
                ),
                RowError(1, "numerator", "The column “numerator” is missing."),
            ],
        ),
        (
            "may.csv",
            HEADER.encode() + b",Note\n",
            [RowError(1, "Note", "The column “Note” appears more than once.")],
        ),
        (
            "may.csv",
            HEADER.encode() + b'\nA1,2025-03,prop,1,2,,"unterminated\n',
            [
                RowError(
                    2,
                    "",
                    "This row cannot be read as CSV (unexpected end of data). Check its quotes.",
                )
            ],
        ),
        (
            "may.csv",
            HEADER.encode() + b"\nA1,2025-03,prop,1,2,,fine\nA1,2025-03,mean,1\x00,2,,\n",
            [RowError(3, "", "This line contains a NUL byte, so this is not a text file.")],
        ),
        (
            "may.csv",
            HEADER.encode() + "\nA1,2025-03,prop,1,2,,café\n".encode("latin-1"),
            [RowError(2, "", imports._SAVE_AS_UTF8)],
        ),
        (
            "may.csv",
            (HEADER + "\nA1,2025-03,prop,1,2,,\n").encode("utf-16"),
            [RowError(None, "", "This file is UTF-16 text. Save it as “CSV UTF-8” and upload it again.")],
        ),
        (
            "may.txt",
            HEADER.encode(),
            [RowError(None, "", "Upload a .csv or .xlsx file.")],
        ),
        (
            "may.xlsm",
            HEADER.encode(),
            [
                RowError(
                    None, "", "Workbooks with macros (.xlsm) are not accepted. Save the workbook as .xlsx."
                )
            ],
        ),
        (
            "may.csv",
            xlsx_file([XLSX_HEADER]),
            [
                RowError(
                    None, "", "This is an Excel workbook, not a CSV file. Upload it with the .xlsx extension."
                )
            ],
        ),
        ("may.xlsx", HEADER.encode(), [RowError(None, "", imports._NOT_EXCEL)]),
    ],
    ids=[
        "empty",
        "only blank lines",
        "header only",
        "header and blank rows",
        "missing columns",
        "extra column",
        "misspelled column",
        "duplicate column",
        "unterminated quote",
        "NUL byte",
        "latin-1",
        "utf-16",
        "other extension",
        "xlsm",
        "xlsx named csv",
        "csv named xlsx",
    ],
)
def test_a_file_that_cannot_be_imported_says_why_and_saves_nothing(world, measures, filename, data, errors):
    preview = parse(world, data, filename)

    assert preview.errors == errors
    assert preview.groups == []
    with pytest.raises(ImportRejected):
        import_commit(actor=world.bob, collaborative=world.one, preview=preview)
    assert Observation.objects.count() == 0


def test_a_utf8_file_with_a_bom_semicolons_and_crlf_line_endings_is_read(world, measures):
    data = "\ufeff" + HEADER.replace(",", ";") + "\r\nA1;2025-03;prop;1;2;;Ça va\r\n"

    preview = parse(world, data.encode())

    assert preview.errors == []
    assert preview.groups[0].cells[0].note == "Ça va"


def test_a_tab_separated_file_is_read(world, measures):
    preview = parse(world, (HEADER.replace(",", "\t") + "\nA1\t2025-03\tprop\t1\t2\t\t\n").encode())

    assert preview.errors == []


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(world, measures):
    data = csv_file("A1,2025-03,prop,1,2,," + "x" * imports.MAX_FILE_BYTES)

    assert parse(world, data).errors == [
        RowError(None, "", "The file is larger than 2 MB. Split it and upload each part.")
    ]


def test_a_file_with_too_many_rows_is_refused(world, measures):
    data = csv_file(*["A1,2025-03,prop,1,2,,"] * (imports.MAX_ROWS + 1))

    assert parse(world, data).errors == [
        RowError(None, "", "The file has more than 20,000 data rows. Split it and upload each part.")
    ]


def test_a_binary_file_renamed_csv_stops_after_the_error_limit(world, measures):
    data = b"\x00\n" * (imports.MAX_ERRORS + 10)

    errors = parse(world, data).errors

    assert len(errors) == imports.MAX_ERRORS + 1
    assert errors[-1] == RowError(None, "", "Stopped after 500 errors. Fix these and upload again.")


# XLSX: cell types and hostile workbooks -------------------------------------------------------------


def test_xlsx_cells_are_read_by_type_and_text_that_looks_like_a_formula_stays_text(world, measures):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Notes about this file"])  # a first sheet that is not the data: the "Data" sheet is read
    data = workbook.create_sheet("Data")
    data.append(XLSX_HEADER)
    data.append(["A1", dt.datetime(2025, 3, 1), "prop", 7, 10.0, False, "=1+1"])
    data["G2"].data_type = "s"  # typed as text in Excel, not a formula
    data.append(["A1", "2025-03", "mean", 3.5, 2, None, None])
    data.append(["A1", dt.datetime(2025, 3, 15), "count", True, None, None, None])
    data.append(["A1", "2025-04", "prop", None, None, True, 42])
    out = io.BytesIO()
    workbook.save(out)

    preview = parse(world, out.getvalue(), "may.xlsx")

    assert preview.errors == [
        RowError(3, "numerator", "“3.5” is not a whole number. Use digits only, e.g. 12."),
        RowError(4, "month", "2025-03-15 is a day, not a month. Use YYYY-MM, e.g. 2025-03."),
        RowError(4, "numerator", "“True” is not a whole number. Use digits only, e.g. 12."),
    ]
    assert [
        (c.numerator, c.denominator, c.not_applicable, c.note) for g in preview.groups for c in g.cells
    ] == [
        (7, 10, False, "=1+1"),
        (None, None, True, "42"),
    ]


def test_a_formula_saved_without_its_result_asks_for_values_instead(world, measures):
    # openpyxl writes formulas without a saved result, as any script would; Excel always saves one.
    data = xlsx_file(
        [
            XLSX_HEADER,
            ["A1", "2025-03", "prop", "=5+5", 10, None, None],
            ["A1", "2025-03", "count", "=2*3", None, None, None],
        ]
    )

    assert parse(world, data, "may.xlsx").errors == [
        RowError(2, "numerator", imports._PASTE_VALUES),
        RowError(3, "numerator", imports._PASTE_VALUES),
    ]


def test_a_formula_counts_as_its_saved_result(world, measures):
    data = xlsx_file([XLSX_HEADER, ["A1", "2025-03", "prop", "=5+2", 10, None, None]])
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        members = {name: source.read(name) for name in source.namelist()}
    sheet = members["xl/worksheets/sheet1.xml"]
    assert b"<f>5+2</f><v />" in sheet
    members["xl/worksheets/sheet1.xml"] = sheet.replace(b"<f>5+2</f><v />", b"<f>5+2</f><v>7</v>")

    preview = parse(world, zip_file(members), "may.xlsx")

    assert preview.errors == []
    assert preview.groups[0].cells[0].numerator == 7


def zip_file(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def test_a_renamed_exe_is_not_an_excel_file(world, measures):
    exe = (
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"
        + b"\x00" * 200
        + b"This program cannot be run in DOS mode"
    )

    assert only_error(world, exe, "may.xlsx") == RowError(None, "", imports._NOT_EXCEL)


@pytest.mark.parametrize(
    "data",
    [
        b"PK\x03\x04 but not really a zip",
        zip_file({"xl/workbook.xml": b"<workbook/>"}),
        zip_file({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"not xml"}),
    ],
    ids=["broken zip", "no content types", "zip of junk"],
)
def test_a_zip_that_is_not_a_workbook_is_not_an_excel_file(world, measures, data):
    assert only_error(world, data, "may.xlsx") == RowError(None, "", imports._NOT_EXCEL)


def test_a_workbook_with_macros_is_refused(world, measures):
    data = xlsx_file([XLSX_HEADER])
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        members = {name: source.read(name) for name in source.namelist()}

    error = only_error(world, zip_file({**members, "xl/vbaProject.bin": b"macro"}), "may.xlsx")

    assert (
        error.message == "Workbooks with macros are not accepted. Save the workbook as .xlsx without macros."
    )


def test_a_zip_bomb_disguised_as_xlsx_is_refused_from_the_zip_directory_before_it_is_unpacked(
    world, measures
):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            for _ in range(imports.MAX_UNCOMPRESSED_BYTES // 2**20 + 1):
                member.write(bytes(2**20))
    assert len(out.getvalue()) < 100_000  # small on disk, 21 MB unpacked

    tracemalloc.start()
    preview = parse(world, out.getvalue(), "may.xlsx")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    assert preview.errors == [
        RowError(
            None,
            "",
            "The workbook unpacks to more than 20 MB. Copy the data into a new workbook, or upload it as .csv.",
        )
    ]
    assert peak < 5 * 2**20  # the member was never inflated


def test_a_zip_with_too_many_parts_is_refused(world, measures):
    data = zip_file({f"part{i}.xml": b"" for i in range(imports.MAX_ZIP_ENTRIES + 1)})

    assert only_error(world, data, "may.xlsx") == RowError(
        None, "", "The workbook holds more than 1,000 parts. Save it as a plain .xlsx file."
    )


def billion_laughs(root: str) -> bytes:
    """A DOCTYPE whose entity lol9 expands to 10**9 "lol"s, for a document whose root element is `root`."""
    entities = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    return f'<?xml version="1.0"?>\n<!DOCTYPE {root} [\n{chr(10).join(entities)}\n]>\n'.encode()


@pytest.mark.parametrize(
    ("member", "root", "target"),
    [
        ("xl/worksheets/sheet1.xml", "worksheet", b"<v>1</v>"),  # parsed lazily, while rows are read
        ("xl/workbook.xml", "workbook", b'name="Data"'),  # parsed when the workbook is opened
    ],
)
def test_an_xml_entity_bomb_inside_a_workbook_is_refused_with_memory_bounded(
    world, measures, member, root, target
):
    data = xlsx_file([XLSX_HEADER, ["A1", "2025-03", "prop", 1, 2, None, None]])
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        members = {name: source.read(name) for name in source.namelist()}
    body = members[member].split(b"?>", 1)[-1].lstrip()  # without openpyxl's XML declaration
    assert target in body
    replacement = b"<v>&lol9;</v>" if target.startswith(b"<v>") else b'name="&lol9;"'
    members[member] = billion_laughs(root) + body.replace(target, replacement)

    tracemalloc.start()
    preview = parse(world, zip_file(members), "may.xlsx")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    assert preview.errors == [
        RowError(
            None,
            "",
            "The workbook contains XML entity declarations, which are not accepted. "
            "Copy the data into a new workbook and upload that.",
        )
    ]
    assert peak < 20 * 2**20
    assert Observation.objects.count() == 0


# Commit -------------------------------------------------------------------------------------------


def test_an_error_at_commit_rolls_back_the_whole_file_and_points_at_its_rows(world, measures):
    preview = parse(
        world, csv_file("A1,2025-03,prop,7,10,,", "A1,2025-04,prop,1,2,,", "A1,2025-04,mean,3,1,,")
    )
    assert preview.errors == []
    # Someone submits April between the preview and the commit.
    MonthlyReportFactory(team=world.team_a1, month=APRIL, status=MonthlyReport.Status.SUBMITTED)

    with pytest.raises(ImportRejected) as rejected:
        import_commit(actor=world.bob, collaborative=world.one, preview=preview)

    assert [(e.row, e.column) for e in rejected.value.row_errors] == [(3, "month"), (4, "month")]
    assert rejected.value.row_errors[0].message.startswith("April 2025 was submitted")
    assert Observation.objects.count() == 0  # March, valid on its own, was rolled back too
    assert Observation.history.count() == 0


def test_a_preview_checked_for_another_collaborative_is_refused(world, measures):
    preview = parse(world, csv_file("A1,2025-03,prop,7,10,,"))

    with pytest.raises(ImportRejected):
        import_commit(actor=world.bob, collaborative=world.two, preview=preview)
    assert Observation.objects.count() == 0


# Template -----------------------------------------------------------------------------------------


def test_the_csv_template_lists_each_team_the_user_enters_data_for_and_round_trips(world, measures):
    template = import_template(user=world.alice, collaborative=world.one, fmt="csv", today=TODAY)
    rows = list(csv.reader(io.StringIO(template.decode("utf-8-sig"))))

    assert rows == [
        XLSX_HEADER,
        ["A1", "2025-05", "prop", "", "", "", ""],
        ["A1", "2025-05", "mean", "", "", "", ""],
        ["A1", "2025-05", "count", "", "", "", ""],
    ]
    for row, values in zip(rows[1:], (["3", "4"], ["10", "2"], ["5", ""]), strict=True):
        row[3:5] = values
    out = io.StringIO()
    csv.writer(out).writerows(rows)

    preview = parse(world, out.getvalue().encode(), user=world.alice)

    assert preview.errors == []
    assert preview.new == 3


def test_the_xlsx_template_has_a_measures_sheet_and_round_trips(world, measures):
    measures.prop.numerator_definition = "=families visited (as written by the admin)"
    measures.prop.save()
    template = import_template(user=world.alice, collaborative=world.one, fmt="xlsx", today=TODAY)
    workbook = openpyxl.load_workbook(io.BytesIO(template))

    assert workbook.sheetnames == ["Data", "Measures"]
    assert [row[:4] for row in workbook["Measures"].iter_rows(values_only=True)] == [
        ("measure_code", "name", "kind", "numerator_definition"),
        ("prop", measures.prop.name, "proportion", "'=families visited (as written by the admin)"),
        ("mean", measures.mean.name, "mean", "Families who received the service"),
        ("count", measures.count.name, "count", "Families who received the service"),
    ]
    assert workbook["Measures"]["D2"].data_type == "s"  # text, not a formula, even once edited in Excel
    data = workbook["Data"]
    for row, (numerator, denominator) in zip(range(2, 5), ((3, 4), (10, 2), (5, None)), strict=True):
        data.cell(row, 4, numerator)
        data.cell(row, 5, denominator)
    out = io.BytesIO()
    workbook.save(out)

    preview = parse(world, out.getvalue(), "template.xlsx", user=world.alice)

    assert preview.errors == []
    assert [(c.measure.code, c.numerator, c.denominator) for c in preview.groups[0].cells] == [
        ("prop", 3, 4),
        ("mean", 10, 2),
        ("count", 5, None),
    ]


def test_the_template_has_no_rows_for_someone_who_enters_no_data(world, measures):
    template = import_template(user=world.frank, collaborative=world.one, fmt="csv", today=TODAY)

    assert template.decode("utf-8-sig").splitlines() == [HEADER]
