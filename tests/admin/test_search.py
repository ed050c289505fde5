"""Staff search: words in titles, descriptions and comments, references and requesters."""

import pytest
from django.db import connection

from tests.portal.helpers import issue_file
from tickets import services
from tickets.models import Issue
from tickets.search import issue_filter_text

needs_full_text = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="full-text search is PostgreSQL's; SQLite matches words with LIKE",
)


def found(org, text: str) -> list[str]:
    issues = issue_filter_text(Issue.objects.filter(client=org.client), text=text)
    return sorted(issues.values_list("reference", flat=True))


def test_a_word_of_the_title_description_or_requester_finds_the_issue(org):
    issue = issue_file(org, title="Zaaksysteem traag", description="Het archief laadt niet.")

    assert found(org, "zaaksysteem") == [issue.reference]
    assert found(org, "archief") == [issue.reference]
    assert found(org, org.contact.last_name or org.contact.username) == [issue.reference]
    assert found(org, "betaling") == []


def test_every_word_must_match_somewhere(org):
    issue = issue_file(org, title="Zaaksysteem traag", description="Het archief laadt niet.")
    issue_file(org, title="Archief leeg", description="Geen stukken.")

    assert found(org, "zaaksysteem archief") == [issue.reference]


def test_a_reference_prefix_finds_the_issues_it_starts(org):
    first, second = issue_file(org), issue_file(org)

    assert found(org, first.reference[:-1]) == sorted([first.reference, second.reference])
    assert found(org, first.reference) == [first.reference]


@needs_full_text
def test_words_of_a_reply_or_an_internal_note_find_the_issue(org):
    issue = issue_file(org, title="Inloggen mislukt", description="Foutmelding.")
    services.comment_create(issue=issue, author=org.staff, body="De certificaten zijn verlopen.")
    services.comment_create(
        issue=issue, author=org.staff, body="Leverancier gebeld.", is_internal=True
    )

    assert found(org, "certificaten") == [issue.reference]
    assert found(org, "leverancier") == [issue.reference]


@needs_full_text
def test_a_word_is_found_in_another_form_in_dutch_and_in_english(org):
    dutch = issue_file(org, title="Storingen in de koppeling", description="Sinds gisteren.")
    english = issue_file(org, title="Exports failing", description="Since yesterday.")

    assert found(org, "storing") == [dutch.reference]
    assert found(org, "export") == [english.reference]


@needs_full_text
def test_a_merge_makes_the_conversation_findable_on_the_issue_that_keeps_it(org):
    kept = issue_file(org, title="Formulier kapot", description="Verzenden faalt.")
    duplicate = issue_file(org, title="Formulier stuk", description="Verzenden lukt niet.")
    services.comment_create(issue=duplicate, author=org.contact, body="Ook bij de balie.")

    services.issue_merge(target=kept, sources=[duplicate], actor=org.staff)

    assert kept.reference in found(org, "balie")
