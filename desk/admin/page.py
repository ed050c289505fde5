"""The issue page of the admin: conversation, history, SLA clocks and the controls to change it.

Every change goes through ``tickets.services``; status, priority and assignee are changed
against the version of the issue that the page showed, so that two people working on
one issue get told instead of overwriting each other.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.selectors import team_members
from desk.admin.display import clock_badge, duration_text, event_summary
from desk.admin.forms import (
    AssignForm,
    MessageForm,
    PriorityChangeForm,
    StatusChangeForm,
    WatcherForm,
)
from oncall.selectors import escalation_list_for_issue
from paqt_support.exceptions import ApplicationError, ConflictError
from sla.models import ClockKind
from tickets import selectors, services
from tickets.models import Channel, EventKind, Issue

SLA_EVENT_KINDS = (EventKind.SLA_STARTED, EventKind.SLA_AT_RISK, EventKind.SLA_BREACHED)


class IssuePage:
    """One request to the issue page: show it, or apply one of its forms and redirect."""

    def __init__(self, modeladmin, request, issue: Issue):
        self.modeladmin = modeladmin
        self.request = request
        self.user = request.user
        self.issue = issue
        self.forms = self._unbound_forms()

    def _unbound_forms(self) -> dict:
        version = {"version": self.issue.version}
        return {
            "status": StatusChangeForm(
                prefix="status", initial={**version, "status": self.issue.status}
            ),
            "priority": PriorityChangeForm(
                prefix="priority", initial={**version, "priority": self.issue.priority}
            ),
            "assign": AssignForm(
                prefix="assign",
                initial={**version, "assignee": self.issue.assignee_id},
                people=team_members(client_id=self.issue.client_id),
            ),
            "reply": MessageForm(prefix="reply"),
            "note": MessageForm(prefix="note"),
            "watch": WatcherForm(
                prefix="watch", people=selectors.watcher_candidates_for_issue(issue=self.issue)
            ),
        }

    def _bind(self, name: str, data=None):
        form = self.forms[name]
        kwargs = {"prefix": form.prefix, "data": data or self.request.POST}
        if name in ("reply", "note"):
            kwargs["files"] = self.request.FILES
        if name == "assign":
            kwargs["people"] = form.fields["assignee"].queryset
        if name == "watch":
            kwargs["people"] = form.fields["watcher"].queryset
        self.forms[name] = type(form)(**kwargs)
        return self.forms[name]

    def response(self):
        if self.request.method != "POST":
            return self.render()
        if not self.modeladmin.has_change_permission(self.request, self.issue):
            raise PermissionDenied
        action = self.request.POST.get("_action", "")
        handler = getattr(self, f"_do_{action}", None)
        if handler is None:
            messages.error(self.request, _("Unknown action; nothing was changed."))
            return self.render(status=400)
        return handler()

    # Each handler validates its form, calls one service, and redirects or shows the error.

    def _do_status(self):
        return self._versioned(
            "status",
            _("Status changed."),
            lambda data, version: services.issue_change_status(
                issue=self.issue,
                actor=self.user,
                status=data["status"],
                channel=Channel.ADMIN,
                expected_version=version,
            ),
        )

    def _do_priority(self):
        return self._versioned(
            "priority",
            _("Priority changed."),
            lambda data, version: services.issue_change_priority(
                issue=self.issue,
                actor=self.user,
                priority=data["priority"],
                reason=data["reason"],
                channel=Channel.ADMIN,
                expected_version=version,
            ),
        )

    def _do_assign(self):
        return self._versioned(
            "assign",
            _("Assignee changed."),
            lambda data, version: services.issue_assign(
                issue=self.issue,
                actor=self.user,
                assignee=data["assignee"],
                channel=Channel.ADMIN,
                expected_version=version,
            ),
        )

    def _do_assign_me(self):
        data = self.request.POST.copy()
        data["assign-assignee"] = str(self.user.pk)
        return self._versioned(
            "assign",
            _("Assigned to you."),
            lambda cleaned, version: services.issue_assign(
                issue=self.issue,
                actor=self.user,
                assignee=self.user,
                channel=Channel.ADMIN,
                expected_version=version,
            ),
            data=data,
        )

    def _do_reply(self):
        return self._message("reply", is_internal=False)

    def _do_note(self):
        return self._message("note", is_internal=True)

    def _do_watch(self):
        form = self._bind("watch")
        if not form.is_valid():
            return self.render()
        return self._attempt(
            form,
            _("%(name)s follows this issue now.") % {"name": form.cleaned_data["watcher"]},
            lambda: services.issue_watch(
                issue=self.issue,
                actor=self.user,
                watcher=form.cleaned_data["watcher"],
                channel=Channel.ADMIN,
            ),
        )

    def _do_follow(self):
        return self._follow(self.user, watch=True, done=_("You follow this issue now."))

    def _do_unfollow(self):
        watcher_id = self.request.POST.get("watcher", "")
        watcher = (
            selectors.watcher_list_for_issue(issue=self.issue, user=self.user)
            .filter(pk=int(watcher_id))
            .first()
            if watcher_id.isdigit()
            else None
        )
        if watcher is None:
            messages.error(self.request, _("That person does not follow this issue."))
            return self.render(status=400)
        done = _("%(name)s no longer follows this issue.") % {"name": watcher}
        return self._follow(watcher, watch=False, done=done)

    def _follow(self, watcher, *, watch: bool, done: str):
        return self._attempt(
            None,
            done,
            lambda: services.issue_watch(
                issue=self.issue,
                actor=self.user,
                watcher=watcher,
                watch=watch,
                channel=Channel.ADMIN,
            ),
        )

    def _message(self, name: str, *, is_internal: bool):
        form = self._bind(name)
        if not form.is_valid():
            return self.render()
        done = _("Internal note added.") if is_internal else _("Reply sent to the client.")
        return self._attempt(
            form,
            done,
            lambda: services.comment_create(
                issue=self.issue,
                author=self.user,
                body=form.cleaned_data["body"],
                is_internal=is_internal,
                files=form.cleaned_data["attachments"],
                channel=Channel.ADMIN,
            ),
            anchor="conversation-end",
        )

    def _versioned(self, name: str, done: str, change, *, data=None):
        form = self._bind(name, data)
        if not form.is_valid():
            return self.render()
        try:
            change(form.cleaned_data, form.cleaned_data["version"])
        except ConflictError as exc:
            return self._conflict(name, exc)
        except ApplicationError as exc:
            form.add_service_error(exc)
            return self.render(status=exc.status)
        messages.success(self.request, done)
        return self._redirect()

    def _conflict(self, name: str, exc: ConflictError):
        # Show the issue as it is now, and keep what the person chose: the form now
        # carries the current version, so sending it again is a decision made knowingly.
        self.issue = self.modeladmin.get_object(self.request, str(self.issue.pk))
        if self.issue is None:
            return HttpResponseRedirect(reverse("admin:tickets_issue_changelist"))
        self.forms = self._unbound_forms()
        data = self.request.POST.copy()
        data[f"{name}-version"] = str(self.issue.version)
        form = self._bind(name, data)
        form.is_valid()
        form.add_error(None, exc.message)
        return self.render(status=exc.status, note=exc.message)

    def _attempt(self, form, done: str, change, *, anchor: str = ""):
        try:
            change()
        except ApplicationError as exc:
            if form is None:
                messages.error(self.request, exc.message)
            else:
                form.add_service_error(exc)
            return self.render(status=exc.status)
        messages.success(self.request, done)
        return self._redirect(anchor)

    def _redirect(self, anchor: str = ""):
        url = reverse("admin:tickets_issue_change", args=[self.issue.pk])
        return HttpResponseRedirect(f"{url}#{anchor}" if anchor else url)

    @staticmethod
    def _clock_row(clock, now) -> dict:
        health = clock.health(now)
        return {
            "clock": clock,
            "badge": clock_badge(clock, now=now),
            "target": duration_text(health.target),
            "used": duration_text(health.used),
        }

    def render(self, *, status: int = 200, note: str = ""):
        issue, user, now = self.issue, self.user, timezone.now()
        events = list(selectors.event_list_for_issue(issue=issue, user=user))
        clocks = sorted(issue.sla_clocks.all(), key=lambda c: c.kind != ClockKind.RESPONSE)
        watchers = list(selectors.watcher_list_for_issue(issue=issue, user=user))
        if not note and any(form.errors for form in self.forms.values()):
            note = _("The change was not made; see the message below.")
        merged_into = next(
            (e.data for e in reversed(events) if (e.data or {}).get("merged_into_id")), None
        )
        context = {
            **self.modeladmin.admin_site.each_context(self.request),
            "opts": self.modeladmin.opts,
            "title": f"{issue.reference} {issue.title}",
            "issue": issue,
            "original": issue,
            "has_change_permission": self.modeladmin.has_change_permission(self.request, issue),
            "comments": selectors.comment_list_for_issue(issue=issue, user=user),
            "attachments": selectors.attachment_list_for_issue(issue=issue, user=user),
            "history": [(event, event_summary(event)) for event in events],
            "sla_history": [
                (event, event_summary(event)) for event in events if event.kind in SLA_EVENT_KINDS
            ],
            "clocks": [self._clock_row(clock, now) for clock in clocks],
            "watchers": watchers,
            "escalations": list(escalation_list_for_issue(issue_id=issue.pk)),
            "is_following": any(w.pk == user.pk for w in watchers),
            "merged_into": merged_into,
            "forms": self.forms,
            "error_note": note,
            "media": self.modeladmin.media,
        }
        return TemplateResponse(
            self.request, "admin/tickets/issue/issue_page.html", context, status=status
        )
