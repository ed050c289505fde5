"""Forms of the staff admin for issues: they check the input's shape; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from tickets.choices import Priority, Status
from tickets.forms import MultipleFileField, ServiceErrorsMixin, attachments_help_text
from tickets.services import BODY_MAX


class VersionedForm(ServiceErrorsMixin, forms.Form):
    """A change to an issue made against the version the person was looking at."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class StatusChangeForm(VersionedForm):
    status = forms.ChoiceField(label=_("Status"), choices=Status.choices)


class PriorityChangeForm(VersionedForm):
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Recorded in the history of the issue."),
    )


class AssignForm(VersionedForm):
    assignee = forms.ModelChoiceField(
        label=_("Assignee"), queryset=None, required=False, empty_label=_("Nobody")
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = people


class MessageForm(ServiceErrorsMixin, forms.Form):
    """A public reply or an internal note, with files."""

    body = forms.CharField(
        label=_("Message"), max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 5})
    )
    attachments = MultipleFileField(label=_("Files"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attachments"].help_text = attachments_help_text()


class WatcherForm(ServiceErrorsMixin, forms.Form):
    watcher = forms.ModelChoiceField(label=_("Add a follower"), queryset=None)

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["watcher"].queryset = people


class BulkAssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=_("Assign to"),
        queryset=None,
        required=False,
        empty_label=_("Nobody (remove the assignee)"),
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = people


class BulkStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=Status.choices)


class BulkPriorityForm(forms.Form):
    priority = forms.ChoiceField(label=_("New priority"), choices=Priority.choices)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why the priority changes; recorded on every issue."),
    )


class MergeForm(forms.Form):
    target = forms.ModelChoiceField(
        label=_("Keep this issue"),
        queryset=None,
        widget=forms.RadioSelect,
        empty_label=None,
        help_text=_(
            "The other issues are closed as its duplicates; their conversation, files and "
            "followers move to it, and their requesters are told by email."
        ),
    )

    def __init__(self, *args, issues, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = issues
        self.fields["target"].label_from_instance = lambda issue: f"{issue.reference} {issue.title}"
