"""Files on S3-compatible storage against the local disk: upload and download of one file.

The same operations the platform runs, once with the files in DATA_DIR/files
(FileSystemStorage) and once in a bucket of a local S3 server (moto's, in this process; a real
MinIO on the intranet adds its network round trips): ``core.files.stored_file_create`` (checks,
SHA-256, write, row, audit) and a download through the permission-checking view
(``core:file-download``, streamed from the storage), for a 100 KB and a 5 MB PDF; median of 15.
Target: each S3 operation < 10× the same one on the local disk (the view streams the object
through the web node, so a download costs at least one read of the whole object).

    .venv/bin/python benchmarks/bench_storage.py [--strict] [--keep]
"""

import io
import os
import socket

import _common

SIZES = {"100 KB": 100 * 1024, "5 MB": 5 * 1024 * 1024}
REPEAT = 15
TARGET_RATIO = 10.0


def _pdf(size: int) -> bytes:
    head = b"%PDF-1.4\n1 0 obj<<>>endobj\n"
    tail = b"\ntrailer<<>>\n%%EOF\n"
    return head + b"%" + os.urandom(size - len(head) - len(tail) - 1) + tail


def _moto() -> tuple[object, str]:
    from moto.server import ThreadedMotoServer

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    return server, f"http://127.0.0.1:{port}"


def main() -> None:
    args = _common.parse_args(__doc__.splitlines()[0])
    data_dir = _common.setup(keep=args.keep)
    import boto3
    from django.test import Client, override_settings
    from django.urls import reverse

    from accounts.models import User
    from core.files import stored_file_create

    print(f"machine: {_common.machine()}")
    if args.keep:
        print(f"data dir: {data_dir}")
    server, endpoint = _moto()
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="x",
                 aws_secret_access_key="x").create_bucket(Bucket="bench")
    storages = {
        "local": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                  "OPTIONS": {"location": str(data_dir / "files"), "base_url": None}},
        "s3": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
            "bucket_name": "bench", "endpoint_url": endpoint, "region_name": "us-east-1",
            "access_key": "x", "secret_key": "x", "addressing_style": "path",
            "signature_version": "s3v4", "default_acl": "private", "file_overwrite": False}},
    }
    owner = User.objects.create(username="bench_storage", real_name="存储基准", is_superuser=True,
                                is_staff=True)
    client = Client()
    client.force_login(owner)
    results: dict[tuple[str, str, str], float] = {}
    for kind, backend in storages.items():
        with override_settings(STORAGES={**_settings_storages(), "default": backend}):
            for label, size in SIZES.items():
                data = _pdf(size)
                stored = []

                def upload(data=data, stored=stored):
                    handle = io.BytesIO(data)
                    handle.name = "投标文件.pdf"
                    stored.append(stored_file_create(file=handle, owner=owner, actor=owner))

                def download(stored=stored, data=data):
                    response = client.get(reverse("core:file-download", args=[stored[0].pk]))
                    assert b"".join(response.streaming_content) == data

                results[(kind, "upload", label)] = _common.median_ms(upload, repeat=REPEAT)
                results[(kind, "download", label)] = _common.median_ms(download, repeat=REPEAT)
    server.stop()
    misses = []
    for operation in ("upload", "download"):
        for label in SIZES:
            local, s3 = results[("local", operation, label)], results[("s3", operation, label)]
            ratio = s3 / local
            ok = ratio < TARGET_RATIO
            if not ok:
                misses.append(f"{operation} {label}")
            print(f"{operation} {label}: local {local:.1f} ms, S3 {s3:.1f} ms "
                  f"({ratio:.1f} ×) {_common.verdict(ok)}")
    _common.finish(misses=misses, strict=args.strict)


def _settings_storages() -> dict:
    from django.conf import settings

    return settings.STORAGES


if __name__ == "__main__":
    main()
