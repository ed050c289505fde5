"""Who may call what: staff-only endpoints and the admin's model permissions for staff."""

from rest_framework import permissions


class IsStaff(permissions.BasePermission):
    """Let in the provider's active staff only; a client's contact gets 403."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_staff)


class StaffModelPermissions(permissions.BasePermission):
    """Require of staff the Django model permissions their role has in the admin.

    The view lists them per method in ``staff_permissions`` (``{"GET": ("app.view_x",)}``).
    Contacts are not checked here: the selectors and services decide what they may see
    and do, as in the portal.
    """

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if not user.is_staff:
            return True
        method = "GET" if request.method in ("HEAD", "OPTIONS") else request.method
        required = getattr(view, "staff_permissions", {}).get(method, ())
        return user.has_perms(required)
