"""Admin: read-mostly for moderation data; the audit log is read-only."""

from django.contrib import admin

from deliberation.models import (
    Flag,
    ImportJob,
    Membership,
    ModerationAction,
    Notification,
    OutboxMessage,
)


@admin.register(ModerationAction)
class ModerationActionAdmin(admin.ModelAdmin):
    list_display = ("created", "debate", "action", "actor", "subject", "reason")
    list_filter = ("action",)
    search_fields = ("reason",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Who holds which role where. Read-only: roles are named by the debate's
    owner on its Members page (or the API), so each change is in the audit
    log and the member is told."""

    list_display = ("debate", "user", "role", "status", "pseudonym", "share_votes")
    list_filter = ("role", "status")
    search_fields = ("debate__slug", "user__username", "pseudonym")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Flag)
class FlagAdmin(admin.ModelAdmin):
    list_display = ("created", "debate", "reason", "status", "flagger")
    list_filter = ("status", "reason")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created", "user", "kind", "text", "read_at")
    list_filter = ("kind",)


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """To watch background work during and after a broker outage."""

    list_display = (
        "pk",
        "task",
        "created",
        "run_after",
        "sent_at",
        "done_at",
        "attempts",
    )
    list_filter = ("task",)
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    """To see what became of a large import (read-only; the file is not shown)."""

    list_display = ("created", "owner", "format", "status", "progress", "attempts")
    list_filter = ("status", "format")
    exclude = ("text",)
    readonly_fields = [f.name for f in ImportJob._meta.fields if f.name != "text"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
