"""The changes of an issue, announced once by the issue services, and the apps that listen.

Every service in ``tickets.services`` that changes an issue announces what it changed as
one typed event, inside its own transaction and after its rows are written. The apps that
care (the SLA clocks, the pager, the notifications) subscribe a handler when Django starts,
in their ``AppConfig.ready``. A new kind of change therefore reaches all of them without
anyone remembering to call them, and ``tickets`` imports none of those apps.

Handlers run in the order they subscribed, synchronously and inside the announcing
transaction: a handler that raises rolls the whole change back, so a change is never half
followed. Handlers queue their slow side effects (email, pages) with
``transaction.on_commit``. Unlike Django's signals, the order is fixed, a failure is never
swallowed, and ``subscribers()`` says who listens.

The same registry holds the two questions ``tickets`` asks of the apps it cannot import:
which agreement applies to an issue (the ``AgreementRule``, exactly one) and who besides
the client's team may work on an issue (``AccessGrant``s).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from django.core.exceptions import ImproperlyConfigured
from django.db import connection

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from tickets.models import Issue


@dataclass(frozen=True, kw_only=True)
class IssueChange:
    """Something that happened to one issue at ``at``, by ``actor_id`` through ``channel``.

    ``event_id`` is the row on the issue's timeline that records it, when there is one.
    ``issue`` is the row as the announcing service left it, locked in its transaction,
    so that handlers need not read it again; handlers must not change it. ``memo`` lets
    handlers share what they looked up about this change.
    """

    issue_id: int
    at: datetime
    actor_id: int | None
    channel: str
    event_id: int | None = None
    issue: Issue | None = field(default=None, compare=False, repr=False)
    memo: dict = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, kw_only=True)
class IssueFiled(IssueChange):
    """A new issue, with its clocks still to start."""


@dataclass(frozen=True, kw_only=True)
class IssueStatusChanged(IssueChange):
    """The status went from ``old`` to ``new``; resolving, closing and reopening included."""

    old: str
    new: str

    @property
    def reopened(self) -> bool:
        return self.old in _DONE and self.new not in _DONE

    @property
    def ended(self) -> bool:
        return self.new in _DONE and self.old not in _DONE


@dataclass(frozen=True, kw_only=True)
class IssuePriorityChanged(IssueChange):
    old: str
    new: str


@dataclass(frozen=True, kw_only=True)
class IssueAssigned(IssueChange):
    """Someone else, or nobody, works on the issue now."""

    old_assignee_id: int | None
    new_assignee_id: int | None


@dataclass(frozen=True, kw_only=True)
class IssueCommented(IssueChange):
    """A public reply or an internal note; ``by_staff`` tells the team's from the client's."""

    comment_id: int
    is_internal: bool
    by_staff: bool

    @property
    def is_staff_reply(self) -> bool:
        return self.by_staff and not self.is_internal

    @property
    def is_client_reply(self) -> bool:
        return not self.by_staff and not self.is_internal


@dataclass(frozen=True, kw_only=True)
class IssueMerged(IssueChange):
    """The issue was found to duplicate ``into_id`` and merged into it (it is closed next)."""

    into_id: int


@dataclass(frozen=True, kw_only=True)
class IssueAgreementChanged(IssueChange):
    """Another agreement of the client applies to the issue from ``at`` on."""

    old_agreement_id: int | None
    new_agreement_id: int | None


# Mirrors tickets.choices.Status's resolved and closed, which this module cannot import
# without pulling the models into every importer of the event types.
_DONE = frozenset({"resolved", "closed"})

Handler = Callable[[IssueChange], None]


class AgreementRule(Protocol):
    """The one rule that says which agreement applies; the SLA app provides it."""

    def agreement_for_priority(self, *, client_id: int, priority: str, at: datetime) -> int:
        """Return the id of the agreement in force for ``client_id`` at ``at``.

        Raise ``ApplicationError`` (field ``priority``) when there is none or it does not
        offer ``priority``.
        """


class AccessGrant(Protocol):
    """Another reason than team membership for a staff member to work on an issue."""

    def issue_ids(self, *, user_id: int) -> QuerySet:
        """Return a values queryset of the ids of the issues ``user_id`` may work on."""

    def grants(self, *, issue_id: int, user_id: int) -> bool:
        """Return whether ``user_id`` may work on (and be assigned) issue ``issue_id``."""


@dataclass
class Registry:
    """Who listens to issue changes, and who answers the questions tickets cannot."""

    handlers: list[tuple[str, Handler]] = field(default_factory=list)
    agreement_rule: AgreementRule | None = None
    access_grants: list[tuple[str, AccessGrant]] = field(default_factory=list)

    def subscribe(self, name: str, handler: Handler) -> None:
        """Call ``handler`` with every change announced from now on, after those before it.

        Subscribing the same name twice (Django's ``ready`` may run twice in tests) keeps
        the first subscription in its place.
        """
        if any(existing == name for existing, _handler in self.handlers):
            return
        self.handlers.append((name, handler))

    def announce(self, change: IssueChange) -> None:
        """Hand ``change`` to every handler, in order; must run inside the change's transaction."""
        if not connection.in_atomic_block:
            raise RuntimeError(
                f"{type(change).__name__} announced outside a transaction: its handlers' "
                "writes would not be atomic with the change"
            )
        for _name, handler in self.handlers:
            handler(change)

    def set_agreement_rule(self, rule: AgreementRule) -> None:
        self.agreement_rule = rule

    def agreement_for_priority(self, *, client_id: int, priority: str, at: datetime) -> int:
        if self.agreement_rule is None:
            raise ImproperlyConfigured("No app provides the agreement rule (the SLA app does).")
        return self.agreement_rule.agreement_for_priority(
            client_id=client_id, priority=priority, at=at
        )

    def grant_access(self, name: str, grant: AccessGrant) -> None:
        if any(existing == name for existing, _grant in self.access_grants):
            return
        self.access_grants.append((name, grant))


registry = Registry()


def announce(change: IssueChange) -> None:
    """Announce ``change`` to every subscribed app; see the module docstring."""
    registry.announce(change)


def subscribers() -> list[str]:
    """Return the names of the handlers, in the order they run."""
    return [name for name, _handler in registry.handlers]
