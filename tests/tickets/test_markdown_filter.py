"""The markdown filter: Markdown rendered, then cleaned to an allow-list."""

import pytest
from django.template import Context, Template

from tickets.templatetags.portal import markdown_to_html, priority_label, status_label


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("**vet** en *schuin*", "<p><strong>vet</strong> en <em>schuin</em></p>"),
        ("regel een\nregel twee", "<p>regel een<br>\nregel twee</p>"),
        ("- een\n- twee", "<ul>\n<li>een</li>\n<li>twee</li>\n</ul>"),
        ("```\n<b>code</b>\n```", "<pre><code>&lt;b&gt;code&lt;/b&gt;\n</code></pre>"),
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
    assert expected in markdown_to_html(source)


@pytest.mark.parametrize(
    ("source", "forbidden"),
    [
        ("<script>alert(1)</script>", "alert"),
        ("<img src=x onerror=alert(1)>", "onerror"),
        ("[klik](javascript:alert(1))", "javascript"),
        ('<a href="javascript:alert(1)">x</a>', "javascript"),
        ("<iframe src=https://evil.example></iframe>", "iframe"),
        ('<p style="position:fixed">x</p>', "style"),
        ('<a href="https://e.org" target="_blank" rel="opener">x</a>', 'opener"'),
        ("![beeld](https://tracker.example/pixel.png)", "<img"),
        ("<svg onload=alert(1)>", "svg"),
        ('<form action="https://evil.example"><input></form>', "form"),
    ],
)
def test_dangerous_markup_is_removed(source, forbidden):
    assert forbidden not in markdown_to_html(source)


def test_the_filter_marks_its_output_safe_in_templates():
    html = Template("{% load portal %}{{ text|markdown }}").render(
        Context({"text": "**a** <b onclick=x>b</b>"})
    )
    assert html == "<p><strong>a</strong> b</p>"


def test_empty_text_renders_nothing():
    assert markdown_to_html(None) == ""


def test_labels_of_stored_values():
    assert status_label("waiting_on_client") == "Waiting on client"
    assert priority_label("P1") == "P1 critical"
    assert status_label("gone") == "gone"
    assert priority_label("P9") == "P9"
