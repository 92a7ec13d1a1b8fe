import csv
import datetime as dt
import io
import re
from types import SimpleNamespace

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from measures import imports
from measures.models import DataImport, Measure, MonthlyReport, Observation
from tests.factories import MeasureFactory, MonthlyReportFactory, TeamFactory

HEADER = "team_code,month,measure_code,numerator,denominator,not_applicable,note"
MARCH, APRIL = dt.date(2025, 3, 1), dt.date(2025, 4, 1)
GOOD = [
    "A1,2025-03,prop,7,10,,two families moved",
    "A1,2025-03,count,3,,,",
    "A1,2025-04,prop,5,9,,",
]


@pytest.fixture
def measures(world):
    return SimpleNamespace(
        prop=MeasureFactory(collaborative=world.one, code="prop", order=1),
        count=MeasureFactory(collaborative=world.one, code="count", kind=Measure.Kind.COUNT, order=2),
    )


def csv_upload(*lines: str, name: str = "march.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, ("\n".join([HEADER, *lines]) + "\n").encode(), content_type="text/csv")


def import_url(world) -> str:
    return f"/collaboratives/{world.one.public_id}/import/"


def upload(client, world, file: SimpleUploadedFile):
    return client.post(import_url(world), {"file": file})


def stored() -> list[tuple]:
    return list(
        Observation.objects.order_by("month", "measure__order").values_list(
            "team__code", "month", "measure__code", "numerator", "denominator", "note"
        )
    )


GOOD_STORED = [
    ("A1", MARCH, "prop", 7, 10, "two families moved"),
    ("A1", MARCH, "count", 3, None, ""),
    ("A1", APRIL, "prop", 5, 9, ""),
]


# Happy path ------------------------------------------------------------------------------------------


def test_an_uploaded_csv_is_previewed_then_saved_on_request(client, world, measures):
    client.force_login(world.bob)

    response = upload(client, world, csv_upload(*GOOD))

    data_import = DataImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/imports/{data_import.public_id}/"
    assert (data_import.uploaded_by, data_import.filename, data_import.collaborative) == (
        world.bob,
        "march.csv",
        world.one,
    )
    assert bytes(data_import.content).startswith(HEADER.encode())
    assert data_import.committed_at is None
    assert Observation.objects.count() == 0  # uploading saves no values

    preview = client.get(response["Location"])
    page = preview.content.decode()
    assert preview.status_code == 200
    assert "3 new, 0 changed, 0 unchanged" in page
    assert "March 2025" in page and "April 2025" in page
    assert "Save these values" in page

    committed = client.post(f"/imports/{data_import.public_id}/commit/")

    assert committed.status_code == 302
    assert committed["Location"] == f"/imports/{data_import.public_id}/"
    assert stored() == GOOD_STORED
    assert Observation.history.count() == 3
    data_import.refresh_from_db()
    assert data_import.committed_at is not None
    assert (data_import.summary["new"], data_import.summary["changed"]) == (3, 0)
    result = client.get(committed["Location"]).content.decode()
    assert "“march.csv” saved: 3 new, 0 changed, 0 unchanged." in result
    assert "Saved on" in result
    assert "Save these values" not in result


def test_an_xlsx_workbook_is_uploaded_and_saved_like_a_csv(client, world, measures):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in [HEADER.split(","), *(line.split(",") for line in GOOD)]:
        sheet.append([int(v) if v.isdigit() else (v or None) for v in row])
    out = io.BytesIO()
    workbook.save(out)
    client.force_login(world.alice)

    response = upload(client, world, SimpleUploadedFile("march.xlsx", out.getvalue()))
    client.post(f"{response['Location']}commit/")

    assert stored() == GOOD_STORED


def test_uploading_the_same_file_again_shows_nothing_changed_and_writes_no_history(client, world, measures):
    client.force_login(world.bob)
    first = upload(client, world, csv_upload(*GOOD))
    client.post(f"{first['Location']}commit/")
    history = Observation.history.count()

    again = upload(client, world, csv_upload(*GOOD))
    preview = client.get(again["Location"]).content.decode()
    client.post(f"{again['Location']}commit/")

    assert "0 new, 0 changed, 3 unchanged" in preview
    assert "already saved; saving it changes nothing" in preview
    assert Observation.history.count() == history
    assert stored() == GOOD_STORED


def test_saving_twice_saves_one_set_of_rows_and_says_it_was_already_saved(client, world, measures):
    client.force_login(world.bob)
    url = upload(client, world, csv_upload(*GOOD))["Location"]
    client.post(f"{url}commit/")
    committed_at = DataImport.objects.get().committed_at
    history = Observation.history.count()

    second = client.post(f"{url}commit/", follow=True)

    assert second.status_code == 200
    assert "“march.csv” was already saved; nothing was saved again." in second.content.decode()
    assert stored() == GOOD_STORED
    assert Observation.history.count() == history
    assert DataImport.objects.get().committed_at == committed_at


# Files with problems ----------------------------------------------------------------------------------


def test_a_file_with_bad_rows_lists_each_with_row_and_column_and_saves_nothing(client, world, measures):
    client.force_login(world.bob)

    url = upload(
        client, world, csv_upload("A1,2025-03,prop,7,10,,", "A1,2025-03,count,-2,,,", "Z9,2025-03,prop,1,2,,")
    )["Location"]
    preview = client.get(url)
    page = preview.content.decode()

    assert preview.status_code == 200
    assert "This file has 2 problems" in page
    assert "Nothing was saved." in page
    assert "<caption>Every problem in march.csv" in page
    assert '<th scope="col">Row</th><th scope="col">Column</th><th scope="col">Problem</th>' in page
    assert "<td>3</td>\n      <td>numerator</td>\n      <td>“-2” is negative." in page
    assert "<td>4</td>\n      <td>team_code</td>\n      <td>Unknown team code “Z9”.</td>" in page
    assert "Save these values" not in page

    refused = client.post(f"{url}commit/")

    assert refused.status_code == 400
    assert "The values could not be saved" in refused.content.decode()
    assert Observation.objects.count() == 0
    assert DataImport.objects.get().committed_at is None


def test_a_month_submitted_after_the_preview_refuses_the_whole_file_at_commit(client, world, measures):
    client.force_login(world.bob)
    url = upload(client, world, csv_upload(*GOOD))["Location"]
    MonthlyReportFactory(team=world.team_a1, month=APRIL, status=MonthlyReport.Status.SUBMITTED)

    refused = client.post(f"{url}commit/")

    page = refused.content.decode()
    assert refused.status_code == 400
    assert "<td>4</td>\n      <td>month</td>" in page
    assert "Nothing was saved." in page
    assert Observation.objects.count() == 0  # March, valid on its own, was not saved either
    assert DataImport.objects.get().committed_at is None


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("march.txt", HEADER.encode(), "“march.txt”: Upload a .csv or .xlsx file."),
        ("march.xlsx", b"PK\x03\x04 not a zip", f"“march.xlsx”: {imports._NOT_EXCEL}"),
        ("march.csv", (HEADER + "\n").encode(), "“march.csv”: The file has no data rows."),
    ],
    ids=["wrong type", "broken workbook", "header only"],
)
def test_an_unreadable_file_is_refused_on_the_upload_page_and_not_stored(
    client, world, measures, name, content, message
):
    client.force_login(world.bob)

    response = upload(client, world, SimpleUploadedFile(name, content))

    page = response.content.decode()
    assert response.status_code == 400
    assert f'<a class="alert-link" href="#id_file">{message}</a>' in page
    assert 'aria-invalid="true"' in page
    assert DataImport.objects.count() == 0


def test_an_upload_without_a_file_asks_for_one(client, world, measures):
    client.force_login(world.bob)

    response = client.post(import_url(world), {})

    assert response.status_code == 400
    assert "Choose a .csv or .xlsx file to upload." in response.content.decode()
    assert DataImport.objects.count() == 0


def test_an_oversize_upload_is_refused_by_its_size_before_it_is_read_or_parsed(
    client, world, measures, monkeypatch
):
    def never(**kwargs: object) -> None:
        raise AssertionError("an oversize file was parsed")

    monkeypatch.setattr("measures.views.imports.import_parse", never)
    client.force_login(world.bob)
    big = SimpleUploadedFile("huge.csv", b"x" * (imports.MAX_FILE_BYTES + 1))

    response = upload(client, world, big)

    assert response.status_code == 400
    assert (
        "“huge.csv” is larger than 2 MB (2.0 MB). Split it and upload each part." in response.content.decode()
    )
    assert DataImport.objects.count() == 0


# Templates ------------------------------------------------------------------------------------------


def test_the_csv_template_downloads_as_an_attachment_with_the_exact_header(client, world, measures):
    client.force_login(world.bob)

    response = client.get(f"{import_url(world)}template.csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="one-monthly-data.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == HEADER.split(",")
    assert [(r[0], r[2]) for r in rows[1:]] == [("A1", "prop"), ("A1", "count")]


def test_the_xlsx_template_downloads_as_a_workbook_with_the_exact_header(client, world, measures):
    client.force_login(world.charlie)

    response = client.get(f"{import_url(world)}template.xlsx")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == 'attachment; filename="one-monthly-data.xlsx"'
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    rows = list(workbook["Data"].iter_rows(values_only=True))
    assert rows[0] == tuple(HEADER.split(","))
    assert {r[0] for r in rows[1:]} == {"C1"}


# Who may do what ------------------------------------------------------------------------------------


def test_an_advisor_who_enters_no_data_is_refused_the_upload_page_and_templates(client, world, measures):
    client.force_login(world.diana)

    assert client.get(import_url(world)).status_code == 403
    assert client.get(f"{import_url(world)}template.csv").status_code == 403
    assert upload(client, world, csv_upload("B1,2025-03,prop,1,2,,")).status_code == 403
    assert DataImport.objects.count() == 0


def test_a_collaborative_the_user_does_not_see_is_404(client, world, measures):
    client.force_login(world.charlie)  # LIA C is not in TWO

    assert client.get(f"/collaboratives/{world.two.public_id}/import/").status_code == 404
    assert client.get(f"/collaboratives/{world.two.public_id}/import/template.xlsx").status_code == 404


def test_another_users_upload_is_404_and_cannot_be_saved_by_them(client, world, measures):
    client.force_login(world.bob)
    url = upload(client, world, csv_upload(*GOOD))["Location"]

    for other in (world.alice, world.charlie, world.frank):
        client.force_login(other)
        assert client.get(url).status_code == 404
        assert client.post(f"{url}commit/").status_code == 404

    assert Observation.objects.count() == 0
    assert DataImport.objects.get().committed_at is None


def test_the_upload_page_lists_only_the_users_own_uploads_to_this_collaborative(client, world, measures):
    client.force_login(world.alice)
    upload(client, world, csv_upload(*GOOD, name="alices.csv"))
    client.force_login(world.bob)
    url = upload(client, world, csv_upload(*GOOD, name="bobs.csv"))["Location"]
    client.post(f"{url}commit/")

    page = client.get(import_url(world)).content.decode()

    assert "bobs.csv" in page
    assert "Saved " in page and "3 new, 0 changed" in page
    assert "alices.csv" not in page


def test_the_upload_page_explains_the_columns_limits_and_templates(client, world, measures):
    client.force_login(world.bob)

    page = client.get(import_url(world)).content.decode()

    assert f'href="{import_url(world)}template.csv"' in page
    assert f'href="{import_url(world)}template.xlsx"' in page
    assert "at most 2 MB and 20,000 rows" in page
    assert '<label class="form-label fw-semibold" for="id_file">' in page
    assert 'enctype="multipart/form-data"' in page


def test_the_upload_page_costs_the_same_queries_however_many_teams_and_uploads(
    client, world, measures, django_assert_max_num_queries
):
    for n in range(15):
        TeamFactory(collaborative=world.one, code=f"X{n}")
    client.force_login(world.root)  # enters data for every team, so sees all 18
    for _ in range(3):
        upload(client, world, csv_upload(*GOOD))

    with django_assert_max_num_queries(8):
        response = client.get(import_url(world))

    assert response.status_code == 200


def test_the_collaborative_and_data_entry_pages_link_to_the_upload_only_for_people_who_enter_data(
    client, world, measures
):
    entry = f"/teams/{world.team_a1.public_id}/data/2025-03/"
    client.force_login(world.bob)
    assert (
        f'href="{import_url(world)}" data-import-link'
        in client.get(f"/collaboratives/{world.one.public_id}/").content.decode()
    )
    assert f'href="{import_url(world)}" data-import-link' in client.get(entry).content.decode()

    client.force_login(world.erin)  # sees team A1's data, enters none
    assert "data-import-link" not in client.get(f"/collaboratives/{world.one.public_id}/").content.decode()
    assert "data-import-link" not in client.get(entry).content.decode()


def test_the_preview_shows_old_and_new_for_each_changed_value(client, world, measures):
    client.force_login(world.bob)
    client.post(upload(client, world, csv_upload(*GOOD))["Location"] + "commit/")
    corrected = [
        "A1,2025-03,prop,8,10,,two families moved",
        "A1,2025-03,count,3,,,",
        "A1,2025-04,prop,5,9,,late",
    ]
    page = client.get(upload(client, world, csv_upload(*corrected))["Location"]).content.decode()
    assert "1 new" not in page and "0 new, 2 changed, 1 unchanged" in page
    changes = page.split("data-import-changes", 1)[1].split("</table>", 1)[0]
    rows = [re.findall(r"<td>(.*?)</td>", row, re.S) for row in re.findall(r"<tr>(.*?)</tr>", changes, re.S)]
    rows = [r for r in rows if r]  # the header row has <th> cells only
    assert [r[:5] for r in rows] == [
        ["2", "A1", "Mar 2025", "prop", "numerator"],
        ["4", "A1", "Apr 2025", "prop", "note"],
    ]
    assert (
        '<span class="import-old">7</span>' in rows[0][5]
        and '<strong class="import-new">8</strong>' in rows[0][5]
    )
    assert '<span class="import-old">(empty)</span>' in rows[1][5]
    assert '<strong class="import-new">late</strong>' in rows[1][5]
    assert stored() == GOOD_STORED  # nothing saved by the preview
