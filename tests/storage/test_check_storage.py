"""`manage.py check_storage`: each node can prove it reaches the shared bucket."""

import pytest
from django.core.management import CommandError, call_command

from tests.storage.conftest import s3_options


def test_check_storage_round_trips_a_probe_and_leaves_nothing(bucket, capsys):
    call_command("check_storage")
    assert "OK: S3Storage writes, reads, lists and deletes" in capsys.readouterr().out
    assert bucket.keys() == set()


def test_check_storage_fails_naming_the_error_when_the_bucket_is_missing(settings, s3_endpoint):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": s3_options(s3_endpoint, "no-such-bucket")}}
    with pytest.raises(CommandError, match="file storage unreachable: .*NoSuchBucket"):
        call_command("check_storage")
