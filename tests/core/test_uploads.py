import hashlib
import io
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfWriter

from core.files import stored_file_create
from core.models import AuditEntry, StoredFile
from core.uploads import safe_filename, validate_upload

ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 300
PE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 52 + b"\x80\x00\x00\x00" + b"\x00" * 64 + b"PE\x00\x00" + b"\x00" * 300
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64


def small_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def ooxml(main: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml",
                    '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/'
                    f'2006/content-types"><Override PartName="/x.xml" ContentType="{main}"/></Types>')
        zf.writestr("x.xml", "<x/>")
    return buf.getvalue()


DOCX = ooxml("application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml")
XLSX = ooxml("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml")
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
DOC = OLE + "WordDocument".encode("utf-16-le") + b"\x00" * 100
XLS = OLE + "Workbook".encode("utf-16-le") + b"\x00" * 100


def upload(name, data):
    return SimpleUploadedFile(name, data)


class TestValidateUpload:
    @pytest.mark.parametrize("payload", [ELF, PE], ids=["elf", "pe"])
    def test_executable_renamed_pdf_is_rejected(self, payload):
        with pytest.raises(ValidationError) as exc:
            validate_upload(upload("投标文件.pdf", payload))
        message = exc.value.messages[0]
        assert message.startswith("文件内容与扩展名不符：")
        assert "投标文件.pdf" in message
        assert "可执行程序" in message

    def test_small_pdf_accepted(self):
        info = validate_upload(upload("营业执照.PDF", small_pdf()))
        assert (info.extension, info.category, info.mime_type) == ("pdf", "pdf", "application/pdf")
        assert info.safe_name == "营业执照.PDF"

    def test_oversized_rejected_by_setting(self, settings):
        settings.UPLOAD_MAX_BYTES = 1024 * 1024
        data = small_pdf() + b"\x00" * (1024 * 1024)
        with pytest.raises(ValidationError) as exc:
            validate_upload(upload("big.pdf", data))
        assert exc.value.messages[0].startswith("文件过大：")
        assert "超过 1 MB上限" in exc.value.messages[0]

    def test_oversized_rejected_by_argument(self):
        with pytest.raises(ValidationError, match="文件过大"):
            validate_upload(upload("a.png", PNG), max_bytes=10)

    def test_empty_rejected(self):
        with pytest.raises(ValidationError, match="文件为空"):
            validate_upload(upload("a.pdf", b""))

    @pytest.mark.parametrize("name,data,ext", [
        ("方案.docx", DOCX, "docx"), ("预算.xlsx", XLSX, "xlsx"), ("旧.doc", DOC, "doc"),
        ("旧表.xls", XLS, "xls"), ("照片.png", PNG, "png"),
    ])
    def test_office_and_image_accepted(self, name, data, ext):
        assert validate_upload(upload(name, data)).extension == ext

    @pytest.mark.parametrize("name,data", [
        ("预算.docx", XLSX), ("plain.docx", ooxml("application/xml")), ("旧.doc", XLS),
        ("a.xls", OLE), ("photo.jpg", PNG), ("scan.pdf", PNG),
    ])
    def test_content_must_match_extension(self, name, data):
        with pytest.raises(ValidationError, match="文件内容与扩展名不符"):
            validate_upload(upload(name, data))

    def test_disallowed_extension(self):
        with pytest.raises(ValidationError, match="不支持的文件类型"):
            validate_upload(upload("setup.exe", PE))

    def test_category_restriction(self):
        with pytest.raises(ValidationError, match="不支持的文件类型"):
            validate_upload(upload("a.pdf", small_pdf()), allowed=("image",))


@pytest.mark.parametrize("raw,clean", [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("C:\\Users\\x\\简历.docx", "简历.docx"),
    ('a<b>:"c"|?.pdf', "a_b___c___.pdf"),
    ("", "file"),
])
def test_safe_filename(raw, clean):
    assert safe_filename(raw) == clean


@pytest.mark.django_db
class TestStoredFiles:
    @pytest.fixture
    def owner(self, make_user):
        return make_user("owner")

    @pytest.fixture
    def stored(self, file_storage, owner):
        return stored_file_create(file=upload("../合同 扫描件.pdf", small_pdf()), owner=owner,
                                  actor=owner)

    def test_stored_under_random_name_with_hash(self, stored, file_storage, owner):
        assert stored.file.name.startswith("uploads/")
        assert "合同" not in stored.file.name
        assert stored.original_name == "合同 扫描件.pdf"
        path = file_storage / stored.file.name
        assert path.is_file()
        data = path.read_bytes()
        assert stored.sha256 == hashlib.sha256(data).hexdigest()
        assert stored.size == len(data)
        assert stored.owner == owner
        assert stored.uploaded_by == owner
        assert AuditEntry.objects.filter(action="file.upload", target_id=str(stored.pk)).exists()

    def test_rejected_upload_stores_nothing(self, file_storage, owner):
        with pytest.raises(ValidationError):
            stored_file_create(file=upload("x.pdf", ELF), owner=owner, actor=owner)
        assert not StoredFile.objects.exists()

    def test_owner_upload_hook_is_asked(self, file_storage, owner, make_user, monkeypatch):
        from core.permissions import deny

        monkeypatch.setattr(get_user_model(), "user_can_upload_file",
                            lambda self, user: deny("已截止"), raising=False)
        with pytest.raises(PermissionDenied):
            stored_file_create(file=upload("a.pdf", small_pdf()), owner=owner, actor=owner)

    def test_stranger_gets_404(self, client, stored, make_user):
        client.force_login(make_user("stranger"))
        assert client.get(reverse("core:file-download", args=[stored.pk])).status_code == 404

    def test_anonymous_gets_404(self, client, stored):
        assert client.get(reverse("core:file-download", args=[stored.pk])).status_code == 404

    def test_missing_id_is_same_404(self, client, make_user):
        client.force_login(make_user("stranger"))
        assert client.get(reverse("core:file-download", args=[999999])).status_code == 404

    def test_superuser_without_hook(self, client, stored, superuser):
        client.force_login(superuser)
        response = client.get(reverse("core:file-download", args=[stored.pk]))
        assert response.status_code == 200
        assert b"".join(response.streaming_content).startswith(b"%PDF-")

    def test_owner_hook_decides(self, client, stored, owner, make_user, monkeypatch):
        allowed = make_user("reviewer")
        monkeypatch.setattr(get_user_model(), "user_can_download_file",
                            lambda self, user: user.pk == allowed.pk, raising=False)
        client.force_login(allowed)
        response = client.get(reverse("core:file-download", args=[stored.pk]))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "attachment" in response["Content-Disposition"]
        content = b"".join(response.streaming_content)
        assert hashlib.sha256(content).hexdigest() == stored.sha256
        client.force_login(owner)  # the hook says no, even to the uploader
        assert client.get(reverse("core:file-download", args=[stored.pk])).status_code == 404


# Office files are zip files: archive bombs and nested archives --------------------------------

DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"


def office_zip(main: str = DOCX_MAIN, entries: dict | None = None, zeros: dict | None = None,
               ) -> bytes:
    """An office file with extra entries (name -> bytes) and zero-filled ones (name -> size),
    deflated: a large zero entry stays a few kilobytes on disk."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml",
                    '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/'
                    f'2006/content-types"><Override PartName="/x.xml" ContentType="{main}"/></Types>')
        zf.writestr("x.xml", "<x/>")
        for name, data in (entries or {}).items():
            zf.writestr(name, data)
        for name, size in (zeros or {}).items():
            with zf.open(name, "w", force_zip64=True) as out:
                chunk = b"\x00" * (1 << 20)
                for start in range(0, size, len(chunk)):
                    out.write(chunk[: size - start])
    return buf.getvalue()


MIB = 1024 * 1024


class TestOfficeArchives:
    def test_a_docx_unpacking_to_200_mib_is_refused(self):
        data = office_zip(zeros={"word/document.xml": 200 * MIB})
        assert len(data) < 1 * MIB  # small on disk
        with pytest.raises(ValidationError) as exc:
            validate_upload(upload("投标文件.docx", data))
        message = exc.value.messages[0]
        assert message.startswith("文件解压后过大：") and "投标文件.docx" in message
        assert "50 MB" in message and "压缩炸弹" in message
        assert exc.value.code == "archive_too_large"

    def test_the_unpacked_limit_is_a_setting(self, settings):
        data = office_zip(zeros={"word/document.xml": 3 * MIB})
        settings.UPLOAD_ARCHIVE_MAX_RATIO = 10_000
        assert validate_upload(upload("a.docx", data)).extension == "docx"
        settings.UPLOAD_ARCHIVE_MAX_BYTES = 2 * MIB
        with pytest.raises(ValidationError, match="文件解压后过大"):
            validate_upload(upload("a.docx", data))

    def test_a_compression_ratio_beyond_the_limit_is_refused(self, settings):
        data = office_zip(zeros={"word/document.xml": 3 * MIB})  # ~1000× on a few KB
        with pytest.raises(ValidationError) as exc:
            validate_upload(upload("a.docx", data))
        assert exc.value.messages[0].startswith("文件压缩比异常：")
        assert "100 倍" in exc.value.messages[0]
        settings.UPLOAD_ARCHIVE_MAX_RATIO = 10_000
        validate_upload(upload("a.docx", data))

    def test_too_many_entries_are_refused(self, settings):
        settings.UPLOAD_ARCHIVE_MAX_ENTRIES = 10
        fits = office_zip(entries={f"word/p{i}.xml": b"<p/>" for i in range(8)})
        validate_upload(upload("a.docx", fits))
        data = office_zip(entries={f"word/p{i}.xml": b"<p/>" for i in range(9)})
        with pytest.raises(ValidationError, match="文件内部条目过多：a.docx 超过 10 个"):
            validate_upload(upload("a.docx", data))

    @pytest.mark.parametrize("entry, payload", [
        ("word/media/附件.zip", b"PK\x03\x04" + b"\x00" * 60),
        ("word/media/data.rar", b"Rar!\x1a\x07\x00" + b"\x00" * 60),
        ("word/media/data.7z", b"7z\xbc\xaf\x27\x1c" + b"\x00" * 60),
        ("word/media/image1.png", b"Rar!\x1a\x07\x01\x00" + b"\x00" * 60),  # renamed archive
        ("word/media/image2.png", b"7z\xbc\xaf\x27\x1c" + b"\x00" * 60),
        ("word/media/image3.png", b"PK\x03\x04" + b"\x00" * 60),
        ("word/media/logs.gz", b"\x1f\x8b\x08" + b"\x00" * 60),
    ])
    def test_an_archive_inside_is_refused(self, entry, payload):
        data = office_zip(entries={entry: payload})
        with pytest.raises(ValidationError) as exc:
            validate_upload(upload("方案.docx", data))
        assert exc.value.messages[0].startswith("文件中含有压缩包：方案.docx 内的 ")
        assert exc.value.code == "archive_nested"

    def test_an_embedded_workbook_is_allowed_and_checked(self, settings):
        """A chart's workbook inside a .docx is a zip file too: allowed, but by the same rules."""
        workbook = office_zip(XLSX_MAIN, entries={"xl/worksheets/sheet1.xml": b"<s/>"})
        data = office_zip(entries={"word/embeddings/Microsoft_Excel_Worksheet.xlsx": workbook})
        assert validate_upload(upload("a.docx", data)).extension == "docx"

        bad = office_zip(XLSX_MAIN, entries={"xl/media/x.7z": b"7z\xbc\xaf\x27\x1c"})
        data = office_zip(entries={"word/embeddings/Microsoft_Excel_Worksheet.xlsx": bad})
        with pytest.raises(ValidationError, match="文件中含有压缩包"):
            validate_upload(upload("a.docx", data))

        settings.UPLOAD_ARCHIVE_MAX_BYTES = 2 * MIB
        settings.UPLOAD_ARCHIVE_MAX_RATIO = 10_000
        big = office_zip(XLSX_MAIN, zeros={"xl/worksheets/sheet1.xml": 3 * MIB})
        data = office_zip(entries={"word/embeddings/Microsoft_Excel_Worksheet.xlsx": big})
        with pytest.raises(ValidationError, match="文件解压后过大"):
            validate_upload(upload("a.docx", data))

    def test_an_entry_holding_more_than_it_declares_is_refused(self):
        data = bytearray(office_zip(zeros={"word/document.xml": 2 * MIB}))
        # The central directory says the entry is 1 KiB; it inflates to 2 MiB.
        name = b"word/document.xml"
        record = data.index(b"PK\x01\x02")
        while data[record + 46: record + 46 + len(name)] != name:
            record = data.index(b"PK\x01\x02", record + 4)
        if data[record + 24: record + 28] == b"\xff\xff\xff\xff":  # zip64: size in the extra
            extra = record + 46 + len(name)
            assert data[extra: extra + 2] == b"\x01\x00"
            data[extra + 4: extra + 12] = (1024).to_bytes(8, "little")
        else:
            data[record + 24: record + 28] = (1024).to_bytes(4, "little")
        assert zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("word/document.xml").file_size == 1024
        with pytest.raises(ValidationError, match="文件已损坏"):
            validate_upload(upload("a.docx", bytes(data)))

    def test_a_real_workbook_passes(self):
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        for row in range(200):
            sheet.append([f"服务对象{row}", row, row * 1.5])
        buf = io.BytesIO()
        book.save(buf)
        assert validate_upload(upload("预算表.xlsx", buf.getvalue())).extension == "xlsx"
