"""Portal forms: they check the shape of the input; the services decide what is allowed."""

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.targets_text import PriorityOffer
from tickets.choices import Category, Priority, Status
from tickets.forms import MultipleFileField, ServiceErrorsMixin, attachments_help_text
from tickets.selectors import ISSUE_ORDERINGS
from tickets.services import BODY_MAX, TITLE_MAX


class PriorityRadioSelect(forms.RadioSelect):
    """Radio buttons that carry each level's promise, for the page and its script."""

    def __init__(self, *args, offers: dict[str, PriorityOffer] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.offers = offers or {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        option["offer"] = self.offers.get(str(value))
        if option["offer"] is not None:
            option["attrs"]["data-response"] = option["offer"].expected_sentence
        return option


class IssueForm(ServiceErrorsMixin, forms.Form):
    """File an issue; the priorities offered are those of the client's agreement in force."""

    title = forms.CharField(
        label=_("Title"),
        max_length=TITLE_MAX,
        help_text=_("In a few words: what is wrong or what do you need?"),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_(
            "What happened, what did you expect, and how can we see it ourselves? "
            "You can use Markdown."
        ),
    )
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    component = forms.CharField(
        label=_("Application or module"),
        max_length=200,
        required=False,
        help_text=_("For example the name of the application and the screen concerned."),
    )
    priority = forms.ChoiceField(
        label=_("Priority"),
        choices=(),
        error_messages={"invalid_choice": _("Choose one of the priorities your agreement offers.")},
    )
    attachments = MultipleFileField(label=_("Attachments"))
    submission_token = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={
            "required": _("This form has expired. Please fill it in again."),
            "invalid": _("This form has expired. Please fill it in again."),
        },
    )

    def __init__(self, *args, offers: list[PriorityOffer], **kwargs):
        super().__init__(*args, **kwargs)
        self.offers = offers
        # The widget first: setting the choices hands them on to the widget in place.
        self.fields["priority"].widget = PriorityRadioSelect(offers={o.priority: o for o in offers})
        self.fields["priority"].choices = [(o.priority, o.label) for o in offers]
        self.fields["attachments"].help_text = attachments_help_text()

    def selected_offer(self) -> PriorityOffer | None:
        value = self["priority"].value()
        return next((o for o in self.offers if o.priority == value), None)


class ReplyForm(ServiceErrorsMixin, forms.Form):
    """A public reply from the client, with files, or files alone: the page's one upload form."""

    body = forms.CharField(
        label=_("Your reply"),
        max_length=BODY_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("You can use Markdown. Leave it empty to add files without a message."),
    )
    attachments = MultipleFileField(label=_("Attachments"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attachments"].help_text = attachments_help_text()

    def clean(self):
        data = super().clean()
        if not data.get("body") and not data.get("attachments") and not self.errors:
            self.add_error("body", _("Write a reply or choose a file."))
        return data


class AttachmentForm(ServiceErrorsMixin, forms.Form):
    """Files added to an issue outside a reply."""

    attachments = MultipleFileField(
        label=_("Files"),
        required=True,
        error_messages={"required": _("Choose at least one file.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attachments"].help_text = attachments_help_text()


class StatusForm(forms.Form):
    """Close or reopen: the version read guards against overwriting someone else's change."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


_SORT_LABELS = {
    "-created": _("Newest first"),
    "created": _("Oldest first"),
    "-updated": _("Recently updated"),
    "priority": _("Priority"),
    "reference": _("Reference, ascending"),
    "-reference": _("Reference, descending"),
}
# Built from the selector's orderings, so that a new ordering without a label fails at import.
SORT_CHOICES = [(key, _SORT_LABELS[key]) for key in ISSUE_ORDERINGS]


class IssueFilterForm(forms.Form):
    """Search, filters and sort of the issue list, read from the query string."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    status = forms.MultipleChoiceField(
        label=_("Status"),
        choices=Status.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    priority = forms.MultipleChoiceField(
        label=_("Priority"),
        choices=Priority.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    mine = forms.BooleanField(label=_("Only mine (filed or followed by me)"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), choices=SORT_CHOICES, required=False)

    def search(self) -> dict:
        """Return the selector's arguments, leaving out any field that did not validate."""
        self.is_valid()
        data = self.cleaned_data
        return {
            "query": data.get("q") or "",
            "statuses": tuple(data.get("status") or ()),
            "priorities": tuple(data.get("priority") or ()),
            "mine": bool(data.get("mine")),
            "ordering": data.get("sort") or "-created",
        }
