"""One alert as the intake understands it, from an Alertmanager or Sentry payload.

No database and no clock: payloads in, alerts out. Only Django's translation is used,
for the words that end up in an issue.
"""

import hashlib
import json
from dataclasses import dataclass

from django.utils.translation import gettext as _

TITLE_MAX = 200
COMPONENT_MAX = 200

# Alertmanager's customary ``severity`` label, mapped to our priorities.
SEVERITY_PRIORITY = {
    "critical": "P1",
    "page": "P1",
    "error": "P2",
    "high": "P2",
    "major": "P2",
    "warning": "P3",
    "minor": "P3",
    "info": "P4",
    "low": "P4",
}
PRIORITIES = {"P1", "P2", "P3", "P4"}


@dataclass(frozen=True)
class Alert:
    """A firing or resolved alert; ``priority`` is what the payload asks for, if anything."""

    fingerprint: str
    is_firing: bool
    title: str
    description: str
    component: str = ""
    priority: str | None = None


def _clip(text: str, length: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= length else text[: length - 1] + "\u2026"


def _priority_from_labels(labels: dict) -> str | None:
    asked = str(labels.get("priority", "")).upper()
    if asked in PRIORITIES:
        return asked
    return SEVERITY_PRIORITY.get(str(labels.get("severity", "")).lower())


def _label_fingerprint(labels: dict) -> str:
    # Alertmanager sends a fingerprint since 0.19; older ones get one from the labels.
    return hashlib.sha256(json.dumps(labels, sort_keys=True).encode()).hexdigest()[:16]


def alerts_from_alertmanager(payload: dict) -> list[Alert]:
    """Return the alerts of a validated Alertmanager webhook (version 4) payload."""
    alerts = []
    common_annotations = payload.get("commonAnnotations") or {}
    for item in payload["alerts"]:
        labels = item.get("labels") or {}
        annotations = {**common_annotations, **(item.get("annotations") or {})}
        name = labels.get("alertname") or "alert"
        where = labels.get("instance") or labels.get("service") or labels.get("job") or ""
        title = annotations.get("summary") or annotations.get("title") or name
        if where and where not in title:
            title = f"{title} ({where})"
        lines = [annotations.get("description") or annotations.get("summary") or name, ""]
        lines += [f"- {key}: {value}" for key, value in sorted(labels.items())]
        if item.get("generatorURL"):
            lines += ["", item["generatorURL"]]
        if annotations.get("runbook_url"):
            lines += [annotations["runbook_url"]]
        component = labels.get("service") or labels.get("job") or labels.get("app") or ""
        alerts.append(
            Alert(
                fingerprint=str(item.get("fingerprint") or _label_fingerprint(labels)),
                is_firing=item["status"] == "firing",
                title=_clip(title, TITLE_MAX) or _clip(name, TITLE_MAX) or _("Alert"),
                description="\n".join(lines).strip() or title,
                component=_clip(component, COMPONENT_MAX),
                priority=_priority_from_labels(labels),
            )
        )
    return alerts


# Sentry's issue webhook actions: a new or regressed issue fires, a resolved one resolves.
SENTRY_FIRING_ACTIONS = {"created", "unresolved", "triggered"}
SENTRY_RESOLVED_ACTIONS = {"resolved"}


def sentry_alert(*, resource: str, action: str, data: dict) -> Alert | None:
    """Return the alert of a validated Sentry ``issue`` or ``event_alert`` webhook.

    Return None for what opens or resolves nothing (assigned, archived, ...). Both kinds
    are fingerprinted by the Sentry issue id, so that they land on one issue.
    """
    if action in SENTRY_FIRING_ACTIONS:
        is_firing = True
    elif action in SENTRY_RESOLVED_ACTIONS:
        is_firing = False
    else:
        return None
    issue_id = str(data["event"]["issue_id"] if resource == "event_alert" else data["issue"]["id"])
    untitled = _("Sentry issue %(id)s") % {"id": issue_id}
    if resource == "event_alert":
        event = data["event"]
        title = event.get("title") or event.get("message") or untitled
        url = event.get("web_url") or event.get("issue_url") or event.get("url") or ""
        lines = [title, ""]
        if data.get("triggered_rule"):
            lines.append(_("- rule: %(rule)s") % {"rule": data["triggered_rule"]})
        for key in ("level", "culprit", "environment", "release"):
            if event.get(key):
                lines.append(f"- {key}: {event[key]}")
        component = ""
    else:
        issue = data["issue"]
        title = issue.get("title") or untitled
        url = issue.get("web_url") or issue.get("permalink") or ""
        lines = [title, ""]
        for key in ("shortId", "level", "culprit", "status"):
            if issue.get(key):
                lines.append(f"- {key}: {issue[key]}")
        project = issue.get("project") or {}
        component = project.get("slug") or project.get("name") or ""
    if url:
        lines += ["", url]
    return Alert(
        fingerprint=f"sentry-issue:{issue_id}",
        is_firing=is_firing,
        title=_clip(title, TITLE_MAX) or untitled,
        description="\n".join(lines).strip() or untitled,
        component=_clip(component, COMPONENT_MAX),
    )
