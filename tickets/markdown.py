"""Markdown of issues and replies rendered to HTML once, when the text is written."""

import nh3
from markdown_it import MarkdownIt

# CommonMark with tables and strike-through, in a parser whose work grows linearly with the
# text: a contact's 20,000 characters of "[" must not keep a web worker busy. Raw HTML stays
# text; the nesting limit bounds how far each bracket or quote looks ahead.
_PARSER = MarkdownIt("commonmark", {"html": False, "breaks": True, "maxNesting": 20}).enable(
    ["table", "strikethrough"]
)

# Every parser passes some link it should not in some mode; only what survives this
# allow-list is stored.
ALLOWED_TAGS = {
    "a", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "li", "ol", "p", "pre", "s", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "noopener noreferrer nofollow"


def render_markdown(text: str | None) -> str:
    """Return ``text`` rendered as Markdown and cleaned to the allow-list, safe to show as is."""
    if not text:
        return ""
    return nh3.clean(
        _PARSER.render(text),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel=LINK_REL,
    )
