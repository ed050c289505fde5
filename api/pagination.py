"""Cursor pagination of the API's lists: stable pages however many rows arrive meanwhile."""

from rest_framework.pagination import CursorPagination


class ApiCursorPagination(CursorPagination):
    """Pages of ``page_size`` rows (25 by default, at most 100) behind an opaque ``cursor``.

    The ordering of a view (``ordering`` query parameter or the view's default) must end
    in a unique field so that a row is never on two pages.
    """

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = "-id"
