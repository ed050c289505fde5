"""Cursor pagination of the API's lists: stable pages however many rows arrive meanwhile."""

from datetime import datetime

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination


class ApiCursorPagination(CursorPagination):
    """Pages of ``page_size`` rows (25 by default, at most 100) behind an opaque ``cursor``.

    The ordering of a view (``ordering`` query parameter or the view's default) must end
    in a unique field so that a row is never on two pages. A ``page_size`` that is not a
    whole number from 1 to 100 answers 400 rather than being ignored, and so does a cursor
    that this API did not hand out.
    """

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = "-id"

    def get_ordering(self, request, queryset, view):
        # Without an ordering filter DRF would fall back to this class's ordering and
        # ignore the view's own.
        if any(hasattr(backend, "get_ordering") for backend in view.filter_backends):
            return super().get_ordering(request, queryset, view)
        ordering = getattr(view, "ordering", None) or self.ordering
        return (ordering,) if isinstance(ordering, str) else tuple(ordering)

    def paginate_queryset(self, queryset, request, view=None):
        self.model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            raise self._invalid_cursor() from None
        if cursor is not None and cursor.position is not None:
            self._position_check(cursor.position)
        return cursor

    def _position_check(self, position: str) -> None:
        """Refuse a position that is no value of the ordering's field.

        The position goes into the query as it is: a forged one would fail there, as a
        server error.
        """
        model, field = self.model, None
        for name in self.ordering[0].lstrip("-").split("__"):
            field = model._meta.get_field(name)
            model = field.related_model or model
        try:
            if "\x00" in position:
                raise ValueError(position)
            value = field.to_python(position)
            field.run_validators(value)
        except (DjangoValidationError, ValueError, TypeError):
            raise self._invalid_cursor() from None
        if isinstance(value, datetime) and timezone.is_naive(value):
            raise self._invalid_cursor()

    def _invalid_cursor(self) -> ValidationError:
        return ValidationError(
            {
                self.cursor_query_param: [
                    _("This cursor was not handed out by the API. Start again at the first page.")
                ]
            }
        )

    def get_page_size(self, request):
        values = request.query_params.getlist(self.page_size_query_param)
        if not values:
            return self.page_size
        value = values[-1]
        if len(values) > 1 or not value.isascii() or not value.isdigit():
            raise ValidationError({self.page_size_query_param: [self._page_size_error()]})
        size = int(value)
        if not 1 <= size <= self.max_page_size:
            raise ValidationError({self.page_size_query_param: [self._page_size_error()]})
        return size

    def _page_size_error(self) -> str:
        return _("A whole number from 1 to %(max)d.") % {"max": self.max_page_size}

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                    "default": self.page_size,
                }
        return parameters
