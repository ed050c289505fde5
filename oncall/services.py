"""Escalations: start one for an urgent out-of-hours issue, run its steps, acknowledge it.

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
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import partial

from django.conf import settings
from django.core import signing
from django.core.mail import mail_admins
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from oncall import policy
from oncall.channels import PageRequest, channel_for
from oncall.models import (
    Escalation,
    EscalationPolicy,
    EscalationState,
    OncallSettings,
    Page,
    StepTarget,
)
from oncall.selectors import (
    escalations_due,
    escalations_overdue,
    layer_on_call,
    office_is_open,
    oncall_settings,
)
from paqt_support.exceptions import ApplicationError
from sla.selectors import target_for
from tickets.models import Channel, EventKind, Issue, IssueEvent

logger = logging.getLogger(__name__)

# A step due within this long is handed to a worker with a countdown as well; later ones
# are left to the sweep, so that no promise waits in the broker (Redis redelivers long
# countdowns after its visibility timeout, and loses them when it restarts).
SCHEDULE_AHEAD = timedelta(seconds=30)
# Longer than the step task's hard time limit (``oncall.tasks.STEP_TIME_LIMIT``).
DEFAULT_CLAIM_TIMEOUT = timedelta(seconds=45)
ACK_SALT = "oncall.acknowledge"
DEFAULT_ACK_MAX_AGE = timedelta(hours=24)
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
    CANCELLED = "cancelled"


class AcknowledgeLinkError(ApplicationError):
    """The acknowledge link is malformed, tampered with or for a page that does not exist."""

    code = "acknowledge-link-invalid"
    status = 400


class AcknowledgeLinkExpiredError(AcknowledgeLinkError):
    code = "acknowledge-link-expired"
    status = 410


class EscalationEndedError(ApplicationError):
    """The escalation was acknowledged or stopped already; ``escalation`` says by whom."""

    code = "escalation-ended"
    status = 409

    def __init__(self, escalation: Escalation):
        if escalation.state == EscalationState.ACKNOWLEDGED:
            message = _("%(name)s acknowledged this escalation already.") % {
                "name": escalation.acknowledged_by or _("Someone")
            }
        else:
            message = _("This escalation has ended: %(state)s.") % {
                "state": escalation.get_state_display().lower()
            }
        super().__init__(message)
        self.escalation = escalation


def claim_timeout() -> timedelta:
    """Return how old a claim without a confirmed send must be before the step is resent.

    ``ONCALL_CLAIM_TIMEOUT_SECONDS`` overrides the 45 s default; keep it longer than the
    step task's hard time limit, or a slow but live sender could be overtaken.
    """
    seconds = getattr(settings, "ONCALL_CLAIM_TIMEOUT_SECONDS", None)
    return timedelta(seconds=seconds) if seconds else DEFAULT_CLAIM_TIMEOUT


def _ack_max_age() -> timedelta:
    hours = getattr(settings, "ONCALL_ACK_LINK_HOURS", None)
    return timedelta(hours=hours) if hours else DEFAULT_ACK_MAX_AGE


def _event(
    *, issue_id: int, kind: str, now: datetime, data: dict, actor=None, channel=Channel.SYSTEM
) -> IssueEvent:
    # Paging is the team's business; clients see the assignment that follows, not this.
    return IssueEvent.objects.create(
        issue_id=issue_id,
        kind=kind,
        actor=actor,
        data=data,
        is_internal=True,
        channel=channel,
        created_at=now,
    )


def _schedule(*, escalation_id: int, token: uuid.UUID, due_at: datetime, now: datetime) -> None:
    """Queue the step task on commit when the step is due soon; the sweep backs it up."""
    delay = (due_at - now).total_seconds()
    if delay > SCHEDULE_AHEAD.total_seconds():
        return

    def send() -> None:
        from oncall.tasks import escalation_step_task

        escalation_step_task.apply_async(
            (escalation_id, str(token)), countdown=max(0.0, delay), expires=delay + 60
        )

    # robust: a broker that is down must not fail the caller (an issue being filed);
    # the sweep finds the due step in the database.
    transaction.on_commit(send, robust=True)


def _user_json(user: User | None) -> dict | None:
    if user is None:
        return None
    return {"id": user.pk, "name": str(user), "username": user.username}


def _resolve(*, step, issue: Issue, row: OncallSettings, now: datetime) -> tuple[User | None, dict]:
    """Return the person a policy step names at ``now`` and what the snapshot records of it."""
    if step.target == StepTarget.LAYER:
        shift = layer_on_call(layer_id=step.layer_id, at=now)
        user = User.objects.filter(pk=shift.user).first() if shift and shift.user else None
        extra = {
            "layer": {"id": step.layer_id, "name": step.layer.name, "level": step.layer.level},
            "shift_ends_at": shift.ends_at.isoformat() if shift else None,
            "is_override": bool(shift and shift.is_override),
        }
        return user, extra
    if step.target == StepTarget.USER:
        return step.user, {}
    if step.target == StepTarget.TEAM_LEAD:
        team = getattr(issue.client, "team", None)
        return (team.lead if team is not None else None), {}
    return row.duty_manager, {}


def _snapshot(
    *, policy_row: EscalationPolicy, issue: Issue, row: OncallSettings, now: datetime
) -> dict:
    specs, details = [], {}
    for step in policy_row.steps.select_related("layer", "user").order_by("position", "pk"):
        user, extra = _resolve(step=step, issue=issue, row=row, now=now)
        specs.append(
            policy.StepSpec(
                position=step.position,
                target=step.target,
                label=step.label,
                wait_minutes=step.wait_minutes,
                recipient=user.pk if user else None,
            )
        )
        details[step.position] = {"recipient": _user_json(user), **extra}
    steps = [
        {
            "index": planned.index,
            "round": planned.round,
            "position": planned.position,
            "target": planned.target,
            "label": planned.label,
            "wait_minutes": planned.wait_minutes,
            **details[planned.position],
        }
        for planned in policy.plan(specs, repeat=policy_row.repeat)
    ]
    return {
        "taken_at": now.isoformat(),
        "policy": {"id": policy_row.pk, "name": policy_row.name, "repeat": policy_row.repeat},
        "duty_manager": _user_json(row.duty_manager),
        "office_forced_closed": row.office_closed,
        "page_attempts": row.page_attempts,
        "steps": steps,
    }


def escalation_trigger(*, issue: Issue, now: datetime) -> Escalation | None:
    """Start paging for ``issue`` if its priority is covered 24/7 and the office is closed.

    Call inside the transaction that files the issue or raises its priority, after the
    issue row holds its new priority. Return the escalation started, or None when the
    priority is not round the clock, the office is open at ``now``, or the issue is paging
    already.
    """
    if issue.agreement_id is None or not issue.is_open:
        return None
    target = target_for(agreement=issue.agreement, priority=issue.priority)
    if target is None or not target.is_round_the_clock:
        return None
    row = oncall_settings()
    if office_is_open(at=now, row=row):
        return None
    if Escalation.objects.filter(issue_id=issue.pk, state=EscalationState.ACTIVE).exists():
        return None
    return escalation_start(issue=issue, now=now, row=row)


def escalation_start(
    *, issue: Issue, now: datetime, row: OncallSettings | None = None
) -> Escalation | None:
    """Start the escalation of ``issue`` at ``now`` with a snapshot of the policy and rota.

    The first step is due at once. Without a policy nobody can be paged: that is recorded
    on the issue, logged as an error and mailed to the administrators, and None returned.
    """
    row = row if row is not None else oncall_settings()
    with transaction.atomic():
        if row.policy is None:
            _event(
                issue_id=issue.pk,
                kind=EventKind.ESCALATION_EXHAUSTED,
                now=now,
                data={"reason": "no_policy"},
            )
            _alert_on_commit(
                subject=f"No escalation policy: {issue.reference} was not paged",
                message=(
                    f"Issue {issue.reference} needs the on-call engineer, but no escalation "
                    "policy is chosen in the on-call settings. Nobody was paged."
                ),
            )
            return None
        snapshot = _snapshot(policy_row=row.policy, issue=issue, row=row, now=now)
        escalation = Escalation.objects.create(
            issue=issue,
            policy=row.policy,
            snapshot=snapshot,
            step_index=0,
            step_due_at=now,
            due_at=now,
            started_at=now,
        )
        _event(
            issue_id=issue.pk,
            kind=EventKind.ESCALATION_STARTED,
            now=now,
            data={
                "escalation": escalation.pk,
                "policy": snapshot["policy"]["name"],
                "priority": issue.priority,
                "steps": [
                    {
                        "step": step["index"] + 1,
                        "label": step["label"],
                        "recipient": (step["recipient"] or {}).get("name"),
                        "wait_minutes": step["wait_minutes"],
                    }
                    for step in snapshot["steps"]
                ],
            },
        )
        _schedule(escalation_id=escalation.pk, token=escalation.token, due_at=now, now=now)
    return escalation


def _alert_on_commit(*, subject: str, message: str) -> None:
    logger.error("%s: %s", subject, message)
    transaction.on_commit(partial(mail_admins, subject, message, fail_silently=True), robust=True)


def _locked(escalation_id: int) -> Escalation | None:
    """Lock the issue row, then the escalation row: the order every writer of both uses."""
    issue_id = (
        Escalation.objects.filter(pk=escalation_id).values_list("issue_id", flat=True).first()
    )
    if issue_id is None:
        return None
    list(Issue.objects.select_for_update().filter(pk=issue_id).values_list("pk", flat=True))
    return (
        Escalation.objects.select_for_update(of=("self",))
        .select_related("issue", "issue__client", "issue__agreement")
        .filter(pk=escalation_id)
        .first()
    )


def _move_on(*, escalation: Escalation, due_at: datetime, now: datetime) -> None:
    """Point ``escalation`` at its next step, due at ``due_at``, and queue it if due soon."""
    escalation.step_index += 1
    escalation.step_due_at = due_at
    escalation.due_at = due_at
    escalation.token = uuid.uuid4()
    escalation.overdue_reported_at = None
    escalation.save(
        update_fields=["step_index", "step_due_at", "due_at", "token", "overdue_reported_at"]
    )
    _schedule(escalation_id=escalation.pk, token=escalation.token, due_at=due_at, now=now)


def _end(*, escalation: Escalation, state: str, now: datetime, **fields) -> None:
    escalation.state = state
    escalation.ended_at = now
    escalation.due_at = None
    escalation.step_due_at = None
    escalation.token = uuid.uuid4()
    for name, value in fields.items():
        setattr(escalation, name, value)
    escalation.save(update_fields=["state", "ended_at", "due_at", "step_due_at", "token", *fields])


@dataclass(frozen=True)
class _Claim:
    page_id: int
    token: uuid.UUID
    attempt: int
    request: PageRequest
    resent_unknown: bool


def _page_request(*, escalation: Escalation, page: Page, step: dict) -> PageRequest:
    from tickets.notifications import issue_url_for

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
    )


def _give_up_without_sending(
    *, escalation: Escalation, page: Page, reason: str, now: datetime
) -> None:
    page.failed_at = now
    page.last_error = reason
    page.save(update_fields=["failed_at", "last_error"])
    step = escalation.steps[page.step_index]
    _event(
        issue_id=escalation.issue_id,
        kind=EventKind.PAGE_FAILED,
        now=now,
        data={
            "escalation": escalation.pk,
            "step": page.step_index + 1,
            "label": step["label"],
            "recipient": (step["recipient"] or {}).get("name"),
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
    _move_on(escalation=escalation, due_at=now, now=now)


def _claim(
    *, escalation_id: int, token: str | None, now: datetime
) -> tuple[Outcome, _Claim | None]:
    """Run the claim transaction of a step; return the outcome, and the claim to send."""
    with transaction.atomic():
        escalation = _locked(escalation_id)
        if escalation is None or escalation.state != EscalationState.ACTIVE:
            return Outcome.ENDED, None
        if token is not None and str(escalation.token) != str(token):
            return Outcome.STALE, None
        if escalation.due_at > now:
            return Outcome.NOT_DUE, None
        issue = escalation.issue
        if not issue.is_open:
            _end(escalation=escalation, state=EscalationState.CANCELLED, now=now)
            _event(
                issue_id=issue.pk,
                kind=EventKind.ESCALATION_CANCELLED,
                now=now,
                data={"escalation": escalation.pk, "reason": "issue_" + issue.status},
            )
            return Outcome.CANCELLED, None
        step = escalation.current_step
        if step is None:
            _exhaust(escalation=escalation, now=now)
            return Outcome.EXHAUSTED, None
        recipient_id = (step["recipient"] or {}).get("id")
        page, _created = Page.objects.select_related("recipient").get_or_create(
            escalation=escalation,
            step_index=escalation.step_index,
            defaults={"recipient_id": recipient_id},
        )
        if page.sent_at is not None or page.failed_at is not None:
            # The confirm transaction moves the escalation on with the page, so this
            # only happens when a row was edited by hand; moving on repairs it.
            _move_on(escalation=escalation, due_at=now, now=now)
            return Outcome.STALE, None
        resent_unknown = False
        if page.claimed_at is not None:
            if not policy.claim_is_stale(
                claimed_at=page.claimed_at, now=now, timeout=claim_timeout()
            ):
                return Outcome.BUSY, None
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
            return Outcome.GIVEN_UP, None
        if not recipient.is_active or not recipient.email:
            _give_up_without_sending(
                escalation=escalation,
                page=page,
                reason=_("%(name)s has no active account with an email address")
                % {"name": recipient},
                now=now,
            )
            return Outcome.GIVEN_UP, None
        page.claimed_at = now
        page.claim_token = uuid.uuid4()
        page.attempts += 1
        page.save(update_fields=["claimed_at", "claim_token", "attempts"])
        claim = _Claim(
            page_id=page.pk,
            token=page.claim_token,
            attempt=page.attempts,
            request=_page_request(escalation=escalation, page=page, step=step),
            resent_unknown=resent_unknown,
        )
    return Outcome.SENT, claim


def _confirm(*, escalation_id: int, claim: _Claim, message_id: str, now: datetime) -> Outcome:
    with transaction.atomic():
        escalation = _locked(escalation_id)
        if escalation is None:
            return Outcome.ENDED
        marked = Page.objects.filter(
            pk=claim.page_id, claim_token=claim.token, sent_at__isnull=True, failed_at__isnull=True
        ).update(sent_at=now, message_id=message_id, last_error="")
        if not marked:
            logger.warning("Page %s was claimed by another sender meanwhile", claim.page_id)
            return Outcome.STALE
        step = claim.request.step
        _event(
            issue_id=escalation.issue_id,
            kind=EventKind.PAGE_SENT,
            now=now,
            data={
                "escalation": escalation.pk,
                "step": step["index"] + 1,
                "round": step["round"],
                "label": step["label"],
                "recipient": (step["recipient"] or {}).get("name"),
                "attempt": claim.attempt,
                "message_id": message_id,
                "resent_after_crash": claim.resent_unknown,
            },
        )
        page_step_index = step["index"]
        if escalation.state == EscalationState.ACTIVE and escalation.step_index == page_step_index:
            _move_on(
                escalation=escalation,
                due_at=now + timedelta(minutes=step["wait_minutes"]),
                now=now,
            )
    return Outcome.SENT


def _fail(*, escalation_id: int, claim: _Claim, error: str, now: datetime) -> Outcome:
    with transaction.atomic():
        escalation = _locked(escalation_id)
        if escalation is None:
            return Outcome.ENDED
        page = Page.objects.filter(
            pk=claim.page_id, claim_token=claim.token, sent_at__isnull=True
        ).first()
        if page is None:
            return Outcome.STALE
        max_attempts = escalation.snapshot.get("page_attempts") or 1
        gave_up = page.attempts >= max_attempts
        page.claimed_at = None
        page.claim_token = None
        page.last_error = error[:500]
        fields = ["claimed_at", "claim_token", "last_error"]
        if gave_up:
            page.failed_at = now
            fields.append("failed_at")
        page.save(update_fields=fields)
        step = claim.request.step
        retry_at = None if gave_up else now + policy.retry_delay(page.attempts)
        _event(
            issue_id=escalation.issue_id,
            kind=EventKind.PAGE_FAILED,
            now=now,
            data={
                "escalation": escalation.pk,
                "step": step["index"] + 1,
                "label": step["label"],
                "recipient": (step["recipient"] or {}).get("name"),
                "attempt": page.attempts,
                "error": error[:500],
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
                _move_on(escalation=escalation, due_at=now, now=now)
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
            escalation.due_at = retry_at
            escalation.token = uuid.uuid4()
            escalation.save(update_fields=["due_at", "token"])
            _schedule(escalation_id=escalation.pk, token=escalation.token, due_at=retry_at, now=now)
    return Outcome.RETRY_LATER


def _exhaust(*, escalation: Escalation, now: datetime) -> None:
    _end(escalation=escalation, state=EscalationState.EXHAUSTED, now=now)
    issue = escalation.issue
    sent = escalation.pages.filter(sent_at__isnull=False).count()
    _event(
        issue_id=issue.pk,
        kind=EventKind.ESCALATION_EXHAUSTED,
        now=now,
        data={"escalation": escalation.pk, "reason": "unacknowledged", "pages_sent": sent},
    )
    _alert_on_commit(
        subject=f"Nobody acknowledged urgent issue {issue.reference}",
        message=(
            f"The escalation of {issue.reference} ({issue.client}) ran through every step "
            f"of policy {escalation.snapshot['policy']['name']!r}; {sent} pages were sent "
            "and nobody acknowledged."
        ),
    )


def escalation_step_run(
    *, escalation_id: int, token: str | None = None, now: datetime | None = None
) -> Outcome:
    """Run the step of an escalation that is due: claim it, send its page, confirm or fail.

    ``token``, when given, must be the escalation's current token, or nothing happens:
    the task was queued for an earlier move. ``now`` fixes the time of every phase (for
    tests); without it each phase reads the clock. Safe to call any number of times and
    concurrently: see the module docstring. A send that raises is retried after
    ``policy.retry_delay``; after the settings' number of attempts the step is given up,
    recorded, and the next step is due at once.
    """
    fixed = now
    now = fixed or timezone.now()
    outcome, claim = _claim(escalation_id=escalation_id, token=token, now=now)
    if claim is None:
        return outcome
    request = claim.request
    try:
        message_id = channel_for("email").send(request)
    except Exception as exc:
        return _fail(
            escalation_id=escalation_id,
            claim=claim,
            error=f"{type(exc).__name__}: {exc}",
            now=fixed or timezone.now(),
        )
    return _confirm(
        escalation_id=escalation_id,
        claim=claim,
        message_id=message_id,
        now=fixed or timezone.now(),
    )


def acknowledge_url(*, page: Page) -> str:
    """Return the signed link by which the recipient of ``page`` acknowledges it."""
    token = signing.dumps({"page": page.pk, "user": page.recipient_id}, salt=ACK_SALT)
    return f"{settings.SITE_URL}{reverse('oncall:acknowledge', args=[token])}"


def page_for_acknowledge_token(*, token: str) -> Page:
    """Return the page a signed acknowledge token names, with its escalation and issue.

    Raise ``AcknowledgeLinkExpiredError`` after the link's lifetime (24 hours by default,
    ``ONCALL_ACK_LINK_HOURS``) and ``AcknowledgeLinkError`` when it was tampered with.
    """
    try:
        data = signing.loads(token, salt=ACK_SALT, max_age=_ack_max_age())
    except signing.SignatureExpired:
        raise AcknowledgeLinkExpiredError(
            _("This acknowledge link has expired. Log in and acknowledge in the admin.")
        ) from None
    except signing.BadSignature:
        raise AcknowledgeLinkError(_("This acknowledge link is not valid.")) from None
    page = (
        Page.objects.select_related(
            "recipient", "escalation", "escalation__issue", "escalation__issue__client"
        )
        .filter(pk=data.get("page"), recipient_id=data.get("user"))
        .first()
    )
    if page is None or page.recipient is None or not page.recipient.is_active:
        raise AcknowledgeLinkError(_("This acknowledge link is not valid."))
    return page


def escalation_acknowledge(
    *, escalation: Escalation, user: User, channel: str, now: datetime | None = None
) -> Escalation:
    """Stop ``escalation`` because ``user`` takes the issue, and assign the issue to them.

    An escalation that ran out unacknowledged can still be acknowledged, so that the issue
    gets its owner. The assignment uses ``tickets.services.issue_assign``, which accepts a
    member of the client's team or an engineer who was paged for the issue; anyone else
    acknowledges without becoming the assignee, and the timeline says so. Raise
    ``EscalationEndedError`` when it was acknowledged or stopped already.
    """
    from tickets.services import issue_assign

    now = now or timezone.now()
    if not user.is_staff or not user.is_active:
        raise ApplicationError(_("Only active staff can acknowledge an escalation."))
    with transaction.atomic():
        locked = _locked(escalation.pk)
        if locked is None or locked.state not in (
            EscalationState.ACTIVE,
            EscalationState.EXHAUSTED,
        ):
            raise EscalationEndedError(locked or escalation)
        ended_before = locked.state == EscalationState.EXHAUSTED
        _end(
            escalation=locked,
            state=EscalationState.ACKNOWLEDGED,
            now=now,
            acknowledged_by=user,
        )
        assigned, reason = True, ""
        try:
            with transaction.atomic():
                issue_assign(
                    issue=locked.issue, actor=user, assignee=user, channel=channel, now=now
                )
        except ApplicationError as exc:
            assigned, reason = False, exc.message
        _event(
            issue_id=locked.issue_id,
            kind=EventKind.ESCALATION_ACKNOWLEDGED,
            actor=user,
            channel=channel,
            now=now,
            data={
                "escalation": locked.pk,
                "name": str(user),
                "after_exhausted": ended_before,
                "assigned": assigned,
                "not_assigned_because": reason,
            },
        )
    return locked


def escalation_sweep(*, now: datetime, limit: int = SWEEP_LIMIT) -> int:
    """Queue the step task of every escalation whose next move is due by ``now``.

    This is what makes paging survive a lost broker message, a Redis restart or a worker
    that was down when the issue was filed: the due state lives in the database. A task
    queued twice does nothing the second time. Return how many were queued.
    """
    from oncall.tasks import escalation_step_task

    due = list(escalations_due(now=now, limit=limit))
    for escalation_id, token in due:
        escalation_step_task.apply_async((escalation_id, str(token)), expires=60)
    return len(due)


def escalation_watchdog(*, now: datetime) -> int:
    """Report escalations whose current step is overdue at ``now``; return how many there are.

    Each is logged as an error on every run while it stays overdue, and mailed to the
    administrators once per step.
    """
    overdue = list(escalations_overdue(now=now))
    for escalation in overdue:
        late = int((now - escalation.step_due_at).total_seconds())
        logger.error(
            "Escalation %s of %s: step %s is %s s overdue",
            escalation.pk,
            escalation.issue.reference,
            escalation.step_index + 1,
            late,
        )
        with transaction.atomic():
            claimed = Escalation.objects.filter(
                pk=escalation.pk,
                state=EscalationState.ACTIVE,
                step_index=escalation.step_index,
                overdue_reported_at__isnull=True,
            ).update(overdue_reported_at=now)
            if claimed:
                transaction.on_commit(
                    partial(
                        mail_admins,
                        f"Page overdue for urgent issue {escalation.issue.reference}",
                        (
                            f"Step {escalation.step_index + 1} of the escalation of "
                            f"{escalation.issue.reference} ({escalation.issue.client}) fell due "
                            f"{late} s ago and was neither sent nor given up. Check that the "
                            "Celery worker and beat run and that email can be sent."
                        ),
                        fail_silently=True,
                    ),
                    robust=True,
                )
    return len(overdue)


def oncall_settings_save(*, row: OncallSettings) -> OncallSettings:
    """Save the on-call settings as the one row they live in."""
    row.pk = OncallSettings.SINGLETON_ID
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError as exc:
        raise ApplicationError(_("The on-call settings could not be saved.")) from exc
    return row
