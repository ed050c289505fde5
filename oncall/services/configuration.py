"""Save the provider's on-call settings, which live in one row."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from oncall.models import OncallSettings
from paqt_support.exceptions import ApplicationError


def oncall_settings_save(*, row: OncallSettings) -> OncallSettings:
    """Save the on-call settings as the one row they live in."""
    row.pk = OncallSettings.SINGLETON_ID
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError as exc:
        raise ApplicationError(_("The on-call settings could not be saved.")) from exc
    return row
