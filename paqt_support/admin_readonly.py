"""Admins for records only administrators see: the settings that decide who logs in or what
leaves for other systems, and logs of what happened, which nobody changes."""

from django.contrib import admin

from clients.selectors import user_is_administrator


class AdministratorsOnlyAdmin(admin.ModelAdmin):
    """Records that hold every client's data or secrets: administrators only."""

    def has_module_permission(self, request):
        return user_is_administrator(request.user)

    def has_view_permission(self, request, obj=None):
        return user_is_administrator(request.user)

    def has_add_permission(self, request):
        return user_is_administrator(request.user)

    def has_change_permission(self, request, obj=None):
        return user_is_administrator(request.user)

    def has_delete_permission(self, request, obj=None):
        return user_is_administrator(request.user)


class AdministratorsReadOnlyAdmin(AdministratorsOnlyAdmin):
    """Shown to administrators only, since the records hold data of every client; nobody
    adds, changes or deletes one here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
