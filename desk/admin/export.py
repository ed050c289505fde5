"""The issue queue as a CSV download: what the list's filters select, within the staff's scope."""

import csv

from django.http import HttpResponse
from django.utils import timezone

from audit.admin import Echo, csv_cell
from tickets.models import Issue

# A download is for a report or a spreadsheet, not a copy of the database.
QUEUE_EXPORT_LIMIT = 5000

COLUMNS = (
    ("reference", lambda i: i.reference),
    ("client", lambda i: i.client.code),
    ("title", lambda i: i.title),
    ("priority", lambda i: i.priority),
    ("status", lambda i: i.status),
    ("category", lambda i: i.category),
    ("requester", lambda i: i.requester.username if i.requester_id else ""),
    ("assignee", lambda i: i.assignee.username if i.assignee_id else ""),
    ("filed_at", lambda i: i.created_at),
    ("last_activity_at", lambda i: i.last_activity_at),
    ("sla_due_at", lambda i: i.sla_due_at),
    ("sla_missed", lambda i: i.sla_missed),
)


def queue_csv_response(issues) -> HttpResponse:
    """Answer at most QUEUE_EXPORT_LIMIT of ``issues``, in their order, as a CSV download."""
    # The queue loads only the columns it shows; the file shows more. The rows are read
    # while the request holds its database connection: the file is bounded, so it is
    # written whole rather than streamed after the view returned.
    bounded = issues.defer(None).select_related("client", "requester", "assignee")
    writer = csv.writer(Echo())
    lines = [writer.writerow([name for name, _value in COLUMNS])]
    issue: Issue
    for issue in bounded[:QUEUE_EXPORT_LIMIT]:
        lines.append(writer.writerow([csv_cell(value(issue)) for _name, value in COLUMNS]))
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse("".join(lines), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="issues-{stamp}.csv"'
    return response
