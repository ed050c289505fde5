"""One set of date formats, in the person's language, for pages, emails and files."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import translation

from paqt_support.dates import day_text, when_csv, when_long, when_short

UTC = ZoneInfo("UTC")
# Monday 7 December 2026, 10:00 in Amsterdam.
MONDAY = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("language", "long", "short", "day"),
    [
        ("nl", "maandag 7 december 2026, 10:00", "ma 7 dec 2026, 10:00", "7 december 2026"),
        ("en", "Monday 7 December 2026, 10:00", "Mon 7 Dec 2026, 10:00", "7 December 2026"),
    ],
)
def test_an_instant_is_written_in_local_time_in_the_persons_language(language, long, short, day):
    with translation.override(language):
        assert when_long(MONDAY) == long
        assert when_short(MONDAY) == short
        assert day_text(MONDAY) == day


def test_a_csv_cell_holds_a_date_a_spreadsheet_reads():
    assert when_csv(MONDAY) == "07-12-2026 10:00"


def test_no_instant_gives_an_empty_text():
    assert when_long(None) == when_short(None) == when_csv(None) == day_text(None) == ""


def test_templates_use_the_filters_without_loading_them():
    template = Template("{{ at|when }} / {{ at|when_long }}")

    with translation.override("nl"):
        text = template.render(Context({"at": MONDAY}))

    assert text == "ma 7 dec 2026, 10:00 / maandag 7 december 2026, 10:00"
