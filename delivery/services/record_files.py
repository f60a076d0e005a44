"""Evidence for service records: photos and sign-in sheets (签到表) stored with the record."""

from core.files import atomic_with_files, stored_files_create
from delivery.models import ServiceRecord
from delivery.services.records import service_record_add

RECORD_FILE_TYPES = ("image", "pdf")


def service_record_add_with_files(*, contract, actor, files=(), **fields) -> ServiceRecord:
    """Record one service and store its evidence in one transaction: all of it or nothing."""
    with atomic_with_files():
        record = service_record_add(contract=contract, actor=actor, **fields)
        stored_files_create(owner=record, actor=actor, files=files, allowed=RECORD_FILE_TYPES)
    return record
