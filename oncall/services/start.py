"""Start an escalation for an urgent issue filed or raised while the office is closed."""

from datetime import datetime

from django.db import transaction

from accounts.models import User
from oncall import policy
from oncall.models import Escalation, EscalationPolicy, EscalationState, OncallSettings, StepTarget
from oncall.selectors import layer_on_call, office_is_open, oncall_settings
from oncall.services import moves
from oncall.services.moves import admins_alert, event_record
from sla.selectors import target_for
from tickets.models import EventKind, Issue


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
            event_record(
                issue_id=issue.pk,
                kind=EventKind.ESCALATION_EXHAUSTED,
                now=now,
                data={"reason": "no_policy"},
            )
            admins_alert(
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
                        "recipient": (step["recipient"] or {}).get("name"),
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
