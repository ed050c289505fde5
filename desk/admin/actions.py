"""Bulk actions on the queue: each issue goes through the services and is reported on alone."""

from collections.abc import Callable

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from desk.admin.forms import BulkAssignForm, BulkPriorityForm, BulkStatusForm, MergeForm
from paqt_support.admin_confirm import action_confirmation
from paqt_support.exceptions import ApplicationError
from tickets import selectors, services
from tickets.models import Channel, Issue

# One request changes at most this many issues, so that "select all" on a long queue
# cannot hold a request (and the rows' locks) for minutes.
BULK_LIMIT = 200
MERGE_LIMIT = 20


def _version_seen(request, issue: Issue) -> int | None:
    """Return the version of ``issue`` shown on the confirmation page, if it was shown."""
    value = request.POST.get(f"version-{issue.pk}", "")
    return int(value) if value.isdigit() else None


def _selected(modeladmin, request, queryset, *, limit: int = BULK_LIMIT) -> list[Issue] | None:
    """Return the chosen issues, or None (with a message) when there are too many.

    Chosen rows that the list no longer holds, because they changed or were never the
    person's to see, are reported and left alone.
    """
    issues = list(queryset[: limit + 1])
    if len(issues) > limit:
        modeladmin.message_user(
            request,
            _("Choose at most %(limit)d issues at a time; nothing was changed.") % {"limit": limit},
            messages.ERROR,
        )
        return None
    if request.POST.get("select_across") != "1":
        found = {str(issue.pk) for issue in issues}
        chosen = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        missing = [pk for pk in chosen if pk not in found]
        if missing:
            modeladmin.message_user(
                request,
                ngettext(
                    "%(count)d chosen issue is no longer in this list and was left alone.",
                    "%(count)d chosen issues are no longer in this list and were left alone.",
                    len(missing),
                )
                % {"count": len(missing)},
                messages.WARNING,
            )
    return issues


def _apply_each(
    modeladmin,
    request,
    issues: list[Issue],
    change: Callable[[Issue, int | None], object],
    *,
    done: Callable[[int, str], str],
) -> None:
    """Call ``change`` for each issue; report the successes together and each failure."""
    succeeded, failed = [], []
    for issue in issues:
        try:
            change(issue, _version_seen(request, issue))
        except ApplicationError as exc:
            failed.append((issue.reference, exc.message))
        else:
            succeeded.append(issue.reference)
    if succeeded:
        modeladmin.message_user(
            request,
            done(len(succeeded), ", ".join(succeeded)),
            messages.SUCCESS,
        )
    for reference, message in failed:
        modeladmin.message_user(
            request,
            _("%(reference)s was not changed: %(message)s")
            % {"reference": reference, "message": message},
            messages.ERROR,
        )


def _confirmation_page(modeladmin, request, *, issues, form, title: str, intro: str, button: str):
    return action_confirmation(
        modeladmin,
        request,
        template="admin/tickets/issue/bulk_action.html",
        selected=issues,
        title=title,
        intro=intro,
        button=button,
        form=form,
        media=modeladmin.media + form.media,
    )


@admin.action(description=gettext_lazy("Assign to me"), permissions=["change"])
def assign_to_me(modeladmin, request, queryset):
    issues = _selected(modeladmin, request, queryset)
    if issues is None:
        return None
    _apply_each(
        modeladmin,
        request,
        issues,
        lambda issue, version: services.issue_assign(
            issue=issue,
            actor=request.user,
            assignee=request.user,
            channel=Channel.ADMIN,
            expected_version=version,
        ),
        done=lambda n, references: (
            ngettext(
                "Assigned %(count)d issue to you: %(references)s.",
                "Assigned %(count)d issues to you: %(references)s.",
                n,
            )
            % {"count": n, "references": references}
        ),
    )
    return None


@admin.action(description=gettext_lazy("Assign to a team member…"), permissions=["change"])
def assign_to_member(modeladmin, request, queryset):
    issues = _selected(modeladmin, request, queryset)
    if issues is None:
        return None
    people = selectors.assignee_list_for_staff(
        user=request.user, client_ids={issue.client_id for issue in issues}
    )
    form = BulkAssignForm(request.POST if "apply" in request.POST else None, people=people)
    if not form.is_valid():
        return _confirmation_page(
            modeladmin,
            request,
            issues=issues,
            form=form,
            title=_("Assign issues"),
            intro=_("Choose the team member who takes these issues on."),
            button=_("Assign"),
        )
    assignee = form.cleaned_data["assignee"]
    _apply_each(
        modeladmin,
        request,
        issues,
        lambda issue, version: services.issue_assign(
            issue=issue,
            actor=request.user,
            assignee=assignee,
            channel=Channel.ADMIN,
            expected_version=version,
        ),
        done=lambda n, references: (
            (
                ngettext(
                    "Assigned %(count)d issue to %(name)s: %(references)s.",
                    "Assigned %(count)d issues to %(name)s: %(references)s.",
                    n,
                )
                if assignee
                else ngettext(
                    "Removed the assignee of %(count)d issue: %(references)s.",
                    "Removed the assignee of %(count)d issues: %(references)s.",
                    n,
                )
            )
            % {"count": n, "name": assignee, "references": references}
        ),
    )
    return None


@admin.action(description=gettext_lazy("Change the status…"), permissions=["change"])
def change_status(modeladmin, request, queryset):
    issues = _selected(modeladmin, request, queryset)
    if issues is None:
        return None
    form = BulkStatusForm(request.POST if "apply" in request.POST else None)
    if not form.is_valid():
        return _confirmation_page(
            modeladmin,
            request,
            issues=issues,
            form=form,
            title=_("Change the status"),
            intro=_("Each issue moves only if its current status allows it."),
            button=_("Change status"),
        )
    status = form.cleaned_data["status"]
    _apply_each(
        modeladmin,
        request,
        issues,
        lambda issue, version: services.issue_change_status(
            issue=issue,
            actor=request.user,
            status=status,
            channel=Channel.ADMIN,
            expected_version=version,
        ),
        done=lambda n, references: (
            ngettext(
                "Changed the status of %(count)d issue: %(references)s.",
                "Changed the status of %(count)d issues: %(references)s.",
                n,
            )
            % {"count": n, "references": references}
        ),
    )
    return None


@admin.action(description=gettext_lazy("Change the priority…"), permissions=["change"])
def change_priority(modeladmin, request, queryset):
    issues = _selected(modeladmin, request, queryset)
    if issues is None:
        return None
    form = BulkPriorityForm(request.POST if "apply" in request.POST else None)
    if not form.is_valid():
        return _confirmation_page(
            modeladmin,
            request,
            issues=issues,
            form=form,
            title=_("Change the priority"),
            intro=_(
                "The SLA clocks follow the new priority. The client chose the priority, so "
                "give the reason: it is recorded on each issue."
            ),
            button=_("Change priority"),
        )
    priority, reason = form.cleaned_data["priority"], form.cleaned_data["reason"]
    _apply_each(
        modeladmin,
        request,
        issues,
        lambda issue, version: services.issue_change_priority(
            issue=issue,
            actor=request.user,
            priority=priority,
            reason=reason,
            channel=Channel.ADMIN,
            expected_version=version,
        ),
        done=lambda n, references: (
            ngettext(
                "Changed the priority of %(count)d issue: %(references)s.",
                "Changed the priority of %(count)d issues: %(references)s.",
                n,
            )
            % {"count": n, "references": references}
        ),
    )
    return None


@admin.action(description=gettext_lazy("Merge duplicates into one issue…"), permissions=["change"])
def merge_duplicates(modeladmin, request, queryset):
    issues = _selected(modeladmin, request, queryset, limit=MERGE_LIMIT)
    if issues is None:
        return None
    if len(issues) < 2:
        modeladmin.message_user(
            request, _("Choose at least two issues to merge."), messages.WARNING
        )
        return None
    if len({issue.client_id for issue in issues}) > 1:
        modeladmin.message_user(
            request,
            _("Only issues of one client can be merged; nothing was changed."),
            messages.ERROR,
        )
        return None
    choices = queryset.filter(pk__in=[issue.pk for issue in issues]).order_by("created_at", "pk")
    form = MergeForm(request.POST if "apply" in request.POST else None, issues=choices)
    if not form.is_valid():
        return _confirmation_page(
            modeladmin,
            request,
            issues=issues,
            form=form,
            title=_("Merge duplicates"),
            intro=_("Choose the issue to keep; the others are merged into it and closed."),
            button=_("Merge"),
        )
    target = form.cleaned_data["target"]
    sources = [issue for issue in issues if issue.pk != target.pk]
    try:
        services.issue_merge(target=target, sources=sources, actor=request.user)
    except ApplicationError as exc:
        modeladmin.message_user(
            request, _("Nothing was merged: %(message)s") % {"message": exc.message}, messages.ERROR
        )
        return None
    modeladmin.message_user(
        request,
        _("Merged %(sources)s into %(target)s.")
        % {"sources": ", ".join(s.reference for s in sources), "target": target.reference},
        messages.SUCCESS,
    )
    return None
