import pytest
from django.core import mail
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from core.context_processors import notifications as notifications_processor
from core.models import Notification
from core.notifications import notify
from core.tasks import send_notification_emails

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(make_user):
    return make_user("alice")


@pytest.fixture
def bob(make_user):
    return make_user("bob")


class TestNotificationList:
    def test_login_required(self, client):
        response = client.get(reverse("core:notification-list"))
        assert response.status_code == 302
        assert "next=" in response["Location"]

    def test_lists_only_own(self, client, alice, bob):
        notify(recipients=[alice], title="给甲的通知")
        notify(recipients=[bob], title="给乙的通知")
        client.force_login(alice)
        response = client.get(reverse("core:notification-list"))
        assert response.status_code == 200
        body = response.content.decode()
        assert "给甲的通知" in body
        assert "给乙的通知" not in body
        assert response.context["unread_notification_count"]() == 1


class TestMarkRead:
    def test_marks_own_notification(self, client, alice):
        (n,) = notify(recipients=[alice], title="待读")
        client.force_login(alice)
        response = client.post(reverse("core:notification-read", args=[n.pk]))
        assert response.status_code == 302
        n.refresh_from_db()
        assert n.read_at is not None

    def test_get_is_not_allowed(self, client, alice):
        (n,) = notify(recipients=[alice], title="待读")
        client.force_login(alice)
        assert client.get(reverse("core:notification-read", args=[n.pk])).status_code == 405
        n.refresh_from_db()
        assert n.read_at is None

    def test_someone_elses_is_404(self, client, alice, bob):
        (n,) = notify(recipients=[bob], title="乙的")
        client.force_login(alice)
        assert client.post(reverse("core:notification-read", args=[n.pk])).status_code == 404
        n.refresh_from_db()
        assert n.read_at is None

    def test_mark_all_only_touches_own(self, client, alice, bob):
        notify(recipients=[alice, bob], title="群发")
        notify(recipients=[alice], title="单发")
        client.force_login(alice)
        client.post(reverse("core:notification-read-all"))
        assert not Notification.objects.filter(recipient=alice, read_at__isnull=True).exists()
        assert Notification.objects.filter(recipient=bob, read_at__isnull=True).count() == 1

    def test_next_url_must_be_local(self, client, alice):
        (n,) = notify(recipients=[alice], title="x")
        client.force_login(alice)
        response = client.post(reverse("core:notification-read", args=[n.pk]),
                               {"next": "https://evil.example/"})
        assert response["Location"] == reverse("core:notification-list")


class TestUnreadCountProcessor:
    def test_counts_unread_in_one_query(self, alice, bob, django_assert_num_queries):
        notify(recipients=[alice], title="一")
        notify(recipients=[alice], title="二")
        notify(recipients=[bob], title="三")
        Notification.objects.filter(title="二").update(read_at="2026-03-02T10:00:00+08:00")
        request = RequestFactory().get("/")
        request.user = alice
        context = notifications_processor(request)
        template = Template("{{ unread_notification_count }}/{% if unread_notification_count %}"
                            "有{% endif %}/{{ unread_notification_count }}")
        with django_assert_num_queries(1):
            assert template.render(Context(context)) == "1/有/1"

    def test_anonymous_costs_no_query(self, django_assert_num_queries):
        from django.contrib.auth.models import AnonymousUser

        request = RequestFactory().get("/")
        request.user = AnonymousUser()
        with django_assert_num_queries(0):
            assert notifications_processor(request) == {"unread_notification_count": 0}

    def test_processor_is_installed(self, settings):
        processors = settings.TEMPLATES[0]["OPTIONS"]["context_processors"]
        assert "core.context_processors.notifications" in processors


class TestEmail:
    def test_sent_after_commit_once(self, alice, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            created = notify(recipients=[alice], title="评审结果", body="请登录查看。")
        assert len(callbacks) == 1
        assert len(mail.outbox) == 1
        assert mail.outbox[0].to == ["alice@example.cn"]
        assert mail.outbox[0].subject == "评审结果"
        created[0].refresh_from_db()
        assert created[0].email_sent_at is not None
        assert send_notification_emails([created[0].pk]) == 0
        assert len(mail.outbox) == 1

    def test_not_sent_before_commit(self, alice, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=False):
            notify(recipients=[alice], title="未提交")
        assert mail.outbox == []

    def test_recipient_without_address_is_skipped(self, make_user,
                                                  django_capture_on_commit_callbacks):
        silent = make_user("silent")
        silent.email = ""
        silent.save(update_fields=["email"])
        with django_capture_on_commit_callbacks(execute=True):
            notify(recipients=[silent], title="无邮箱")
        assert mail.outbox == []


@pytest.mark.parametrize("rows", [1, 40])
def test_list_query_count_is_bounded(client, alice, rows, django_assert_max_num_queries):
    Notification.objects.bulk_create(
        [Notification(recipient=alice, title=f"通知{i}") for i in range(rows)]
    )
    client.force_login(alice)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("core:notification-list"))
    assert response.status_code == 200
