"""The attacker's PDF reader (tests/api/pdf_text.py) reads the words and figures of a PDF we write."""

import re

from tests.api.attacker import CELL, ROW, _text
from tests.api.pdf_text import pdf_text
from tests.api.test_attacker import ipv  # noqa: F401 - the fixture


def test_the_closing_planners_pdf_reads_as_the_words_and_figures_of_its_page(world_plus, ipv, client):  # noqa: F811
    client.force_login(world_plus.erin)
    url = f"/collaboratives/{world_plus.one.public_id}/awardees/{world_plus.north.public_id}/closing-planner"
    page = client.get(f"{url}/").content.decode()
    [cells] = [cells for label, cells in ROW.findall(page) if _text(label).startswith(ipv.name)]
    baseline, shifted, meeting = (_text(c) for c in CELL.findall(cells))
    assert re.fullmatch(r"\d+%", baseline), baseline  # a figure to find

    pdf = client.get(f"{url}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    text = " ".join(pdf_text(pdf.content).split())
    assert "Planning Guide for Closing Continuous Quality Improvement (CQI) Projects" in text
    assert f"{ipv.name} {baseline} {shifted} {meeting}" in text  # the table's row
    assert f"{ipv.name}: baseline median {baseline}; shifted median {shifted}." in text  # the chart's caption
