"""The paging rule applied: start an escalation when an issue must be paged, end it when not."""

from datetime import datetime

from django.db import transaction
from django.db.models import F, Q

from oncall import policy
from oncall.models import (
    Escalation,
    EscalationPolicy,
    EscalationState,
    OncallSettings,
    current_escalation_q,
)
from oncall.selectors import escalation_current, office_is_open, oncall_settings
from oncall.services import moves
from oncall.services.moves import admins_alert, escalation_end, event_record
from sla.models import PriorityTarget
from sla.selectors import Terms, issue_terms
from tickets.choices import OPEN_STATUSES
from tickets.models import EventKind, Issue


def paging_stop_for(
    *,
    issue: Issue,
    now: datetime,
    row: OncallSettings | None = None,
    terms: Terms | None = None,
) -> tuple[policy.PagingStop | None, dict]:
    """Return why ``issue`` must not be paged at ``now`` (None: it must), and the terms used.

    Asks only what the rule still needs: a P3 costs no look at the office hours. ``terms``
    are the issue's ``issue_terms`` at ``now`` when the caller has them.
    """
    done_status = None if issue.is_open else issue.status
    round_the_clock = taken = office_open = False
    described: dict = {}
    if done_status is None:
        terms = terms or issue_terms(issue=issue, at=now)
        round_the_clock = terms is not None and terms.is_round_the_clock
        if terms is not None:
            described = {"agreement": {"id": terms.agreement.pk, "name": terms.agreement.name}}
        if round_the_clock:
            taken = issue.is_taken or _acknowledged_since_opened(issue=issue)
            if not taken:
                row = row if row is not None else oncall_settings()
                office_open = office_is_open(at=now, row=row)
    stop = policy.paging_stop(
        done_status=done_status,
        round_the_clock=round_the_clock,
        taken=taken,
        office_open=office_open,
    )
    return stop, described


def _acknowledged_since_opened(*, issue: Issue) -> bool:
    # Someone who acknowledged but could not be assigned has still taken the issue.
    return Escalation.objects.filter(
        issue_id=issue.pk, state=EscalationState.ACKNOWLEDGED, ended_at__gte=issue.opened_at
    ).exists()


def escalation_reconcile(
    *,
    issue: Issue,
    now: datetime,
    row: OncallSettings | None = None,
    terms: Terms | None = None,
    fresh: bool = False,
) -> Escalation | None:
    """Start or end the paging of ``issue`` at ``now`` so that it follows the paging rule.

    The rule is ``oncall.policy.paging_stop``. Call with the issue row locked, as every
    issue change and the reconcile sweep do. An escalation that is no longer wanted ends
    with the reason on the timeline; one that ran out unacknowledged is released. Return
    the issue's current escalation afterwards, if any. ``fresh`` says the issue was just
    filed and so has no escalation yet.
    """
    stop, described = paging_stop_for(issue=issue, now=now, row=row, terms=terms)
    if fresh and stop is not None:
        return None
    current = None if fresh else escalation_current(issue_id=issue.pk, lock=True)
    if stop is None:
        if current is not None:
            return current
        return escalation_start(issue=issue, now=now, row=row, terms=described)
    if current is None:
        return None
    if current.state == EscalationState.ACTIVE:
        escalation_end(
            escalation=current, state=EscalationState.CANCELLED, now=now, end_reason=stop.value
        )
        event_record(
            issue_id=issue.pk,
            kind=EventKind.ESCALATION_CANCELLED,
            now=now,
            data={"escalation": current.pk, "reason": stop.value},
        )
    else:
        current.released_at = now
        current.save(update_fields=["released_at"])
    return None


def escalation_reconcile_sweep(*, now: datetime) -> int:
    """Apply the paging rule at ``now`` to every issue whose answer may have changed with time.

    Events keep paging right as issues change; time changes it too. When the office
    opens, running escalations end; when it closes, urgent issues nobody took are paged.
    Looks at the issues with a current escalation and, while the office is closed, at the
    open issues of a priority some agreement covers round the clock that nobody took.
    Return how many escalations started or ended.
    """
    row = oncall_settings()
    issue_ids = set(
        Escalation.objects.filter(current_escalation_q()).values_list("issue_id", flat=True)
    )
    if not office_is_open(at=now, row=row):
        urgent = set(
            PriorityTarget.objects.filter(is_round_the_clock=True).values_list(
                "priority", flat=True
            )
        )
        untaken = (
            Q(assignee__isnull=True)
            | Q(assigned_at__isnull=True)
            | Q(assigned_at__lt=F("opened_at"))
        )
        issue_ids |= set(
            Issue.objects.filter(status__in=OPEN_STATUSES, priority__in=urgent)
            .filter(untaken)
            .values_list("pk", flat=True)
        )
    changed = 0
    for issue_id in sorted(issue_ids):
        with transaction.atomic():
            issue = Issue.objects.select_for_update().filter(pk=issue_id).first()
            if issue is None:
                continue
            before = escalation_current(issue_id=issue_id)
            after = escalation_reconcile(issue=issue, now=now, row=row)
            if (before and before.pk) != (after and after.pk):
                changed += 1
    return changed


def _snapshot(*, policy_row: EscalationPolicy, row: OncallSettings, now: datetime) -> dict:
    specs, whom = [], {}
    for step in policy_row.steps.select_related("layer", "user").order_by("position", "pk"):
        specs.append(
            policy.StepSpec(
                position=step.position,
                target=step.target,
                label=step.label,
                wait_minutes=step.wait_minutes,
            )
        )
        whom[step.position] = {
            "layer": (
                {"id": step.layer_id, "name": step.layer.name, "level": step.layer.level}
                if step.layer_id
                else None
            ),
            "user": step.user_id,
        }
    steps = [
        {
            "index": planned.index,
            "round": planned.round,
            "position": planned.position,
            "target": planned.target,
            "label": planned.label,
            "wait_minutes": planned.wait_minutes,
            **whom[planned.position],
        }
        for planned in policy.plan(specs, repeat=policy_row.repeat)
    ]
    return {
        "taken_at": now.isoformat(),
        "policy": {"id": policy_row.pk, "name": policy_row.name, "repeat": policy_row.repeat},
        "office_forced_closed": row.office_closed,
        "page_attempts": row.page_attempts,
        "steps": steps,
    }


def escalation_start(
    *, issue: Issue, now: datetime, row: OncallSettings | None = None, terms: dict | None = None
) -> Escalation:
    """Start the escalation of ``issue`` at ``now`` with a snapshot of the policy.

    The first step is due at once. Without a policy nobody can be paged: the escalation
    is recorded as run out at once, logged as an error and mailed to the administrators.
    """
    row = row if row is not None else oncall_settings()
    terms = terms or {}
    with transaction.atomic():
        if row.policy is None:
            escalation = Escalation.objects.create(
                issue=issue,
                state=EscalationState.EXHAUSTED,
                snapshot={"taken_at": now.isoformat(), "policy": None, "steps": [], **terms},
                started_at=now,
                ended_at=now,
                end_reason="no_policy",
            )
            event_record(
                issue_id=issue.pk,
                kind=EventKind.ESCALATION_EXHAUSTED,
                now=now,
                data={"escalation": escalation.pk, "reason": "no_policy"},
            )
            admins_alert(
                subject=f"No escalation policy: {issue.reference} was not paged",
                message=(
                    f"Issue {issue.reference} needs the on-call engineer, but no escalation "
                    "policy is chosen in the on-call settings. Nobody was paged."
                ),
            )
            return escalation
        snapshot = {**_snapshot(policy_row=row.policy, row=row, now=now), **terms}
        escalation = Escalation.objects.create(
            issue=issue,
            policy=row.policy,
            snapshot=snapshot,
            step_index=0,
            step_due_at=now,
            due_at=now,
            started_at=now,
        )
        event_record(
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
                        "wait_minutes": step["wait_minutes"],
                    }
                    for step in snapshot["steps"]
                ],
            },
        )
        moves.step_schedule(
            escalation_id=escalation.pk, token=escalation.token, due_at=now, now=now
        )
    return escalation
