import pytest

from collaboratives.exports import csv_safe


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Ohio Home Visiting", "Ohio Home Visiting"),
        ("", ""),
        (-3, -3),
        (None, None),
    ],
)
def test_text_that_a_spreadsheet_would_run_is_quoted_and_values_are_kept(value, expected):
    assert csv_safe(value) == expected
