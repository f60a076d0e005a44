"""Admin for the core app: read-only views of records, editable holiday calendar."""

from django.contrib import admin
from django.core.paginator import Paginator
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from core.audit import audit_record, sealed_entries_q, sealed_entry_ids
from core.files import SEALED_MIME_TYPE
from core.models import AuditEntry, Document, Holiday, Notification, StoredFile

SEALED_MARK = _("（密封，开标后显示）")

# Asked by name because core may not import accounts: accounts registers the rule (superuser or
# an active admin membership; accounts.permissions.PLATFORM_ADMIN).
PLATFORM_ADMIN = "accounts.administer_user"


def is_admin_request(request) -> bool:
    """Return whether the request's user administers the platform (the accounts rule)."""
    return request.user.has_perm(PLATFORM_ADMIN)


class ServiceManagedAdmin(admin.ModelAdmin):
    """Rows that change only through services: nobody adds, changes or deletes them here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ServiceManagedAdmin):
    """Show rows to platform admins only; nobody adds, changes or deletes them here."""

    def has_module_permission(self, request):
        return is_admin_request(request)

    def has_view_permission(self, request, obj=None):
        return is_admin_request(request)


class CappedCountPaginator(Paginator):
    """A paginator that counts at most COUNT_CAP rows (SELECT COUNT(*) over a LIMITed subquery),
    so a page of a table with millions of rows costs the same as one of a thousand. Past the
    cap the list says COUNT_CAP results; narrow it with the date filter to reach older rows."""

    COUNT_CAP = 10_000

    @cached_property
    def count(self):
        return self.object_list[:self.COUNT_CAP].count()


class RecentValuesFilter(admin.SimpleListFilter):
    """Offer the values of one column seen in the latest RECENT rows (an index scan from the
    newest id), not a DISTINCT over the whole table; older values are found by the search box."""

    RECENT = 2_000
    field = ""

    def lookups(self, request, model_admin):
        recent = model_admin.model.objects.order_by("-pk").values_list(self.field, flat=True)
        return [(value, value) for value in sorted(set(recent[:self.RECENT])) if value]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{self.field: self.value()})
        return queryset


class RecentActionFilter(RecentValuesFilter):
    title = _("操作")
    parameter_name = field = "action"


class RecentTargetTypeFilter(RecentValuesFilter):
    title = _("对象类型")
    parameter_name = field = "target_type"


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """The audit log, bounded whatever its size: no date_hierarchy (it ran a DISTINCT month over
    the whole table on every view); the date filter ranges over the indexed ``created_at``; the
    action and type filters offer recent values only; the count stops at
    CappedCountPaginator.COUNT_CAP and the full count is never taken; newest first by the key."""

    list_display = ["id", "created_at", "actor_shown", "action", "target_type", "target_repr",
                    "address_shown"]
    list_filter = [("created_at", admin.DateFieldListFilter), RecentActionFilter,
                   RecentTargetTypeFilter]
    search_fields = ["action", "actor_repr", "target_repr", "target_id", "client_address"]
    ordering = ["-id"]
    list_select_related = False
    show_full_result_count = False
    paginator = CappedCountPaginator
    # Who acted on a bid still sealed, and from where, is hidden (core.audit.sealed_entry_ids).
    SEALED_FIELDS = ("actor", "actor_repr", "client_address")

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        page = list(changelist.result_list)  # the page's rows, cached by its queryset
        sealed = sealed_entry_ids(page)
        for entry in page:
            entry.sealed = entry.pk in sealed
        return changelist

    def get_search_results(self, request, queryset, search_term):
        # A search by a bidder's name or address must not find, and so reveal, its entries on a
        # sealed bid: those stay out of every search until the opening.
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        condition = sealed_entries_q()
        if search_term.strip() and condition is not None:
            queryset = queryset.exclude(condition)
        return queryset, may_have_duplicates

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if obj is not None and sealed_entry_ids([obj]):
            fields = [f for f in fields if f not in self.SEALED_FIELDS]
        return fields

    @admin.display(description=_("操作人"), ordering="actor_repr")
    def actor_shown(self, entry):
        return SEALED_MARK if getattr(entry, "sealed", False) else entry.actor_repr

    @admin.display(description=_("客户端地址"))
    def address_shown(self, entry):
        return SEALED_MARK if getattr(entry, "sealed", False) else entry.client_address


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["id", "recipient", "title", "created_at", "read_at", "email_sent_at"]
    list_filter = [("read_at", admin.EmptyFieldListFilter),
                   ("email_sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["title", "recipient__username", "recipient__real_name"]
    list_select_related = ["recipient"]


@admin.register(StoredFile)
class StoredFileAdmin(ReadOnlyAdmin):
    list_display = ["id", "original_name", "content_type", "object_id", "mime_type", "size",
                    "uploader", "uploaded_at"]
    list_filter = ["content_type", "mime_type"]
    search_fields = ["original_name", "sha256"]
    list_select_related = ["content_type", "uploaded_by"]
    exclude = ["file"]  # never link to the storage path; downloads go through the checked view

    # A sealed file (a bid before opening, core.files.seal) does not say who uploaded it: that
    # would name the bidder (procurement.sealing).
    @admin.display(description=_("上传人"))
    def uploader(self, obj):
        return "—" if obj.mime_type == SEALED_MIME_TYPE else obj.uploaded_by

    def get_exclude(self, request, obj=None):
        exclude = list(super().get_exclude(request, obj) or ())
        if obj is not None and obj.mime_type == SEALED_MIME_TYPE:
            exclude.append("uploaded_by")
        return exclude


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "content_type", "object_id", "template_name", "size",
                    "generated_at"]
    list_filter = ["kind", "content_type"]
    search_fields = ["sha256", "template_name"]
    list_select_related = ["content_type"]
    exclude = ["file", "context"]


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "name", "kind", "provisional"]
    list_filter = ["kind", "provisional", ("date", admin.DateFieldListFilter)]
    search_fields = ["name"]
    date_hierarchy = "date"
    ordering = ["date"]

    def has_module_permission(self, request):
        return is_admin_request(request)

    def has_view_permission(self, request, obj=None):
        return is_admin_request(request)

    def has_add_permission(self, request):
        return is_admin_request(request)

    def has_change_permission(self, request, obj=None):
        return is_admin_request(request)

    def has_delete_permission(self, request, obj=None):
        return is_admin_request(request)

    def _snapshot(self, obj):
        return {"date": obj.date, "name": obj.name, "kind": obj.kind,
                "provisional": obj.provisional}

    def save_model(self, request, obj, form, change):
        before = None
        if change:
            old = Holiday.objects.get(pk=obj.pk)
            before = self._snapshot(old)
        super().save_model(request, obj, form, change)
        audit_record(actor=request.user, action="holiday.change" if change else "holiday.add",
                     target=obj, before=before, after=self._snapshot(obj))

    def delete_model(self, request, obj):
        before = self._snapshot(obj)
        audit_record(actor=request.user, action="holiday.delete", target=obj, before=before)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)

