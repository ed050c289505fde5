"""Markdown rendered, then cleaned to an allow-list; its work grows linearly with the text."""

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.steps import StepBudgetExceeded, counting_steps
from tickets.markdown import render_markdown
from tickets.templatetags.portal import priority_label, status_label


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("**vet** en *schuin*", "<p><strong>vet</strong> en <em>schuin</em></p>"),
        ("regel een\nregel twee", "<p>regel een<br>\nregel twee</p>"),
        ("- een\n- twee", "<ul>\n<li>een</li>\n<li>twee</li>\n</ul>"),
        ("3. drie\n4. vier", '<ol start="3">\n<li>drie</li>\n<li>vier</li>\n</ol>'),
        ("```\n<b>code</b>\n```", "<pre><code>&lt;b&gt;code&lt;/b&gt;\n</code></pre>"),
        ("| a | b |\n|---|---|\n| 1 | 2 |", "<td>1</td>\n<td>2</td>"),
        ("~~weg~~", "<s>weg</s>"),
        (
            "[site](https://example.org)",
            '<p><a href="https://example.org" rel="noopener noreferrer nofollow">site</a></p>',
        ),
        (
            "<mailto:a@example.org>",
            '<a href="mailto:a@example.org" rel="noopener noreferrer nofollow">',
        ),
    ],
)
def test_markdown_is_rendered(source, expected):
    assert expected in render_markdown(source)


@pytest.mark.parametrize(
    ("source", "forbidden"),
    [
        ("<script>alert(1)</script>", "<script"),
        ("<img src=x onerror=alert(1)>", "<img"),
        ("[klik](javascript:alert(1))", "href"),
        ('<a href="javascript:alert(1)">x</a>', "<a "),
        ("<iframe src=https://evil.example></iframe>", "<iframe"),
        ('<p style="position:fixed">x</p>', "<p style"),
        ("| a |\n|:-:|\n| 1 |", "style="),
        ('<a href="https://e.org" target="_blank" rel="opener">x</a>', "<a "),
        ("![beeld](https://tracker.example/pixel.png)", "<img"),
        ("[x](ftp://files.example/a)", "ftp:"),
        ("<svg onload=alert(1)>", "<svg"),
        ('<form action="https://evil.example"><input></form>', "<form"),
    ],
)
def test_dangerous_markup_is_removed_or_shown_as_text(source, forbidden):
    assert forbidden not in render_markdown(source)


def test_raw_html_is_shown_as_the_text_that_was_typed():
    assert render_markdown("**a** <b onclick=x>b</b>") == (
        "<p><strong>a</strong> &lt;b onclick=x&gt;b&lt;/b&gt;</p>\n"
    )


def test_empty_text_renders_nothing():
    assert render_markdown(None) == ""
    assert render_markdown("") == ""


def test_labels_of_stored_values():
    assert status_label("waiting_on_client") == "Waiting on client"
    assert priority_label("P1") == "P1 critical"
    assert status_label("gone") == "gone"
    assert priority_label("P9") == "P9"


# Pieces of text that make Markdown parsers look far ahead: brackets and link openers that
# never close, runs of emphasis marks, backticks of unequal length, entities, escapes,
# and the openers of quotes, lists and tables.
PIECES = (
    "[", "]", "[a", "[a](", "](", "![", "[](", "[a]: ", "(", ")", '"',
    "*", "**", "*a", "_", "_a", "*a _b ", "~~",
    "`", "`a", "``a`",
    "<", "<a", "&#", "\\", "|", "#",
    "> ", "- ", "1. ", "  ", "\n", " ", "a",
)  # fmt: skip
SHORT = 1000
# Linear work is about 4 times as much for 4 times the text and quadratic work about 16
# times: 8 separates the two with room on either side.
GROWTH_LIMIT = 8


def _repeated(piece: str, length: int) -> str:
    return (piece * (length // len(piece) + 1))[:length]


def _nested(prefix: str, line: str, length: int) -> str:
    """Return lines that each nest one level deeper than the one before, cut at ``length``."""
    lines, size, depth = [], 0, 0
    while size < length:
        lines.append(prefix * depth + line + "\n")
        size += len(lines[-1])
        depth += 1
    return "".join(lines)[:length]


def _growth(text_of_length) -> float:
    """Return how much more work rendering takes for 4 times the text."""
    short, long = text_of_length(SHORT), text_of_length(4 * SHORT)
    # Once untimed, so that caches filled on first use count in neither measurement.
    render_markdown(short)
    render_markdown(long)
    with counting_steps() as base:
        render_markdown(short)
    try:
        with counting_steps(budget=GROWTH_LIMIT * base.steps) as grown:
            render_markdown(long)
    except StepBudgetExceeded:
        return float("inf")
    return grown.steps / base.steps


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(piece=st.lists(st.sampled_from(PIECES), min_size=1, max_size=8).map("".join))
@example(piece="[")
@example(piece="[a")
@example(piece="![")
@example(piece="[a](")
@example(piece="*[`")
@example(piece="``a`")
@example(piece="*a")
def test_rendering_work_grows_linearly_with_repeated_adversarial_text(piece):
    assert _growth(lambda length: _repeated(piece, length)) < GROWTH_LIMIT


@pytest.mark.parametrize(
    ("prefix", "line"),
    [("> ", "a"), ("  ", "- a"), ("   ", "1. a"), ("> ", "- a"), ("- ", "a"), ("> ", "[a")],
)
def test_rendering_work_grows_linearly_with_deeply_nested_lists_and_quotes(prefix, line):
    assert _growth(lambda length: _nested(prefix, line, length)) < GROWTH_LIMIT
