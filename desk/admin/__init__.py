"""Admin for issues: the queue and issue page where staff triage the issues of their teams."""

from desk.admin.issue import IssueAdmin

__all__ = ["IssueAdmin"]
