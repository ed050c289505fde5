"""Export everything the product holds about one client, as a JSON document for its admin.

The document holds the client, its agreements with their priority targets, its contacts
(service accounts marked as such), its monitoring sources, and its issues with their
public replies, files, public history, SLA clocks and followers. Passwords, API-token
and webhook secrets and their hashes are never in it.

Internal notes, internal files and internal history events are left out. They are the
provider's working notes: the portal never shows them to a client, and a download by the
client's admin must not become a way around that. This export serves the organisation
(its records, or a move to another provider); it is not a person's request under article
15 of the GDPR. When a contact asks for their own personal data, internal notes included,
the provider's administrators answer that request by hand, so that notes about other
people can be left out. The access log and on-call paging stay with the provider too.

The issues are read in chunks with their related rows prefetched, so that the number of
queries grows with the chunks, not with the issues, and the document is streamed as it
is written. One access-log entry records the export; the rows it reads are not logged
one by one.
"""

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from api.models import ApiToken
from audit.models import AuditAction
from audit.services import audit_record
from clients.models import Client
from monitoring.models import MonitoringSource
from paqt_support.exceptions import NotAllowedError
from sla.models import Agreement, PriorityTarget, SlaClock
from tickets.models import Attachment, Comment, Issue, IssueEvent

FORMAT = "paqt-support/client-export"
FORMAT_VERSION = 1

# Issues read per query; each chunk costs one query per prefetched relation.
CHUNK_SIZE = 200


# Selectors: what the export reads, with the joins a constant query count needs.


def agreement_list_for_export(*, client_id: int) -> QuerySet[Agreement]:
    """Return the client's agreements, newest first, with their targets and calendar."""
    return (
        Agreement.objects.filter(client_id=client_id)
        .select_related("calendar")
        .prefetch_related(Prefetch("targets", queryset=PriorityTarget.objects.order_by("priority")))
        .order_by("-valid_from", "-id")
    )


def contact_list_for_export(*, client_id: int) -> QuerySet[User]:
    """Return everyone of the client, deactivated people and service accounts included."""
    return (
        User.objects.filter(client_id=client_id)
        .prefetch_related(Prefetch("api_tokens", queryset=ApiToken.objects.order_by("created_at")))
        .order_by("id")
    )


def monitoring_source_list_for_export(*, client_id: int) -> QuerySet[MonitoringSource]:
    """Return the client's monitoring sources."""
    return MonitoringSource.objects.filter(client_id=client_id).order_by("name", "id")


def issue_list_for_export(*, client_id: int) -> QuerySet[Issue]:
    """Return the client's issues, oldest first, with what a client may see of each joined."""
    public_comments = Comment.objects.filter(is_internal=False).select_related("author")
    # A file counts as public only if the reply it came with is public too.
    public_files = (
        Attachment.objects.filter(is_internal=False)
        .filter(Q(comment__isnull=True) | Q(comment__is_internal=False))
        .select_related("uploaded_by")
    )
    public_events = IssueEvent.objects.filter(is_internal=False).select_related("actor")
    return (
        Issue.objects.filter(client_id=client_id)
        .select_related("requester", "assignee", "agreement")
        .prefetch_related(
            Prefetch("comments", queryset=public_comments, to_attr="public_comments"),
            Prefetch("attachments", queryset=public_files, to_attr="public_files"),
            Prefetch("events", queryset=public_events, to_attr="public_events"),
            Prefetch("sla_clocks", queryset=SlaClock.objects.order_by("kind")),
            Prefetch("watchers", queryset=User.objects.order_by("id")),
        )
        .order_by("created_at", "id")
    )


# How each row reads in the document.


def _person(user: User | None) -> dict | None:
    if user is None:
        return None
    if user.is_staff:
        return {"name": str(user), "support_team": True}
    return {"contact_id": user.pk, "name": str(user)}


def _agreement(agreement: Agreement) -> dict:
    return {
        "name": agreement.name,
        "tier": agreement.tier,
        "valid_from": agreement.valid_from,
        "valid_until": agreement.valid_until,
        "support_hours": agreement.calendar.name,
        "priority_targets": [
            {
                "priority": target.priority,
                "first_response_business_minutes": target.first_response_minutes,
                "resolution_business_minutes": target.resolution_minutes,
                "round_the_clock": target.is_round_the_clock,
                "meaning": target.description,
            }
            for target in agreement.targets.all()
        ],
    }


def _contact(user: User) -> dict:
    return {
        "contact_id": user.pk,
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": user.is_active,
        "is_client_admin": user.is_client_admin,
        "is_service_account": user.is_service_account,
        "preferred_language": user.preferred_language,
        "date_joined": user.date_joined,
        "last_login": user.last_login,
        "anonymised_at": user.anonymised_at,
        "api_tokens": [
            {
                "name": token.name,
                "created_at": token.created_at,
                "last_used_at": token.last_used_at,
                "expires_at": token.expires_at,
                "revoked_at": token.revoked_at,
            }
            for token in user.api_tokens.all()
        ],
    }


def _monitoring_source(source: MonitoringSource) -> dict:
    return {
        "name": source.name,
        "kind": source.kind,
        "default_priority": source.default_priority,
        "resolves_automatically": source.auto_resolve,
        "is_active": source.is_active,
        "created_at": source.created_at,
        "last_signal_at": source.last_received_at,
    }


def _file(attachment: Attachment) -> dict:
    path = reverse("portal:attachment-download", args=[attachment.pk])
    return {
        "file_id": attachment.pk,
        "name": attachment.original_name,
        "size_bytes": attachment.size,
        "content_type": attachment.content_type,
        "uploaded_at": attachment.created_at,
        "uploaded_by": _person(attachment.uploaded_by),
        "reply_id": attachment.comment_id,
        "download_url": f"{settings.SITE_URL}{path}",
    }


def _clock(clock: SlaClock) -> dict:
    return {
        "kind": clock.kind,
        "state": clock.state,
        "target_business_seconds": clock.target_seconds,
        "started_at": clock.started_at,
        "due_at": clock.due_at,
        "stopped_at": clock.stopped_at,
        "met": clock.state == "met",
        "breached": clock.state == "breached",
    }


def _issue(issue: Issue) -> dict:
    return {
        "reference": issue.reference,
        "title": issue.title,
        "description": issue.description,
        "category": issue.category,
        "component": issue.component,
        "priority": issue.priority,
        "priority_chosen_by_client": issue.requested_priority,
        "status": issue.status,
        "filed_through": issue.channel,
        "filed_at": issue.created_at,
        "updated_at": issue.updated_at,
        "resolved_at": issue.resolved_at,
        "closed_at": issue.closed_at,
        "requester": _person(issue.requester),
        "assignee": _person(issue.assignee),
        "agreement": issue.agreement.name if issue.agreement else None,
        "followers": [_person(user) for user in issue.watchers.all()],
        "replies": [
            {
                "reply_id": comment.pk,
                "author": _person(comment.author),
                "written_at": comment.created_at,
                "through": comment.channel,
                "message": comment.body,
            }
            for comment in issue.public_comments
        ],
        "files": [_file(attachment) for attachment in issue.public_files],
        "history": [
            {
                "event": event.kind,
                "at": event.created_at,
                "by": _person(event.actor),
                "through": event.channel,
                "details": event.data,
            }
            for event in issue.public_events
        ],
        "sla_clocks": [_clock(clock) for clock in issue.sla_clocks.all()],
    }


def _dumps(value) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)


def _document(head: dict, issues: Iterable[Issue]) -> Iterator[str]:
    """Yield the JSON text of ``head`` with ``issues`` as its last member, one issue a line."""
    yield "{\n"
    for key, value in head.items():
        yield f"  {_dumps(key)}: {_dumps(value)},\n"
    yield '  "issues": ['
    for number, issue in enumerate(issues):
        yield ("," if number else "") + "\n    " + _dumps(_issue(issue))
    yield "\n  ]\n}\n"


@dataclass(frozen=True)
class ClientExport:
    """A document under way: its file name, how many issues it holds, and its text."""

    filename: str
    issue_count: int
    chunks: Iterator[str]


def client_export(*, admin: User, now: datetime | None = None) -> ClientExport:
    """Start the export of ``admin``'s own organisation and log it; return the document.

    Only an active client admin may, and only of their own client: the client is never
    chosen by the caller. Raise ``NotAllowedError`` otherwise. Times in the document are
    in UTC, as ISO 8601; the file name carries the Dutch date of ``now``.
    """
    if not (admin.is_active and admin.client_id and admin.is_client_admin):
        raise NotAllowedError(_("Only a client admin can export the organisation's data."))
    now = now or timezone.now()
    client = Client.objects.get(pk=admin.client_id)
    issues = issue_list_for_export(client_id=client.pk)
    contacts = list(contact_list_for_export(client_id=client.pk))
    agreements = list(agreement_list_for_export(client_id=client.pk))
    sources = list(monitoring_source_list_for_export(client_id=client.pk))
    issue_count = issues.count()
    head = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "exported_at": now,
        "exported_by": admin.get_username(),
        "client": {
            "code": client.code,
            "name": client.name,
            "is_active": client.is_active,
            "created_at": client.created_at,
        },
        "agreements": [_agreement(agreement) for agreement in agreements],
        "contacts": [_contact(user) for user in contacts],
        "monitoring_sources": [_monitoring_source(source) for source in sources],
        "issue_count": issue_count,
    }
    with transaction.atomic():
        audit_record(
            action=AuditAction.EXPORT,
            obj=client,
            detail={
                "format_version": FORMAT_VERSION,
                "issues": issue_count,
                "contacts": len(contacts),
                "agreements": len(agreements),
                "monitoring_sources": len(sources),
            },
        )
    filename = f"{client.code}-export-{timezone.localdate(now):%Y-%m-%d}.json"
    chunks = _document(head, issues.iterator(chunk_size=CHUNK_SIZE))
    return ClientExport(filename=filename, issue_count=issue_count, chunks=chunks)
