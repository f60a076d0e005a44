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
