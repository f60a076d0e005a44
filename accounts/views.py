"""Account views: switching the interface language."""

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View

from accounts.forms import UserLanguageForm
from accounts.services.users import user_set_language


class UserLanguageUpdateView(LoginRequiredMixin, View):
    """Save the language chosen by the logged-in user and go back (POST only)."""

    http_method_names = ["post"]

    def post(self, request):
        form = UserLanguageForm(request.POST)
        target = request.POST.get("next") or request.headers.get("referer") or "/"
        if not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            target = "/"
        response = HttpResponseRedirect(target)
        if form.is_valid():
            language = user_set_language(user=request.user, language=form.cleaned_data["language"])
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax")
        return response
