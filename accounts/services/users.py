"""Changes a user makes to their own account."""

from django.conf import settings


def user_set_language(*, user, language: str) -> str:
    """Store the user's interface language (one of settings.LANGUAGES) and return it."""
    if language not in dict(settings.LANGUAGES):
        raise ValueError(language)
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    return language
