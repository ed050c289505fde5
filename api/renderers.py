"""A renderer that lets a download answer any ``Accept``; its errors still come as JSON."""

from rest_framework.renderers import JSONRenderer


class AnyMediaRenderer(JSONRenderer):
    """Accept every media type; file downloads bypass renderers, errors render as JSON."""

    media_type = "*/*"
    format = "any"
