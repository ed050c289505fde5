"""The names of django-axes' models, for our Dutch catalogue: axes ships no Dutch of its own.

Never imported: ``makemessages`` reads this file, and the translations apply wherever axes
asks for the same words.
"""

from django.utils.translation import gettext_noop

AXES_NAMES = (
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("Access Attempt"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("Axes"),
)
