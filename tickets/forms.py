"""Form parts every page that takes issue input shares: files, and errors from the services."""

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from paqt_support.exceptions import ApplicationError


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file field that takes several files at once and cleans to a list."""

    widget = MultipleFileInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        if self.required and not files:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        # Each file is parsed by FileField for its name and size; the content is judged
        # by tickets.attachments when the service stores it.
        clean_one = super().clean
        return [clean_one(f, initial) for f in files]


def attachments_help_text() -> str:
    return _(
        "Up to %(count)d files of at most %(size)s each: PDF, images, text, CSV, "
        "office documents or ZIP."
    ) % {
        "count": settings.ATTACHMENT_MAX_FILES,
        "size": filesizeformat(settings.ATTACHMENT_MAX_BYTES),
    }


class ServiceErrorsMixin:
    """Let a view put an ``ApplicationError`` on the field it names, or on the whole form."""

    def add_service_error(self, error: ApplicationError) -> None:
        field = error.field if error.field in self.fields else None
        self.add_error(field, error.message)
