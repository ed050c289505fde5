"""Run the steps of escalations: send each page exactly once, retry, sweep, watch.

How a step is sent exactly once (see ``escalation_step_run``):

1. *Claim*, in one transaction: lock the issue and escalation rows, check the task's token
   and that the step is due, and stamp the step's ``Page`` row with a fresh claim token.
2. *Send*, with no transaction open and no lock held.
3. *Confirm*, in one transaction: mark the page sent only if it still carries our claim
   token (a conditional update), record the event and move the escalation on.

A second task for the same step, a retried task or a second worker finds the claim and
does nothing. A claim older than the claim timeout without ``sent_at`` means the sender
died between 1 and 3 (SIGKILL, a lost machine); the step is then claimed and sent again.
The claim timeout is longer than the step task's hard time limit, so a live sender is
never overtaken. The one window left is a crash after the mail server accepted the
message and before the confirm committed (milliseconds): that page goes out twice,
with the same Message-ID. We chose this over at-most-once, because a page that is never
sent may leave a production outage unanswered, while a duplicate page only wakes
someone who has to get up anyway.

A page goes through the recipient's channels in the order of their paging profile: the
first that accepts it delivers it. When none does, the step stays on that person and is
tried again with backoff for as long as the escalation lasts; the wait for an
acknowledgement starts only once a page was delivered. Only when every channel refused
the person's address (a permanent error, not an outage) is the step given up after the
settings' number of attempts. An escalation that runs out without any page delivered ends
as undeliverable, never as exhausted.
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from oncall import policy
from oncall.channels import PageRequest, channel_for, failure_is_permanent
from oncall.models import Escalation, EscalationState, Page, StepTarget
from oncall.queue import step_task_queue
from oncall.selectors import escalations_due, escalations_overdue, layer_on_call, oncall_settings
from oncall.services import moves
from oncall.services.acknowledge import acknowledge_url
from oncall.services.channels import (
    Contact,
    channel_health_note,
    ops_alert_send,
    paging_contact,
)
from oncall.services.moves import (
    admins_alert,
    escalation_end,
    escalation_lock,
    escalation_move_on,
    event_record,
)
from oncall.services.start import paging_stop_for
from paqt_support.transactions import after_commit
from tickets.models import EventKind
from tickets.notifications import issue_url_for

logger = logging.getLogger(__name__)

DEFAULT_CLAIM_TIMEOUT = timedelta(seconds=45)
SWEEP_LIMIT = 500


class Outcome(StrEnum):
    """What one run of ``escalation_step_run`` did."""

    SENT = "sent"
    RETRY_LATER = "retry_later"
    GIVEN_UP = "given_up"
    BUSY = "busy"
    NOT_DUE = "not_due"
    STALE = "stale"
    ENDED = "ended"
    EXHAUSTED = "exhausted"
    UNDELIVERABLE = "undeliverable"
    CANCELLED = "cancelled"


def claim_timeout() -> timedelta:
    """Return how old a claim without a confirmed send must be before the step is resent.

    ``ONCALL_CLAIM_TIMEOUT_SECONDS`` overrides the 45 s default; keep it longer than the
    step task's hard time limit, or a slow but live sender could be overtaken.
    """
    seconds = getattr(settings, "ONCALL_CLAIM_TIMEOUT_SECONDS", None)
    return timedelta(seconds=seconds) if seconds else DEFAULT_CLAIM_TIMEOUT


@dataclass(frozen=True)
class _Claim:
    page_id: int
    token: uuid.UUID
    attempt: int
    request: PageRequest
    resent_unknown: bool
    channels: tuple[str, ...]


@dataclass(frozen=True)
class ChannelFailure:
    """One channel that did not take a page: its error, and whether it refused the address."""

    channel: str
    error: str
    permanent: bool


def _page_request(
    *, escalation: Escalation, page: Page, step: dict, contact: Contact
) -> PageRequest:
    steps = escalation.steps
    next_step = steps[page.step_index + 1] if page.step_index + 1 < len(steps) else None
    return PageRequest(
        page_id=page.pk,
        escalation_id=escalation.pk,
        recipient=page.recipient,
        issue=escalation.issue,
        agreement=escalation.issue.agreement,
        step=step,
        next_step=next_step,
        issue_url=issue_url_for(user=page.recipient, issue=escalation.issue),
        acknowledge_url=acknowledge_url(page=page),
        attempt=page.attempts,
        phone=contact.phone,
        webhook_url=contact.webhook_url,
    )


def step_recipient(*, step: dict, escalation: Escalation, now: datetime) -> User | None:
    """Return whom ``step`` of ``escalation`` pages at ``now``: decided when it is sent.

    The policy is the one frozen when the escalation started, but the rota answers anew:
    after a handoff the step goes to whoever is on call then.
    """
    target = step["target"]
    if target == StepTarget.LAYER:
        layer = step.get("layer") or {}
        shift = layer_on_call(layer_id=layer.get("id"), at=now) if layer.get("id") else None
        user_id = shift.user if shift else None
    elif target == StepTarget.USER:
        # Escalations started before recipients were decided per step name them so.
        user_id = step.get("user") or (step.get("recipient") or {}).get("id")
    elif target == StepTarget.TEAM_LEAD:
        team = getattr(escalation.issue.client, "team", None)
        user_id = team.lead_id if team is not None else None
    else:
        user_id = oncall_settings().duty_manager_id
    return User.objects.filter(pk=user_id).first() if user_id else None


def _give_up_without_sending(
    *, escalation: Escalation, page: Page, reason: str, now: datetime
) -> None:
    page.failed_at = now
    page.last_error = reason
    page.save(update_fields=["failed_at", "last_error"])
    step = escalation.steps[page.step_index]
    event_record(
        issue_id=escalation.issue_id,
        kind=EventKind.PAGE_FAILED,
        now=now,
        data={
            "escalation": escalation.pk,
            "step": page.step_index + 1,
            "label": step["label"],
            "recipient": str(page.recipient) if page.recipient else None,
            "error": reason,
            "gave_up": True,
        },
    )
    logger.error(
        "Escalation %s of %s: step %s skipped: %s",
        escalation.pk,
        escalation.issue.reference,
        page.step_index + 1,
        reason,
    )
    # The person was never told, so waiting for them would only lose time.
    escalation_move_on(escalation=escalation, due_at=now, now=now)


def _claim(*, escalation_id: int, token: str | None, now: datetime) -> _Claim | Outcome:
    """Run the claim transaction of a step: return the claim to send, or why there is none."""
    with transaction.atomic():
        escalation = escalation_lock(escalation_id)
        if escalation is None or escalation.state != EscalationState.ACTIVE:
            return Outcome.ENDED
        if token is not None and str(escalation.token) != str(token):
            return Outcome.STALE
        if escalation.due_at > now:
            return Outcome.NOT_DUE
        issue = escalation.issue
        # Time may have ended the reason to page since the last change (the office opened).
        stop, _terms = paging_stop_for(issue=issue, now=now, row=oncall_settings())
        if stop is not None:
            escalation_end(
                escalation=escalation,
                state=EscalationState.CANCELLED,
                now=now,
                end_reason=stop.value,
            )
            event_record(
                issue_id=issue.pk,
                kind=EventKind.ESCALATION_CANCELLED,
                now=now,
                data={"escalation": escalation.pk, "reason": stop.value},
            )
            return Outcome.CANCELLED
        step = escalation.current_step
        if step is None:
            return _exhaust(escalation=escalation, now=now)
        recipient = step_recipient(step=step, escalation=escalation, now=now)
        page, created = Page.objects.select_related("recipient").get_or_create(
            escalation=escalation,
            step_index=escalation.step_index,
            defaults={"recipient": recipient},
        )
        if (
            not created
            and page.claimed_at is None
            and page.recipient_id != getattr(recipient, "pk", None)
        ):
            # A retry after a failed attempt goes to whoever the step names now.
            page.recipient = recipient
            page.save(update_fields=["recipient"])
        if page.sent_at is not None or page.failed_at is not None:
            # The confirm transaction moves the escalation on with the page, so this
            # only happens when a row was edited by hand; moving on repairs it.
            escalation_move_on(escalation=escalation, due_at=now, now=now)
            return Outcome.STALE
        resent_unknown = False
        if page.claimed_at is not None:
            if not policy.claim_is_stale(
                claimed_at=page.claimed_at, now=now, timeout=claim_timeout()
            ):
                return Outcome.BUSY
            resent_unknown = True
            logger.warning(
                "Escalation %s of %s: step %s was claimed at %s and never confirmed; "
                "its sender died, sending it again",
                escalation.pk,
                issue.reference,
                page.step_index + 1,
                page.claimed_at.isoformat(),
            )
        recipient = page.recipient
        if recipient is None:
            _give_up_without_sending(
                escalation=escalation,
                page=page,
                reason=_("nobody to notify for “%(label)s”") % {"label": step["label"]},
                now=now,
            )
            return Outcome.GIVEN_UP
        contact = paging_contact(user=recipient)
        if not recipient.is_active or not contact.channels:
            _give_up_without_sending(
                escalation=escalation,
                page=page,
                reason=_("%(name)s has no active account with a channel to be paged by")
                % {"name": recipient},
                now=now,
            )
            return Outcome.GIVEN_UP
        page.claimed_at = now
        page.claim_token = uuid.uuid4()
        page.attempts += 1
        page.save(update_fields=["claimed_at", "claim_token", "attempts"])
        claim = _Claim(
            page_id=page.pk,
            token=page.claim_token,
            attempt=page.attempts,
            request=_page_request(escalation=escalation, page=page, step=step, contact=contact),
            resent_unknown=resent_unknown,
            channels=contact.channels,
        )
    return claim


def _confirm(
    *,
    escalation_id: int,
    claim: _Claim,
    message_id: str,
    now: datetime,
    channel: str = "email",
    failures: tuple[ChannelFailure, ...] = (),
) -> Outcome:
    with transaction.atomic():
        escalation = escalation_lock(escalation_id)
        if escalation is None:
            return Outcome.ENDED
        marked = Page.objects.filter(
            pk=claim.page_id, claim_token=claim.token, sent_at__isnull=True, failed_at__isnull=True
        ).update(sent_at=now, message_id=message_id, last_error="", channel=channel)
        if not marked:
            logger.warning("Page %s was claimed by another sender meanwhile", claim.page_id)
            return Outcome.STALE
        step = claim.request.step
        event_record(
            issue_id=escalation.issue_id,
            kind=EventKind.PAGE_SENT,
            now=now,
            data={
                "escalation": escalation.pk,
                "step": step["index"] + 1,
                "round": step["round"],
                "label": step["label"],
                "recipient": str(claim.request.recipient),
                "attempt": claim.attempt,
                "message_id": message_id,
                "channel": channel,
                "failed_channels": {f.channel: f.error for f in failures},
                "resent_after_crash": claim.resent_unknown,
            },
        )
        page_step_index = step["index"]
        if escalation.state == EscalationState.ACTIVE and escalation.step_index == page_step_index:
            escalation_move_on(
                escalation=escalation,
                due_at=now + timedelta(minutes=step["wait_minutes"]),
                now=now,
            )
    return Outcome.SENT


def _fail(
    *, escalation_id: int, claim: _Claim, failures: tuple[ChannelFailure, ...], now: datetime
) -> Outcome:
    error = "; ".join(f"{f.channel}: {f.error}" for f in failures)[:500]
    # Only a refusal of the person's address on every channel ends the tries on them; an
    # outage of a channel is not a missed acknowledgement.
    refused_everywhere = all(f.permanent for f in failures)
    with transaction.atomic():
        escalation = escalation_lock(escalation_id)
        if escalation is None:
            return Outcome.ENDED
        page = Page.objects.filter(
            pk=claim.page_id, claim_token=claim.token, sent_at__isnull=True
        ).first()
        if page is None:
            return Outcome.STALE
        max_attempts = escalation.snapshot.get("page_attempts") or 1
        out_of_attempts = page.attempts >= max_attempts
        gave_up = refused_everywhere and out_of_attempts
        page.claimed_at = None
        page.claim_token = None
        page.last_error = error
        page.channel = failures[0].channel
        fields = ["claimed_at", "claim_token", "last_error", "channel"]
        if gave_up:
            page.failed_at = now
            fields.append("failed_at")
        page.save(update_fields=fields)
        step = claim.request.step
        retry_at = None if gave_up else now + policy.retry_delay(page.attempts)
        event_record(
            issue_id=escalation.issue_id,
            kind=EventKind.PAGE_FAILED,
            now=now,
            data={
                "escalation": escalation.pk,
                "step": step["index"] + 1,
                "label": step["label"],
                "recipient": str(claim.request.recipient),
                "attempt": page.attempts,
                "error": error,
                "channels": {f.channel: f.error for f in failures},
                "gave_up": gave_up,
                "retry_at": retry_at.isoformat() if retry_at else None,
            },
        )
        active_here = (
            escalation.state == EscalationState.ACTIVE and escalation.step_index == page.step_index
        )
        if gave_up:
            logger.error(
                "Escalation %s of %s: gave up step %s after %s attempts: %s",
                escalation.pk,
                escalation.issue.reference,
                page.step_index + 1,
                page.attempts,
                error,
            )
            if active_here:
                escalation_move_on(escalation=escalation, due_at=now, now=now)
            return Outcome.GIVEN_UP
        logger.warning(
            "Escalation %s of %s: step %s attempt %s failed, retrying at %s: %s",
            escalation.pk,
            escalation.issue.reference,
            page.step_index + 1,
            page.attempts,
            retry_at.isoformat(),
            error,
        )
        if active_here:
            fields = ["due_at", "token"]
            if out_of_attempts and escalation.undeliverable_since is None:
                escalation.undeliverable_since = now
                fields.append("undeliverable_since")
                event_record(
                    issue_id=escalation.issue_id,
                    kind=EventKind.ESCALATION_UNDELIVERABLE,
                    now=now,
                    data={
                        "escalation": escalation.pk,
                        "reason": "channels_failing",
                        "step": step["index"] + 1,
                        "recipient": str(claim.request.recipient),
                        "attempts": page.attempts,
                        "error": error,
                    },
                )
            escalation.due_at = retry_at
            escalation.token = uuid.uuid4()
            escalation.save(update_fields=fields)
            moves.step_schedule(
                escalation_id=escalation.pk, token=escalation.token, due_at=retry_at, now=now
            )
    return Outcome.RETRY_LATER


def _exhaust(*, escalation: Escalation, now: datetime) -> Outcome:
    issue = escalation.issue
    sent = escalation.pages.filter(sent_at__isnull=False).count()
    if not sent:
        # Nobody was told, so nobody can have failed to answer: say so, not "unacknowledged".
        escalation_end(
            escalation=escalation,
            state=EscalationState.UNDELIVERABLE,
            now=now,
            end_reason="undeliverable",
        )
        event_record(
            issue_id=issue.pk,
            kind=EventKind.ESCALATION_UNDELIVERABLE,
            now=now,
            data={"escalation": escalation.pk, "reason": "undeliverable", "pages_sent": 0},
        )
        admins_alert(
            subject=f"No page delivered for urgent issue {issue.reference}",
            message=(
                f"The escalation of {issue.reference} ({issue.client}) ran through every step "
                f"of policy {escalation.snapshot['policy']['name']!r} and no page reached "
                "anyone: every step named nobody, or refused addresses. Check the rota and "
                "the engineers' paging profiles, and acknowledge the issue in the admin."
            ),
        )
        return Outcome.UNDELIVERABLE
    escalation_end(escalation=escalation, state=EscalationState.EXHAUSTED, now=now)
    event_record(
        issue_id=issue.pk,
        kind=EventKind.ESCALATION_EXHAUSTED,
        now=now,
        data={"escalation": escalation.pk, "reason": "unacknowledged", "pages_sent": sent},
    )
    admins_alert(
        subject=f"Nobody acknowledged urgent issue {issue.reference}",
        message=(
            f"The escalation of {issue.reference} ({issue.client}) ran through every step "
            f"of policy {escalation.snapshot['policy']['name']!r}; {sent} pages were sent "
            "and nobody acknowledged."
        ),
    )
    return Outcome.EXHAUSTED


def escalation_step_run(
    *, escalation_id: int, token: str | None = None, now: datetime | None = None
) -> Outcome:
    """Run the step of an escalation that is due: claim it, send its page, confirm or fail.

    ``token``, when given, must be the escalation's current token, or nothing happens:
    the task was queued for an earlier move. ``now`` fixes the time of every phase (for
    tests); without it each phase reads the clock. Safe to call any number of times and
    concurrently: see the module docstring. The page goes through the recipient's channels
    in order until one accepts it. When none does it is retried after
    ``policy.retry_delay``, for as long as the escalation lasts; after the settings' number
    of attempts the escalation is marked undeliverable (until a page goes out), or, when
    every channel refused the address, the step is given up and the next one is due at once.
    """
    fixed = now
    now = fixed or timezone.now()
    claim = _claim(escalation_id=escalation_id, token=token, now=now)
    if isinstance(claim, Outcome):
        return claim
    failures: list[ChannelFailure] = []
    for name in claim.channels:
        try:
            message_id = channel_for(name).send(claim.request)
        except Exception as exc:  # noqa: BLE001 - any send failure is recorded and retried
            failure = ChannelFailure(
                channel=name,
                error=f"{type(exc).__name__}: {exc}",
                permanent=failure_is_permanent(exc),
            )
            failures.append(failure)
            if not failure.permanent:
                channel_health_note(channel=name, error=failure.error, now=fixed or timezone.now())
            continue
        at = fixed or timezone.now()
        channel_health_note(channel=name, error=None, now=at)
        return _confirm(
            escalation_id=escalation_id,
            claim=claim,
            message_id=message_id,
            now=at,
            channel=name,
            failures=tuple(failures),
        )
    return _fail(
        escalation_id=escalation_id,
        claim=claim,
        failures=tuple(failures),
        now=fixed or timezone.now(),
    )


def escalation_sweep(*, now: datetime, limit: int = SWEEP_LIMIT) -> int:
    """Queue the step task of every escalation whose next move is due by ``now``.

    This is what makes paging survive a lost broker message, a Redis restart or a worker
    that was down when the issue was filed: the due state lives in the database. A task
    queued twice does nothing the second time. Return how many were queued.
    """
    due = list(escalations_due(now=now, limit=limit))
    for escalation_id, token in due:
        step_task_queue(escalation_id=escalation_id, token=str(token))
    return len(due)


def escalation_watchdog(*, now: datetime) -> int:
    """Report escalations whose current step is overdue or undeliverable at ``now``.

    Each is logged as an error on every run while it stays so, and told to the
    administrators once per step: by email, or through the other channels while email is
    failing (``ops_alert_send``). Return how many there are.
    """
    overdue = list(escalations_overdue(now=now))
    for escalation in overdue:
        late = int((now - escalation.step_due_at).total_seconds())
        reference = escalation.issue.reference
        if escalation.undeliverable_since is not None:
            logger.error(
                "Escalation %s of %s: no channel takes the page of step %s, tried for %s s",
                escalation.pk,
                reference,
                escalation.step_index + 1,
                late,
            )
            page = escalation.pages.filter(step_index=escalation.step_index).first()
            subject = f"Page undeliverable for urgent issue {reference}"
            message = (
                f"Step {escalation.step_index + 1} of the escalation of {reference} "
                f"({escalation.issue.client}) fell due {late} s ago and no channel took its "
                f"page to {page.recipient if page else 'anyone'}. It is tried again every "
                f"minute. Last error: {page.last_error if page else '-'}"
            )
        else:
            logger.error(
                "Escalation %s of %s: step %s is %s s overdue",
                escalation.pk,
                reference,
                escalation.step_index + 1,
                late,
            )
            subject = f"Page overdue for urgent issue {reference}"
            message = (
                f"Step {escalation.step_index + 1} of the escalation of {reference} "
                f"({escalation.issue.client}) fell due {late} s ago and was neither sent nor "
                "given up. Check that the Celery worker and beat run and that email can be sent."
            )
        with transaction.atomic():
            claimed = Escalation.objects.filter(
                pk=escalation.pk,
                state=EscalationState.ACTIVE,
                step_index=escalation.step_index,
                overdue_reported_at__isnull=True,
            ).update(overdue_reported_at=now)
            if claimed:
                after_commit(ops_alert_send, subject, message)
    return len(overdue)
