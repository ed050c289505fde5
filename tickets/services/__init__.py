"""Every change to an issue: filing, replying, status, priority, assignment, watchers, merging.

Each announces what it changed through ``tickets.events``, for the apps that follow issues.

Callers import from here; the modules of the package group the services by what they change.
"""

from tickets.services.changes import (
    UNCHANGED,
    issue_agreement_change,
    issue_assign,
    issue_change_priority,
    issue_change_status,
    issue_resolve_automatically,
    issue_update,
)
from tickets.services.common import BODY_MAX, TITLE_MAX
from tickets.services.conversation import attachment_add, comment_create
from tickets.services.filing import DuplicateSubmissionError, issue_create
from tickets.services.following import issue_watch
from tickets.services.merge import issue_merge

__all__ = [
    "BODY_MAX",
    "TITLE_MAX",
    "UNCHANGED",
    "DuplicateSubmissionError",
    "attachment_add",
    "comment_create",
    "issue_agreement_change",
    "issue_assign",
    "issue_change_priority",
    "issue_change_status",
    "issue_create",
    "issue_merge",
    "issue_resolve_automatically",
    "issue_update",
    "issue_watch",
]
