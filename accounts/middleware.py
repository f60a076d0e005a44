from django.utils import translation


class UserLanguageMiddleware:
    """Activate the language the logged-in user chose."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "language", None):
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)
