"""Input fields that take only the JSON type the OpenAPI document promises.

DRF's own fields coerce: ``CharField`` takes 42, ``BooleanField`` takes "yes" and 1,
``UUIDField`` takes an integer. A client that sends the wrong type gets a 400 here, so
that the document and the behaviour agree. In multipart/form-data every value is text,
so there booleans and numbers are accepted as their text form.
"""

import uuid

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.utils import html


def _is_form_input(field) -> bool:
    return html.is_html_input(getattr(field.root, "initial_data", None))


class StrictCharField(serializers.CharField):
    default_error_messages = {"invalid": _("Not a valid string.")}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    default_error_messages = {"invalid": _("Must be true or false.")}

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        if _is_form_input(self) and data in ("true", "false"):
            return data == "true"
        self.fail("invalid")


class StrictIntegerField(serializers.IntegerField):
    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictUUIDField(serializers.UUIDField):
    def to_internal_value(self, data):
        if not isinstance(data, str | uuid.UUID):
            self.fail("invalid", value=data)
        return super().to_internal_value(data)
