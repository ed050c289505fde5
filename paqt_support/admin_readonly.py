"""An admin for records that administrators read and nobody changes: logs of what happened."""

from django.contrib import admin

from clients.selectors import user_is_administrator


class AdministratorsReadOnlyAdmin(admin.ModelAdmin):
    """Shown to administrators only, since the records hold data of every client; nobody
    adds, changes or deletes one here."""

    def has_module_permission(self, request):
        return user_is_administrator(request.user)

    def has_view_permission(self, request, obj=None):
        return user_is_administrator(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
