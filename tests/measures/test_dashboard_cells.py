"""The dashboard's teams × measures rows and cells, rendered by tags for speed, say what the template said."""

from measures.selectors import DashboardCell, DashboardRow
from measures.templatetags.runcharts import dashboard_cells, dashboard_table_rows


def test_cells_show_median_provisional_mark_aim_and_signal_and_escape_text():
    cells = [
        DashboardCell(
            median="62%",
            sort_value=0.62,
            provisional=True,
            meets_aim=True,
            signal="shift above since Nov 2025",
        ),
        DashboardCell(
            median="40%",
            sort_value=0.4,
            provisional=False,
            meets_aim=False,
            signal=None,
            variation="concern-low",
        ),
        DashboardCell(median="<b>1</b>", sort_value=1.0, provisional=False, meets_aim=None, signal="a & b"),
        None,
    ]
    assert dashboard_cells(cells) == (
        '<td>62%<span class="text-body-secondary">*</span>'
        '<span class="aim-met"><span aria-hidden="true">✓</span><span class="visually-hidden">meets the aim</span></span>'
        '<div class="small text-body-secondary">shift above since Nov 2025</div></td>'
        '<td>40%<span class="aim-not-met"><span aria-hidden="true">✗</span>'
        '<span class="visually-hidden">does not meet the aim</span></span> '
        '<img class="variation-icon" src="/static/icons/variation/concern-low.svg" width="20" height="20" '
        'alt="Special cause: concern (lower values)" title="Special cause: concern (lower values)"></td>'
        '<td>&lt;b&gt;1&lt;/b&gt;<div class="small text-body-secondary">a &amp; b</div></td>'
        '<td><span class="text-body-secondary">–</span></td>'
    )


def test_a_cell_puts_the_aim_verdict_beside_its_own_statistic():
    aim = "Median of the last 4 reported months: 55% < goal 60%: not yet meeting the aim."
    cell = DashboardCell("62%", 0.62, False, False, None, "common-cause", aim, "55%, last 4")
    assert dashboard_cells([cell]) == (
        '<td>62% <img class="variation-icon" src="/static/icons/variation/common-cause.svg" width="20" height="20" '
        'alt="Common cause: no shift or trend" title="Common cause: no shift or trend">'
        f'<div class="small aim-not-met" title="{aim.replace("<", "&lt;")}"><span aria-hidden="true">✗ 55%, last 4</span>'
        f'<span class="visually-hidden">{aim.replace("<", "&lt;")}</span></div></td>'
    )


def test_rows_link_the_teams_the_viewer_may_open_and_escape_names():
    rows = [
        DashboardRow(
            team_public_id="3f1c2a9e-0000-4000-8000-000000000001",
            label="Agency <A> & Co",
            linked=True,
            cells=[None],
            report_status="Submitted",
        ),
        DashboardRow(
            team_public_id="3f1c2a9e-0000-4000-8000-000000000002",
            label="Team B1",
            linked=False,
            cells=[None],
            report_status=None,
        ),
    ]
    no_value = '<td><span class="text-body-secondary">–</span></td>'
    assert dashboard_table_rows(rows) == (
        "\n    <tr>\n"
        '      <th scope="row"><a href="/teams/3f1c2a9e-0000-4000-8000-000000000001/">Agency &lt;A&gt; &amp; Co</a></th>\n'
        f"      {no_value}\n"
        "      <td>Submitted</td>\n    </tr>\n    "
        "\n    <tr>\n"
        '      <th scope="row">Team B1</th>\n'
        f"      {no_value}\n"
        "      <td>–</td>\n    </tr>\n    "
    )
