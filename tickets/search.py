"""Staff search over issues: a full-text document per issue on PostgreSQL, kept as issues change.

On PostgreSQL each issue keeps ``search_document``: its title (weighted highest),
description and every comment, stemmed in Dutch and in English, behind a GIN index; the
reference and the requesters' names are matched apart (a trigram index serves reference
prefixes). The document follows the changes of issues through the event registry: filing
writes it, a comment adds to it, a merge rebuilds the issue that received the
conversation. On SQLite there is no document, and words are matched with ``LIKE``, which
reads every issue: fine for a laptop, slower at the size of a production desk.
"""

import re

from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import Q, QuerySet

from accounts.models import User
from tickets.events import IssueChange, IssueCommented, IssueFiled, IssueMerged
from tickets.models import Comment, Issue

# A whole issue reference, such as VRB-2026-0042.
REFERENCE_PATTERN = re.compile(r"^[A-Z]{2,6}-\d{4}-\d{4,}$")
# Issues are written in Dutch and in English; a word is found in either language's stem.
LANGUAGES = ("dutch", "english")


def _full_text() -> bool:
    return connection.vendor == "postgresql"


def _stems(text_sql: str, weight: str) -> str:
    return " || ".join(
        f"setweight(to_tsvector('{language}', {text_sql}), '{weight}')" for language in LANGUAGES
    )


_COMMENTS = _stems("string_agg(c.body, ' ')", "C")
# The whole document of the issues a condition names: title, description, comments. The
# statements are built from this module's constants only; text goes in as parameters.
_BUILD = (
    "UPDATE tickets_issue AS i SET search_document = "  # noqa: S608
    f"{_stems('i.title', 'A')} || {_stems('i.description', 'B')} || COALESCE(("
    f"SELECT {_COMMENTS} FROM tickets_comment AS c WHERE c.issue_id = i.id), ''::tsvector)"
)


def issue_search_document_build(*, issue_id: int | None = None) -> None:
    """Write the search document of issue ``issue_id``, or of every issue when None."""
    if not _full_text():
        return
    with connection.cursor() as cursor:
        if issue_id is None:
            cursor.execute(_BUILD)
        else:
            cursor.execute(f"{_BUILD} WHERE i.id = %s", [issue_id])


def _append(*, issue_id: int, text: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE tickets_issue SET search_document = "  # noqa: S608
            f"COALESCE(search_document, ''::tsvector) || {_stems('%s', 'C')} WHERE id = %s",
            [text, text, issue_id],
        )


def search_follow_change(change: IssueChange) -> None:
    """Keep the search document of the issue that ``change`` names current."""
    if not _full_text():
        return
    match change:
        case IssueFiled():
            issue_search_document_build(issue_id=change.issue_id)
        case IssueCommented():
            body = Comment.objects.values_list("body", flat=True).get(pk=change.comment_id)
            _append(issue_id=change.issue_id, text=body)
        case IssueMerged(into_id=into_id):
            issue_search_document_build(issue_id=into_id)


def issue_filter_text(issues: QuerySet[Issue], *, text: str) -> QuerySet[Issue]:
    """Keep the issues matching every word of ``text`` in reference, title, description,
    comments (PostgreSQL) or requester (user name, names, email).

    A whole reference is looked up by its unique index alone, so that pasting one is
    instant however many issues there are.
    """
    text = text.strip()
    if REFERENCE_PATTERN.match(text.upper()):
        return issues.filter(reference=text.upper())
    for word in text.split():
        # The people are looked up first: a list of ids, unlike a subquery, lets
        # PostgreSQL combine the indexes of the three conditions instead of reading every
        # issue.
        people = list(
            User.objects.filter(
                Q(username__icontains=word)
                | Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(email__icontains=word)
            ).values_list("pk", flat=True)
        )
        if _full_text():
            found = Q(search_document=_query(word)) | Q(reference__startswith=word.upper())
        else:
            found = (
                Q(reference__istartswith=word)
                | Q(title__icontains=word)
                | Q(description__icontains=word)
            )
        if people:
            found |= Q(requester_id__in=people)
        issues = issues.filter(found)
    return issues


def _query(word: str) -> SearchQuery:
    queries = [SearchQuery(word, config=language, search_type="plain") for language in LANGUAGES]
    return queries[0] | queries[1]
