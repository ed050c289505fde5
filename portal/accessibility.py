"""The accessibility statement (toegankelijkheidsverklaring), open to everyone."""

from datetime import date

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.http import require_GET

# The statement's facts, in the order of the model statement of the Dutch government's
# register. Change them together with the text of the template when the findings change.
STATEMENT_DRAWN_UP_ON = date(2026, 12, 6)
STATEMENT_REVIEWED_ON = date(2026, 12, 6)
# Status C of the register: measures taken, no full WCAG-EM evaluation yet.
COMPLIANCE_STATUS = "C"


@require_GET
def statement(request):
    """Show the accessibility statement of this installation."""
    return render(
        request,
        "portal/accessibility_statement.html",
        {
            "drawn_up_on": STATEMENT_DRAWN_UP_ON,
            "reviewed_on": STATEMENT_REVIEWED_ON,
            "status": COMPLIANCE_STATUS,
            "contact_email": settings.ACCESSIBILITY_CONTACT_EMAIL,
            "site_url": settings.SITE_URL,
        },
    )
