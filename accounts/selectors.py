"""Reads of user accounts, scoped to the organisation of the user who asks."""

from django.db.models import QuerySet

from accounts.models import User
from audit.services import audited


def colleague_list_for_user(*, user) -> QuerySet[User]:
    """Return the people of ``user``'s client, active ones first; none for staff.

    Service accounts (the client's monitoring user) are not colleagues: a client admin
    could otherwise deactivate them and silently stop alerts from becoming issues.
    """
    if not user.is_authenticated or not user.client_id:
        return User.objects.none()
    return (
        audited(User.objects.all())
        .filter(client_id=user.client_id, is_staff=False, is_service_account=False)
        .order_by("-is_active", "first_name", "last_name", "username")
    )


def colleague_get_for_user(*, user, pk: int) -> User:
    """Return contact ``pk`` of ``user``'s own client; raise ``User.DoesNotExist`` otherwise."""
    return colleague_list_for_user(user=user).get(pk=pk)
