"""The confirmation page that admin actions on selected rows show before they act."""

from django.contrib.admin import helpers
from django.template.response import TemplateResponse


def action_confirmation(modeladmin, request, *, template: str, selected, title: str, **extra):
    """Return ``template`` (extending ``admin/confirm_action.html``) for the ``selected`` rows.

    The page posts the action back with the same rows and ``apply``; ``extra`` goes into
    the template's context.
    """
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "opts": modeladmin.model._meta,
        "selected": selected,
        "action": request.POST.get("action", ""),
        "select_across": request.POST.get("select_across", "0"),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        **extra,
    }
    return TemplateResponse(request, template, context)
