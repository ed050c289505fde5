"""The user list's action that anonymises departed contacts, after a confirmation page."""

from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts import services
from clients.selectors import user_is_administrator
from paqt_support.admin_confirm import action_confirmation
from paqt_support.exceptions import ApplicationError

# One request anonymises at most this many people: each ends sessions, which reads
# every live session, and "select all" must not hold a request for minutes.
ANONYMISE_LIMIT = 50


def _confirmation_page(modeladmin, request, *, users):
    return action_confirmation(
        modeladmin,
        request,
        template="admin/accounts/user/anonymise.html",
        selected=users,
        title=_("Anonymise departed contacts"),
    )


@admin.action(description=gettext_lazy("Anonymise departed contacts…"), permissions=["change"])
def anonymise_departed_contacts(modeladmin, request, queryset):
    if not user_is_administrator(request.user):
        modeladmin.message_user(
            request, _("Only an administrator can anonymise a contact."), messages.ERROR
        )
        return None
    users = list(queryset.order_by("pk")[: ANONYMISE_LIMIT + 1])
    if len(users) > ANONYMISE_LIMIT:
        modeladmin.message_user(
            request,
            _("Choose at most %(limit)d people at a time; nobody was anonymised.")
            % {"limit": ANONYMISE_LIMIT},
            messages.ERROR,
        )
        return None
    if "apply" not in request.POST:
        return _confirmation_page(modeladmin, request, users=users)
    done = []
    for user in users:
        # The name before anonymising, or the message could not say whom it was about.
        name = f"{user} ({user.username})" if user.get_full_name() else user.username
        try:
            services.user_anonymise(user=user, actor=request.user)
        except ApplicationError as exc:
            modeladmin.message_user(
                request,
                _("%(name)s was not anonymised: %(message)s")
                % {"name": name, "message": exc.message},
                messages.ERROR,
            )
        else:
            done.append(name)
    if done:
        modeladmin.message_user(
            request,
            ngettext(
                "Anonymised %(count)d contact: %(names)s.",
                "Anonymised %(count)d contacts: %(names)s.",
                len(done),
            )
            % {"count": len(done), "names": ", ".join(done)},
            messages.SUCCESS,
        )
    return None
