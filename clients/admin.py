"""Admin for clients and their teams."""

from django.contrib import admin

from clients.models import Client, Team


class TeamInline(admin.StackedInline):
    model = Team
    filter_horizontal = ("members",)
    extra = 0


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("code", "name")
    inlines = [TeamInline]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "client", "lead")
    list_select_related = ("client", "lead")
    filter_horizontal = ("members",)
    search_fields = ("name", "client__code", "client__name")
