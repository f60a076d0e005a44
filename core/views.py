"""Views of the core app: notifications and permission-checked file downloads."""

from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from django.views.decorators.http import require_GET, require_POST
from django.views.generic import TemplateView

from core.files import stored_file_get_for_download, stored_file_open
from core.filters import NotificationFilter
from core.lists import DATETIME, FilteredListMixin
from core.models import Notification


class NotificationListView(LoginRequiredMixin, FilteredListMixin, TemplateView):
    """List the current user's notifications, newest first: search, unread filter, dates."""

    template_name = "core/notification_list.html"
    filterset_class = NotificationFilter
    http_method_names = ["get", "head"]
    page_size = 30
    export_title = _("我的通知")
    export_columns = [
        (_("时间"), lambda n: n.created_at, DATETIME),
        (_("标题"), lambda n: n.title, None),
        (_("内容"), lambda n: n.body, None),
        (_("已读时间"), lambda n: n.read_at, DATETIME),
    ]

    def get_rows(self):
        return Notification.objects.filter(recipient=self.request.user).order_by(
            "-created_at", "-id")


def _next_url(request, default: str) -> str:
    url = request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return url
    return default


@login_required
@require_POST
def notification_mark_read(request, pk: int):
    """Mark one of the current user's notifications as read; 404 for anyone else's."""
    updated = Notification.objects.filter(
        pk=pk, recipient=request.user, read_at__isnull=True
    ).update(read_at=timezone.now())
    if not updated and not Notification.objects.filter(pk=pk, recipient=request.user).exists():
        raise Http404
    return redirect(_next_url(request, "core:notification-list"))


@login_required
@require_POST
def notification_mark_all_read(request):
    """Mark all of the current user's notifications as read."""
    Notification.objects.filter(recipient=request.user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    return redirect(_next_url(request, "core:notification-list"))


@require_GET
def file_download(request, pk: int):
    """Serve a stored file if its owning object allows this user; 404 otherwise."""
    stored = stored_file_get_for_download(user=request.user, pk=pk)
    try:
        handle, name, mime_type = stored_file_open(stored)  # a sealed one decrypted by its owner
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=name, content_type=mime_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def page_not_found(request, exception):
    """Answer 404 (``handler404``): JSON under /api/, as every API error (docs/api.md), also for
    a URL no route matches (``/api/procurement/bids/abc/``); the 404 page elsewhere."""
    if request.path.startswith("/api/"):
        # With the code v1 refusals carry (component V1Error requires it; Error allows it).
        return JsonResponse({"detail": str(_("未找到。")), "code": "not_found"}, status=404,
                            json_dumps_params={"ensure_ascii": False})
    return defaults.page_not_found(request, exception)
