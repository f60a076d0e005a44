import pytest
from django.contrib.auth import get_user_model

from core import calendar


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    """Forget cached holidays so rows rolled back by another test are not seen."""
    calendar.clear_cache()
    yield
    calendar.clear_cache()


@pytest.fixture
def file_storage(settings, tmp_path):
    """Point default storage at a temporary directory."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "files"), "base_url": None},
        },
    }
    settings.MEDIA_ROOT = tmp_path / "files"
    return tmp_path / "files"


@pytest.fixture
def make_user(db):
    def make(username, **extra):
        return get_user_model().objects.create_user(
            username=username, password="pw-for-tests-123", email=f"{username}@example.cn", **extra
        )

    return make


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser(
        username="root", password="pw-for-tests-123", email="root@example.cn"
    )


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
