"""Write, read, list and delete a probe file on the default storage, from this node."""

import secrets

from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = ("Check that this node reaches the file storage (the S3 bucket or DATA_DIR/files): "
            "write a probe file, read it back, find it in its folder, delete it.")

    def handle(self, *args, **options):
        storage = storages["default"]
        payload = secrets.token_bytes(64)
        try:
            name = storage.save(f"healthcheck/{secrets.token_hex(8)}.bin", ContentFile(payload))
            try:
                with storage.open(name, "rb") as handle:
                    if handle.read() != payload:
                        raise CommandError(f"{name} read back different bytes")
                if name.rsplit("/", 1)[-1] not in storage.listdir("healthcheck")[1]:
                    raise CommandError(f"{name} is missing from its folder's listing")
            finally:
                storage.delete(name)
            if storage.exists(name):
                raise CommandError(f"{name} is still there after delete")
        except CommandError:
            raise
        except Exception as error:  # noqa: BLE001 - any storage failure is the answer
            raise CommandError(f"file storage unreachable: {type(error).__name__}: {error}") \
                from error
        self.stdout.write(self.style.SUCCESS(
            f"OK: {type(storage).__name__} writes, reads, lists and deletes"))
