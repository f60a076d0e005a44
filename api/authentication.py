"""Bearer-token authentication for the partner API, scoped to the token's organization."""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from accounts.selectors import user_memberships, user_memberships_set
from api.models import ApiToken, token_digest

# last_used_at is written at most this often per token (not one UPDATE per request).
LAST_USED_RESOLUTION = dt.timedelta(minutes=5)


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <key>``; 401 with a Chinese reason when the token is unusable.

    The request acts as the token's user with only the roles the user holds in the token's
    organization (and the roles held without one, for an expert): the memberships cached for
    the rules (``accounts.selectors.user_memberships``) are narrowed to them, and a superuser's
    or staff member's own flags are set aside for the request (``User.act_through_token``).
    """

    keyword = "Bearer"

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("令牌格式不正确：应为“Bearer <令牌>”。"))
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed(_("令牌格式不正确：应为“Bearer <令牌>”。")) from exc
        return self.authenticate_key(key)

    def authenticate_key(self, key: str):
        token = (ApiToken.objects.select_related("user", "organization")
                 .filter(digest=token_digest(key)).first())
        now = timezone.now()
        if token is None:
            raise exceptions.AuthenticationFailed(_("令牌无效。"))
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("令牌已吊销。"))
        if token.expires_at <= now:
            raise exceptions.AuthenticationFailed(_("令牌已过期，请联系签发人重新签发。"))
        user = token.user
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("令牌所代表的用户已停用。"))
        memberships = [m for m in user_memberships(user)
                       if m.organization_id == token.organization_id
                       or (m.organization_id is None and token.organization_id is None)]
        if not memberships:
            raise exceptions.AuthenticationFailed(_("令牌所代表的用户已不在该机构任职。"))
        user_memberships_set(user, memberships)
        user.act_through_token()  # nor does a superuser's "every permission" come with it
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return user, token

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'
