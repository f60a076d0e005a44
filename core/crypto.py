"""Envelope encryption for data sealed at rest (AES-256-GCM), keys outside the database.

A record that must stay unreadable in a copy of the database and of the files directory (a sealed
bid before its opening, procurement.sealing) is encrypted with a random 32-byte *data key*; the
data key is stored only *wrapped* (encrypted) by a *key-encryption key* (KEK) that never enters the
database: ``settings.SEALING_KEKS`` (environment) or the file ``settings.SEALING_KEK_FILE``.

Key ring format (both places): ``id:base64-of-32-bytes`` entries separated by commas or new
lines; the FIRST entry is the current KEK (new data keys are wrapped by it), the others are kept
only to unwrap data keys not yet rewrapped (``manage.py rotate_sealing_kek``). In development and
tests, without either, a key file is generated once under DATA_DIR (never in production:
config/settings.py refuses to start without a key ring). docs/security.md "Sealed bids".

Blobs: ``b"S1" + 12-byte nonce + ciphertext-and-tag``. The associated data binds each blob to
where it belongs (the caller's label), so a ciphertext copied to another row or field is refused.
"""

import base64
import binascii
import os
import secrets
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from core.exceptions import ServiceError

MAGIC = b"S1"
NONCE_BYTES = 12
KEY_BYTES = 32


class SealingError(ServiceError):
    """A sealed record cannot be opened: missing key, wrong key or altered ciphertext."""


def generate_key() -> bytes:
    """Return a new random 256-bit key."""
    return secrets.token_bytes(KEY_BYTES)


def key_ring_entry(kek_id: str, key: bytes) -> str:
    """Return the key ring line for the key (``id:base64``)."""
    return f"{kek_id}:{base64.b64encode(key).decode()}"


def parse_key_ring(text: str) -> list[tuple[str, bytes]]:
    """Return the [(id, key)] of a key ring text, the current one first; refuse a malformed one."""
    ring = []
    for entry in text.replace(",", "\n").splitlines():
        entry = entry.strip()
        if not entry or entry.startswith("#"):
            continue
        kek_id, sep, encoded = entry.partition(":")
        try:
            key = base64.b64decode(encoded.strip(), validate=True) if sep else b""
        except (binascii.Error, ValueError):
            key = b""
        if not kek_id.strip() or len(key) != KEY_BYTES:
            raise ImproperlyConfigured(
                "Sealing key ring entries must read id:base64-of-32-bytes "
                "(SEALING_KEKS / SEALING_KEK_FILE).")
        ring.append((kek_id.strip(), key))
    return ring


def _dev_key_file(path: Path) -> None:
    """Create a development key file (mode 600) unless it exists; safe against a race."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "w") as handle:
        handle.write(key_ring_entry("dev1", generate_key()) + "\n")


@lru_cache(maxsize=8)
def _ring_from(spec: str, file: str, autocreate: bool) -> tuple[str, dict[str, bytes]]:
    text = spec
    if not text and file:
        path = Path(file)
        if autocreate:
            _dev_key_file(path)
        try:
            text = path.read_text()
        except OSError:
            text = ""
    ring = parse_key_ring(text)
    if not ring:
        return "", {}
    return ring[0][0], dict(ring)


def key_ring() -> tuple[str, dict[str, bytes]]:
    """Return (current KEK id, {id: KEK}) from the settings; ("", {}) when none is configured."""
    return _ring_from(getattr(settings, "SEALING_KEKS", "") or "",
                      str(getattr(settings, "SEALING_KEK_FILE", "") or ""),
                      bool(getattr(settings, "SEALING_KEK_AUTOCREATE", False)))


def missing_key_error() -> SealingError:
    """The error for a KEK (or a data key) that is not available."""
    return SealingError(_("密封密钥（SEALING_KEKS）未配置或已丢失，无法加密或解密密封的投标文件，"
                          "请联系平台管理员。"), code="sealing_key")


def wrap_key(data_key: bytes) -> tuple[str, bytes]:
    """Return (KEK id, wrapped data key) under the current KEK."""
    current, ring = key_ring()
    if not current:
        raise missing_key_error()
    return current, seal(ring[current], data_key, b"data-key:" + current.encode())


def unwrap_key(kek_id: str, wrapped: bytes) -> bytes:
    """Return the data key wrapped under the KEK kek_id; refuse when that KEK is not in the ring
    or does not open it."""
    _current, ring = key_ring()
    kek = ring.get(kek_id)
    if kek is None:
        raise missing_key_error()
    return unseal(kek, bytes(wrapped), b"data-key:" + kek_id.encode())


@lru_cache(maxsize=64)
def _derive(kek: bytes, purpose: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None,
                info=b"sanshe:" + purpose.encode()).derive(kek)


def purpose_key(purpose: str, kek_id: str | None = None) -> tuple[str, bytes]:
    """Return (KEK id, a key for ``purpose`` derived from that KEK by HKDF-SHA256): the current
    KEK when ``kek_id`` is None. For records sealed without a data key row (a bid intake,
    procurement.services.intake): no database read, and no copy of the database opens them."""
    current, ring = key_ring()
    kek_id = kek_id or current
    kek = ring.get(kek_id)
    if kek is None:
        raise missing_key_error()
    return kek_id, _derive(kek, purpose)


def seal(key: bytes, plaintext: bytes, associated: bytes) -> bytes:
    """Return the blob of plaintext encrypted under key, bound to the associated data."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    return MAGIC + nonce + AESGCM(key).encrypt(nonce, plaintext, associated)


def unseal(key: bytes, blob: bytes, associated: bytes) -> bytes:
    """Return the plaintext of a blob made by seal with the same key and associated data;
    refuse a blob that was altered, moved to another record or made under another key."""
    blob = bytes(blob)
    if not blob.startswith(MAGIC) or len(blob) < len(MAGIC) + NONCE_BYTES + 16:
        raise SealingError(_("密封数据格式无效，无法解密。"), code="sealing_tampered")
    nonce = blob[len(MAGIC):len(MAGIC) + NONCE_BYTES]
    try:
        return AESGCM(key).decrypt(nonce, blob[len(MAGIC) + NONCE_BYTES:], associated)
    except InvalidTag:
        raise tampered_error() from None


def tampered_error() -> SealingError:
    """The error for a sealed record that does not open under its key (altered or moved)."""
    return SealingError(_("密封数据校验失败（密钥不符或数据被篡改），拒绝解密。"),
                        code="sealing_tampered")
