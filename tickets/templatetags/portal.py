"""Filters for portal pages and emails: sanitised Markdown and the labels of stored values."""

import markdown as markdown_lib
import nh3
from django import template
from django.utils.safestring import SafeString, mark_safe

from tickets.choices import Priority, Status

register = template.Library()

# Markdown passes raw HTML, event handlers and javascript: links straight through;
# only what survives this allow-list reaches the page.
ALLOWED_TAGS = {
    "a", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "li", "ol", "p", "pre", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "td": {"align"}, "th": {"align"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "noopener noreferrer nofollow"


def markdown_to_html(text: str) -> str:
    """Return ``text`` rendered as Markdown and cleaned to the allow-list."""
    html = markdown_lib.markdown(
        text or "", extensions=["fenced_code", "tables", "sane_lists", "nl2br"]
    )
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel=LINK_REL,
    )


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    """Render a user's Markdown as safe HTML: ``{{ issue.description|markdown }}``."""
    return mark_safe(markdown_to_html(text))  # noqa: S308 - cleaned by nh3 just above


@register.filter
def status_label(value: str) -> str:
    """Return the words for a stored status value, or the value itself when unknown."""
    return Status(value).label if value in Status.values else value


@register.filter
def priority_label(value: str) -> str:
    """Return the words for a stored priority value, or the value itself when unknown."""
    return Priority(value).label if value in Priority.values else value
