"""An S3-compatible object store for the storage tests: moto's server on a free local port.

One server per test session (it starts in about a second); every test gets a bucket of its own
and ``STORAGES["default"]`` pointing at it with the options config/settings.py sets for
``FILE_STORAGE=s3``, and a ``MEDIA_ROOT`` that must stay empty.
"""

import datetime as dt
import secrets
import socket

import pytest
import time_machine

from tests.worlds import PROCUREMENT_WORLD, TZ, World, world_build

KEYS = {"access_key": "testing", "secret_key": "testing"}  # moto accepts any key
REGION = "us-east-1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def s3_options(endpoint: str, bucket: str) -> dict:
    """Return the S3Storage options of config/settings.py for this endpoint and bucket."""
    return {"bucket_name": bucket, "endpoint_url": endpoint, "region_name": REGION, **KEYS,
            "addressing_style": "path", "signature_version": "s3v4", "location": "",
            "default_acl": "private", "querystring_auth": True, "querystring_expire": 60,
            "file_overwrite": False, "object_parameters": {"CacheControl": "private, no-store"}}


class Bucket:
    """The test's bucket, read with boto3 directly (not through the storage under test)."""

    def __init__(self, endpoint: str, name: str):
        import boto3

        self.name = name
        self.client = boto3.client("s3", endpoint_url=endpoint, region_name=REGION,
                                   aws_access_key_id="testing", aws_secret_access_key="testing")
        self.client.create_bucket(Bucket=name)

    def keys(self) -> set[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.name)
        return {obj["Key"] for page in pages for obj in page.get("Contents", [])}

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()


@pytest.fixture
def bucket(settings, tmp_path, s3_endpoint) -> Bucket:
    """Point the default storage at a new bucket; MEDIA_ROOT is an empty folder that must stay so."""
    name = f"sanshe-{secrets.token_hex(6)}"
    store = Bucket(s3_endpoint, name)
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": s3_options(s3_endpoint, name)}}
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return store


@pytest.fixture
def clock():
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=TZ), tick=False) as traveller:
        yield traveller


@pytest.fixture
def world(db, clock) -> World:
    return world_build(**PROCUREMENT_WORLD)
