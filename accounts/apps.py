from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_role_groups(sender, **kwargs):
    from accounts.roles import ensure_role_groups

    ensure_role_groups()


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("账户与机构")

    def ready(self):
        # Connected without a sender: post_migrate is sent once per app and permission rows of
        # apps after accounts (core's audit log) exist only by the later sends.
        post_migrate.connect(_ensure_role_groups, dispatch_uid="accounts.ensure_role_groups")
        from django.contrib.auth.signals import user_logged_in

        from accounts.middleware import start_privileged_session

        user_logged_in.connect(start_privileged_session,
                               dispatch_uid="accounts.start_privileged_session")
