from django.urls import path

from core import views

app_name = "core"
urlpatterns = [
    path("notifications/", views.NotificationListView.as_view(), name="notification-list"),
    path("notifications/<int:pk>/read/", views.notification_mark_read, name="notification-read"),
    path("notifications/read-all/", views.notification_mark_all_read,
         name="notification-read-all"),
    path("files/<int:pk>/", views.file_download, name="file-download"),
]
