"""The API's JSON parser, which refuses documents nested deeper than any real one."""

import json

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# Far deeper than any body of the API or of Alertmanager and Sentry; Python's parser and
# everything after it recurse once per level and give out near a thousand.
MAX_JSON_DEPTH = 64


class JSONTooDeepError(ValueError):
    """The document nests deeper than MAX_JSON_DEPTH levels."""


def json_depth(value, *, limit: int = MAX_JSON_DEPTH) -> int:
    """Return how many levels of arrays and objects ``value`` nests, counting no further
    than one past ``limit``; without recursing, whatever the depth."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > limit:
            break
        pending.extend((child, depth + 1) for child in children)
    return deepest


def _too_deep() -> str:
    return _("The JSON nests deeper than %(max)d levels.") % {"max": MAX_JSON_DEPTH}


def json_loads_bounded(data: bytes | str):
    """Return the JSON document ``data``; raise ``JSONTooDeepError`` when it nests too deep
    and ``ValueError`` when it is no JSON."""
    try:
        value = json.loads(data)
    except RecursionError:
        raise JSONTooDeepError(_too_deep()) from None
    if json_depth(value) > MAX_JSON_DEPTH:
        raise JSONTooDeepError(_too_deep())
    return value


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser, answering 400 to a document nested deeper than MAX_JSON_DEPTH."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            value = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_too_deep()) from None
        if json_depth(value) > MAX_JSON_DEPTH:
            raise ParseError(_too_deep())
        return value
