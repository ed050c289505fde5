"""Write the access log: single events, the rows a queryset hands out, a request's reads."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from audit import context
from audit.models import AuditAction, AuditEntry, AuditRole


def _label_and_client(obj) -> tuple[str, int | None]:
    """Return how ``obj`` names itself in the log, and the id of the client it belongs to.

    Only attributes already loaded are used, so that logging a list costs no query per row.
    """
    label = obj._meta.label_lower
    if label == "tickets.issue":
        return obj.reference or f"#{obj.pk}", obj.client_id
    if label in ("tickets.comment", "tickets.attachment"):
        issue = _cached(obj, "issue")
        kind = "comment" if label == "tickets.comment" else "attachment"
        if issue is None:
            return f"{kind} {obj.pk}", None
        return f"{issue.reference} {kind} {obj.pk}", issue.client_id
    if label == "clients.client":
        return obj.code, obj.pk
    if label == "sla.agreement":
        return obj.name, obj.client_id
    if label == "accounts.user":
        return obj.username, obj.client_id
    if label in ("clients.team", "sso.identityprovider"):
        return obj.name, obj.client_id
    return str(obj.pk), None


def _cached(obj, field: str):
    descriptor = getattr(type(obj), field)
    return getattr(obj, field) if descriptor.is_cached(obj) else None


def role_of(user, *, cache: dict | None = None) -> str:
    """Return the role in which ``user`` acts: the widest of its roles at the provider.

    A contact acts as contact or client admin; staff as administrator, team lead,
    DevOps engineer or team member, by the groups that give them those rights.
    """
    if user is None or not user.is_authenticated:
        return AuditRole.ANONYMOUS
    if getattr(user, "is_service_account", False):
        return AuditRole.SERVICE_ACCOUNT
    if user.client_id:
        return AuditRole.CLIENT_ADMIN if user.is_client_admin else AuditRole.CONTACT
    if user.is_superuser:
        return AuditRole.ADMINISTRATOR
    if cache is not None and user.pk in cache:
        return cache[user.pk]
    # Through all() so that groups the admin already prefetched cost no query.
    groups = {group.name for group in user.groups.all()}
    if "Administrators" in groups:
        role = AuditRole.ADMINISTRATOR
    elif "Team leads" in groups:
        role = AuditRole.TEAM_LEAD
    elif "DevOps engineers" in groups:
        role = AuditRole.DEVOPS
    else:
        role = AuditRole.TEAM_MEMBER
    if cache is not None:
        cache[user.pk] = role
    return role


def _address(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def _entry(
    *,
    access: context.AccessContext,
    action: str,
    obj=None,
    client_id: int | None = None,
    detail: dict | None = None,
    user=None,
    now=None,
) -> AuditEntry:
    actor = user if user is not None else access.acting_user()
    object_type = object_id = object_repr = ""
    if obj is not None:
        object_repr, own_client = _label_and_client(obj)
        object_type, object_id = obj._meta.label_lower, str(obj.pk)
        client_id = client_id if client_id is not None else own_client
    if actor is not None:
        # Roles are cached for one request only: a worker lives longer than a group membership.
        cache = access.role_cache if access.request is not None else None
        role = role_of(actor, cache=cache)
    elif access.request is not None:
        role = AuditRole.ANONYMOUS
    else:
        role = AuditRole.SYSTEM
    return AuditEntry(
        occurred_at=now or timezone.now(),
        action=action,
        user=actor,
        user_label=actor.get_username() if actor is not None else "",
        role=role,
        on_behalf_of=access.on_behalf_of[:200],
        channel=access.channel,
        ip_address=_address(access.ip_address),
        user_agent=access.user_agent,
        path=access.path,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:200],
        client_id=client_id,
        system=settings.AUDIT_SYSTEM_NAME,
        detail=detail or {},
    )


def audit_record(
    *,
    action: str,
    obj=None,
    client_id: int | None = None,
    detail: dict | None = None,
    user=None,
    on_behalf_of: str = "",
) -> AuditEntry:
    """Write one entry now, in the current transaction, for an access by the acting user.

    ``user`` names the person concerned when it is not the one acting in the context,
    as for the recipient of an email; ``on_behalf_of`` whom the actor acted for.
    """
    entry = _entry(
        access=context.current(),
        action=action,
        obj=obj,
        client_id=client_id,
        detail=detail,
        user=user,
    )
    if on_behalf_of:
        entry.on_behalf_of = on_behalf_of[:200]
    entry.save()
    return entry


def audit_reads(
    objects: Iterable[models.Model], *, action: str, client_id: int | None = None
) -> None:
    """Log that the acting user read ``objects``: at the request's end, or at once outside one."""
    access = context.current()
    now = timezone.now()
    detail = {}
    if action == AuditAction.SEARCH and access.request is not None:
        detail = {"query": dict(access.request.GET.lists())}
    entries = [
        _entry(access=access, action=action, obj=obj, client_id=client_id, detail=detail, now=now)
        for obj in objects
    ]
    if not entries and action == AuditAction.SEARCH:
        # A search that found nothing still shows what somebody looked for.
        entries = [_entry(access=access, action=action, detail=detail, now=now)]
    if access.pending is not None:
        access.pending.extend(entries)
    elif entries:
        AuditEntry.objects.bulk_create(entries)


def audit_flush(access: context.AccessContext) -> None:
    """Write the reads the request collected, in one insert."""
    if access.pending:
        entries = access.pending[:]
        access.pending.clear()
        AuditEntry.objects.bulk_create(entries)


# Query parameters that narrow a list by what somebody typed, making it a search.
SEARCH_PARAMETERS = ("q", "search", "query", "text", "term")


class AuditedQuerySetMixin:
    """Log the rows a queryset hands out when it is evaluated: one entry per object.

    Counting, ``exists()`` and use as a subquery read no row and log nothing. ``get()``
    logs a view; any other evaluation a list, or a search when the request carried
    search terms.
    """

    _audit_client_id: int | None = None
    _audit_view = False

    def _clone(self):
        clone = super()._clone()
        clone._audit_client_id = self._audit_client_id
        clone._audit_view = self._audit_view
        return clone

    def get(self, *args, **kwargs):
        marked = self._chain()
        marked._audit_view = True
        return super(AuditedQuerySetMixin, marked).get(*args, **kwargs)

    def _fetch_all(self):
        fresh = self._result_cache is None
        super()._fetch_all()
        if not fresh or self._iterable_class is not models.query.ModelIterable:
            return
        audit_reads(
            self._result_cache, action=self._audit_action(), client_id=self._audit_client_id
        )

    def _audit_action(self) -> str:
        if self._audit_view:
            return AuditAction.VIEW
        request = context.current().request
        if request is not None and any(request.GET.get(p, "").strip() for p in SEARCH_PARAMETERS):
            return AuditAction.SEARCH
        return AuditAction.LIST


_audited_classes: dict[type, type] = {}


def audited(queryset: models.QuerySet, *, client_id: int | None = None) -> models.QuerySet:
    """Return ``queryset`` so that the objects it hands out are logged as read.

    ``client_id`` names the client when the rows do not carry it themselves, as the
    comments of one issue do not.
    """
    base = type(queryset)
    clone = queryset._chain()
    if not issubclass(base, AuditedQuerySetMixin):
        cls = _audited_classes.get(base)
        if cls is None:
            cls = _audited_classes[base] = type(
                f"Audited{base.__name__}", (AuditedQuerySetMixin, base), {}
            )
        clone.__class__ = cls
    if client_id is not None:
        clone._audit_client_id = client_id
    return clone


def audit_purge(*, before, dry_run: bool = False) -> int:
    """Delete the entries that occurred before ``before``; return how many (would) go.

    The purge itself is logged, so that the trail shows when and how far it was cut.
    """
    count = AuditEntry.objects.filter(occurred_at__lt=before).count()
    if dry_run:
        return count
    with transaction.atomic():
        removed = AuditEntry.objects.purge_before(before)
        audit_record(
            action=AuditAction.DELETE,
            detail={"what": "audit entries", "before": before.isoformat(), "count": removed},
        )
    return removed
