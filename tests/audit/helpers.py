"""What the access log adds to a request, for tests that count queries."""

import math

from django.db import connection

from audit.models import AuditEntry


def audit_inserts(rows: int) -> int:
    """Return the inserts that log ``rows`` reads: one, or more where SQLite caps the
    parameters of a statement."""
    fields = [f for f in AuditEntry._meta.concrete_fields if not f.primary_key]
    return math.ceil(rows / connection.ops.bulk_batch_size(fields, [None] * rows))
