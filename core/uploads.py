"""Validate uploaded files by their content, not by the name the browser sent."""

import io
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# extension -> (category, content kind it must contain, MIME type)
EXTENSIONS: dict[str, tuple[str, str, str]] = {
    "pdf": ("pdf", "pdf", "application/pdf"),
    "jpg": ("image", "jpeg", "image/jpeg"),
    "jpeg": ("image", "jpeg", "image/jpeg"),
    "png": ("image", "png", "image/png"),
    "gif": ("image", "gif", "image/gif"),
    "webp": ("image", "webp", "image/webp"),
    "bmp": ("image", "bmp", "image/bmp"),
    "docx": ("office", "docx",
             "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": ("office", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pptx": ("office", "pptx",
             "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    "doc": ("office", "doc", "application/msword"),
    "xls": ("office", "xls", "application/vnd.ms-excel"),
}

_OOXML_MAIN = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# OLE directory entry names (UTF-16LE) of the main stream of Word and Excel binaries.
_OLE_STREAMS = {
    "doc": ["WordDocument".encode("utf-16-le")],
    "xls": ["Workbook".encode("utf-16-le"), b"B\x00o\x00o\x00k\x00\x00\x00"],
}
_KIND_LABELS = {
    "elf": gettext_lazy("Linux 可执行程序"), "exe": gettext_lazy("Windows 可执行程序"),
    "zip": gettext_lazy("ZIP 压缩包"), "ole": gettext_lazy("Office 97-2003 复合文档"),
    "unknown": gettext_lazy("无法识别的内容"),
}
# Archives that may not sit inside an office file (by name, and by the first bytes of an entry).
_ARCHIVE_SUFFIXES = (".zip", ".rar", ".7z", ".gz", ".tgz", ".tar", ".bz2", ".xz", ".cab", ".arj",
                     ".lzh", ".z", ".zst", ".jar")
_ARCHIVE_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"Rar!\x1a\x07", b"7z\xbc\xaf\x27\x1c",
                  b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00", b"MSCF", b"\x28\xb5\x2f\xfd")
# Office documents embedded in an office file (a chart's workbook in a .docx) are themselves zip
# files: they are allowed, checked with the same rules and counted in the same budget, this deep.
_OOXML_SUFFIXES = (".docx", ".xlsx", ".pptx", ".docm", ".xlsm", ".pptm")
_MAX_EMBED_DEPTH = 2
# Below this unpacked total the compression ratio is not judged (small files compress oddly).
_RATIO_FLOOR_BYTES = 1024 * 1024
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')


@dataclass(frozen=True)
class ValidatedUpload:
    """What validate_upload learned about a file."""

    safe_name: str
    extension: str
    category: str
    mime_type: str
    size: int


def safe_filename(name: str) -> str:
    """Return a display name without directories, control or reserved characters."""
    name = unicodedata.normalize("NFC", os.path.basename((name or "").replace("\\", "/")))
    name = _UNSAFE.sub("_", name).strip(" .")
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 200 - len(ext) - 1] + "." + ext) if dot and len(ext) <= 10 else name[:200]
    return name or "file"


def _read_head(file, n: int = 8192) -> bytes:
    file.seek(0)
    head = file.read(n)
    file.seek(0)
    return head


def _contains(file, needles: list[bytes]) -> bool:
    """Return whether any needle occurs in the file, scanning in overlapping chunks."""
    file.seek(0)
    tail = b""
    overlap = max(len(x) for x in needles)
    try:
        while chunk := file.read(1 << 20):
            buf = tail + chunk
            if any(x in buf for x in needles):
                return True
            tail = buf[-overlap:]
        return False
    finally:
        file.seek(0)


def _detect(file, head: bytes) -> str:
    """Return the content kind found in the file: pdf, jpeg, png, docx, doc, elf, … or unknown."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(_OLE_MAGIC):
        for kind, needles in _OLE_STREAMS.items():
            if _contains(file, needles):
                return kind
        return "ole"
    if head.startswith(b"PK\x03\x04"):
        try:
            file.seek(0)
            with zipfile.ZipFile(file) as zf:
                types = zf.read("[Content_Types].xml").decode("utf-8", "replace")
        except (zipfile.BadZipFile, KeyError, OSError, ValueError):
            return "zip"
        finally:
            file.seek(0)
        for kind, main in _OOXML_MAIN.items():
            if main in types:
                return kind
        return "zip"
    guess = filetype.guess(head)
    if guess is None:
        return "unknown"
    return {"jpg": "jpeg", "jpx": "jpeg2000"}.get(guess.extension, guess.extension)


class _Budget:
    """What the entries of one office file (embedded office files included) add up to."""

    def __init__(self):
        self.entries = settings.UPLOAD_ARCHIVE_MAX_ENTRIES
        self.unpacked = 0


def check_office_archive(file, name: str, size: int | None = None) -> None:
    """Refuse a zip-based office file that unpacks too far or carries archives inside.

    validate_upload calls it for every .docx/.xlsx/.pptx; code that opens a zip-based office
    file it did not get through validate_upload (the registry's Excel import) calls it first.

    Sizes come from the zip's central directory, checked before anything is unpacked; then every
    entry is unpacked once to the end (zipfile never yields more than an entry declares, and an
    entry that declares less than it holds fails its CRC), bounded by the limits just checked.
    """
    if size is None:
        file.seek(0, os.SEEK_END)
        size = file.tell()
        file.seek(0)
    budget = _Budget()
    try:
        file.seek(0)
        with zipfile.ZipFile(file) as zf:
            _check_zip(zf, name, budget, depth=0)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError,
            RuntimeError, ValueError, OSError) as exc:
        raise ValidationError(_("文件已损坏，无法完整读取：%(name)s。") % {"name": name},
                              code="corrupt") from exc
    finally:
        file.seek(0)
    limit = settings.UPLOAD_ARCHIVE_MAX_RATIO
    if budget.unpacked > _RATIO_FLOOR_BYTES and budget.unpacked > limit * size:
        raise ValidationError(
            _("文件压缩比异常：%(name)s 解压后是原文件的 %(ratio)s 倍，超过 %(limit)s 倍上限，"
              "疑似压缩炸弹。") % {"name": name, "ratio": budget.unpacked // size, "limit": limit},
            code="archive_ratio",
        )


def _check_zip(zf: zipfile.ZipFile, name: str, budget: _Budget, depth: int) -> None:
    infos = zf.infolist()
    budget.entries -= len(infos)
    if budget.entries < 0:
        limit = settings.UPLOAD_ARCHIVE_MAX_ENTRIES
        raise ValidationError(
            _("文件内部条目过多：%(name)s 超过 %(limit)s 个条目的上限。")
            % {"name": name, "limit": limit},
            code="archive_entries",
        )
    declared = sum(info.file_size for info in infos)
    budget.unpacked += declared
    if budget.unpacked > settings.UPLOAD_ARCHIVE_MAX_BYTES:
        raise ValidationError(
            _("文件解压后过大：%(name)s 解压后超过 %(limit)s MB上限，疑似压缩炸弹。")
            % {"name": name, "limit": _mb(settings.UPLOAD_ARCHIVE_MAX_BYTES)},
            code="archive_too_large",
        )
    for info in infos:
        if info.is_dir():
            continue
        entry = info.filename
        lower = entry.lower()
        with zf.open(info) as stream:
            head = stream.read(8)
            if (lower.endswith(_OOXML_SUFFIXES) and head.startswith(b"PK\x03\x04")
                    and depth < _MAX_EMBED_DEPTH):
                with zipfile.ZipFile(io.BytesIO(head + stream.read())) as embedded:
                    _check_zip(embedded, name, budget, depth + 1)
                continue
            if (lower.endswith(_ARCHIVE_SUFFIXES)
                    or any(head.startswith(magic) for magic in _ARCHIVE_MAGIC)):
                raise ValidationError(
                    _("文件中含有压缩包：%(name)s 内的 %(entry)s 是压缩文件，不接受嵌套的压缩包，"
                      "请直接上传其中的文件。") % {"name": name, "entry": safe_filename(entry)},
                    code="archive_nested",
                )
            while stream.read(1 << 20):
                pass


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f}".rstrip("0").rstrip(".")


def validate_upload(file, *, allowed=("pdf", "image", "office"), max_bytes=None) -> ValidatedUpload:
    """Check size, extension and content of an uploaded file; raise ValidationError if unfit."""
    limit = max_bytes if max_bytes is not None else settings.UPLOAD_MAX_BYTES
    name = safe_filename(getattr(file, "name", "") or "")
    size = file.size if getattr(file, "size", None) is not None else len(_read_head(file, limit + 1))
    if size == 0:
        raise ValidationError(_("文件为空：%(name)s") % {"name": name}, code="empty")
    if size > limit:
        raise ValidationError(
            _("文件过大：%(name)s 为 %(size)s MB，超过 %(limit)s MB上限。")
            % {"name": name, "size": _mb(size), "limit": _mb(limit)},
            code="too_large",
        )
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    permitted = sorted(e for e, (cat, _k, _m) in EXTENSIONS.items() if cat in allowed)
    if ext not in permitted:
        raise ValidationError(
            _("不支持的文件类型：%(name)s。允许的类型：%(exts)s。")
            % {"name": name, "exts": "、".join(permitted)},
            code="extension",
        )
    category, expected, mime = EXTENSIONS[ext]
    found = _detect(file, _read_head(file))
    if found != expected:
        raise ValidationError(
            _("文件内容与扩展名不符：%(name)s 的扩展名是 .%(ext)s，但内容是%(found)s。")
            % {"name": name, "ext": ext, "found": _KIND_LABELS.get(found, found.upper())},
            code="mismatch",
        )
    if found in _OOXML_MAIN:
        check_office_archive(file, name, size)
    return ValidatedUpload(safe_name=name, extension=ext, category=category, mime_type=mime,
                           size=size)
