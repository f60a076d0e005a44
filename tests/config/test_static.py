"""Production static files: collectstatic's manifest post-processing succeeds and the pages find
every asset they reference in the manifest (no CDN, nothing missing)."""

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse

from tests.factories import UserFactory

MANIFEST_STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # The production storage without WhiteNoise's compression (same manifest, much faster).
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}


@pytest.mark.django_db
def test_collectstatic_manifest_and_pages_render_with_it(tmp_path):
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=MANIFEST_STORAGES):
        call_command("collectstatic", interactive=False, verbosity=0)
        assert (tmp_path / "staticfiles.json").exists()
        assert not list(tmp_path.rglob("node_modules"))
        client = Client()
        for url in (reverse("portal:index"), reverse("login")):
            assert client.get(url).status_code == 200, url
        client.force_login(UserFactory())
        assert client.get(reverse("home")).status_code == 200
