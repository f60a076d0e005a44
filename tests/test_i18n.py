"""English translations: the committed catalog is complete, and users who chose English get it.

The catalog check reads the committed locale/en/LC_MESSAGES/django.po (the real check: every
entry translated, none fuzzy, placeholders kept) and the committed .mo next to it (compiled from
that .po). After adding user-facing strings, run scripts/i18n-update, translate the new entries
and commit both files.
"""

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from office.formsets import formset_data
from procurement.services.bids import bid_submit
from tests.worlds import PAGE_WORLD, bid_files, rows_at_stage, world_build

LOCALE_DIR = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
PO_PATH = LOCALE_DIR / "django.po"
MO_PATH = LOCALE_DIR / "django.mo"

_FIELD_RE = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) "(.*)"$')
_PLACEHOLDER_RE = re.compile(r"%\([A-Za-z_][A-Za-z0-9_]*\)[sdif]|%[sdif]|%%|\{[A-Za-z0-9_]*\}")
_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def _unescape(text: str) -> str:
    return re.sub(r'\\(.)', lambda m: _ESCAPES.get(m.group(1), m.group(0)), text)


def parse_po(text: str) -> list[dict]:
    """Return the entries of a .po file: fields (unescaped strings), flags and line number."""
    entries = []
    for block_start, block in _blocks(text):
        entry = {"line": block_start, "flags": set(), "fields": {}}
        current = None
        for line in block:
            if line.startswith("#,"):
                entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith("#"):
                continue
            elif line.startswith('"') and current is not None:
                entry["fields"][current] += _unescape(line.strip()[1:-1])
            else:
                match = _FIELD_RE.match(line)
                assert match, f"django.po line {block_start}: cannot parse {line!r}"
                current = match.group(1)
                entry["fields"][current] = _unescape(match.group(2))
        if entry["fields"]:
            entries.append(entry)
    return entries


def _blocks(text: str):
    block, start = [], 1
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            if not block:
                start = number
            block.append(line.strip())
        elif block:
            yield start, block
            block = []
    if block:
        yield start, block


def _messages() -> list[dict]:
    """Entries with a msgid (the header entry has an empty msgid)."""
    return [e for e in parse_po(PO_PATH.read_text(encoding="utf-8")) if e["fields"].get("msgid")]


def _msgstrs(entry) -> dict:
    return {key: value for key, value in entry["fields"].items() if key.startswith("msgstr")}


def _label(entry) -> str:
    return f"line {entry['line']}: {entry['fields']['msgid']!r}"


def _placeholders(text: str) -> list[str]:
    return sorted(_PLACEHOLDER_RE.findall(text))


# --- the committed catalog -------------------------------------------------------------------

def test_parser_reads_multiline_plural_and_fuzzy_entries():
    entries = parse_po(
        'msgid ""\nmsgstr ""\n"Language: en\\n"\n\n'
        '#, fuzzy, python-format\nmsgid "第%(n)d行"\nmsgstr "Line %(n)d"\n\n'
        'msgid ""\n"甲"\n"乙"\nmsgid_plural "丙"\nmsgstr[0] "one \\"q\\""\nmsgstr[1] ""\n'
    )
    assert entries[1]["flags"] == {"fuzzy", "python-format"}
    assert entries[2]["fields"] == {"msgid": "甲乙", "msgid_plural": "丙",
                                    "msgstr[0]": 'one "q"', "msgstr[1]": ""}


def test_catalog_covers_the_whole_platform():
    """The catalog was extracted from every app and the templates, not just one app."""
    text = PO_PATH.read_text(encoding="utf-8")
    for source in ("accounts/", "procurement/", "evaluation/", "finance/", "delivery/",
                   "workflows/", "templates/"):
        assert f"#: {source}" in text, f"no strings from {source} in django.po"
    assert len(_messages()) > 500


def test_every_entry_is_translated_and_none_is_fuzzy():
    untranslated = [_label(e) for e in _messages()
                    if any(not value.strip() for value in _msgstrs(e).values())]
    fuzzy = [_label(e) for e in _messages() if "fuzzy" in e["flags"]]
    assert not untranslated, "untranslated (run scripts/i18n-update, then translate):\n" + "\n".join(
        untranslated)
    assert not fuzzy, "fuzzy (check the translation, then remove the flag):\n" + "\n".join(fuzzy)


def test_translations_are_english_not_copies_of_the_chinese():
    cjk = re.compile(r"[\u4e00-\u9fff]")
    left_in_chinese = [_label(e) for e in _messages()
                       if any(cjk.search(value) for value in _msgstrs(e).values())]
    assert not left_in_chinese


def test_placeholders_are_preserved():
    wrong = []
    for entry in _messages():
        fields = entry["fields"]
        for key, value in _msgstrs(entry).items():
            source = fields["msgid"] if key in ("msgstr", "msgstr[0]") else fields.get(
                "msgid_plural", fields["msgid"])
            if _placeholders(value) != _placeholders(source):
                wrong.append(f"{_label(entry)} {key}: {_placeholders(source)} != {_placeholders(value)}")
    assert not wrong, "\n".join(wrong)


def test_compiled_catalog_matches_the_po_file():
    """django.mo was compiled from the committed django.po (scripts/i18n-update does it)."""
    with MO_PATH.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for entry in _messages():
        fields = entry["fields"]
        if "msgctxt" in fields:
            got = compiled.pgettext(fields["msgctxt"], fields["msgid"])
            want = fields["msgstr"]
        elif "msgid_plural" in fields:
            got = compiled.ngettext(fields["msgid"], fields["msgid_plural"], 1)
            want = fields["msgstr[0]"]
        else:
            got = compiled.gettext(fields["msgid"])
            want = fields["msgstr"]
        if got != want:
            stale.append(_label(entry))
    assert not stale, "django.mo is stale; run scripts/i18n-update:\n" + "\n".join(stale)


# --- pages answer in the user's language ------------------------------------------------------

@pytest.fixture
def world(db):
    return world_build(**PAGE_WORLD)


def _client(user, language) -> Client:
    user.language = language
    user.save(update_fields=["language"])
    client = Client()
    client.force_login(user)
    return client


def _errors(response) -> str:
    return " | ".join(re.findall(r'<ul class="errorlist[^"]*">(.*?)</ul>', response.content.decode(),
                                 re.S))


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "expected", "absent"), [
    ("en", ["Submit a residents&#x27; need", "This field is required."], ["提交居民需求"]),
    ("zh-hans", ["提交居民需求", "该字段是必填项。"], ["Submit a residents", "This field is required."]),
])
def test_need_submit_page_empty_post(world, language, expected, absent):
    response = _client(world.resident, language).post(reverse("workflows:need_submit"), {})
    assert response.status_code == 200
    html = response.content.decode()
    for text in expected:
        assert text in html
    for text in absent:
        assert text not in html


def _design_post(world, **changes):
    data = {
        "community": world.community_org.pk, "purchaser": world.purchaser_org.pk, "title": "居家养老服务项目",
        "category": "elderly", "objectives": "提升独居老人生活质量", "target_groups": "独居老人",
        "fiscal_year": str(world.envelope.fiscal_year), "funding_source": "fiscal",
        "duration_months": "12",
        **formset_data("deliverables", [{"activity_type": "case", "description": "个案服务",
                                         "quantity": 10, "unit": "个", "unit_price": 300}]),
        **formset_data("indicators", [{"category": "output", "name": "个案服务数", "target": 10}]),
        **formset_data("budget_lines", [{"category": "personnel", "amount": 3000}]),
    }
    return {**data, **changes}


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "service_error", "line_error"), [
    ("en", "The service period may not exceed 12 months", "Row 2, Amount (yuan): Enter a number."),
    ("zh-hans", "服务周期不得超过12个月", "第2行 金额（元）：输入一个数字。"),
])
def test_project_design_page_service_error_and_line_error(world, language, service_error, line_error):
    client = _client(world.community, language)
    url = reverse("workflows:project_design")
    # 24 months without a secured multi-year budget: the form accepts it, project_create refuses.
    response = client.post(url, _design_post(world, duration_months="24"))
    assert response.status_code == 200
    assert service_error in response.content.decode(), _errors(response)
    # A budget row without a number: the message names the row and the column.
    response = client.post(url, _design_post(world, **formset_data("budget_lines", [
        {"category": "personnel", "amount": 3000}, {"category": "management", "amount": "x"}])))
    assert response.status_code == 200
    assert line_error in response.content.decode(), _errors(response)


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "min_price", "already_bid"), [
    ("en", "The bid price must be greater than 0.",
     "Your organization has already submitted a bid; withdraw it first to change it."),
    ("zh-hans", "投标报价必须大于0。", "本机构已递交投标文件；如需修改请先撤回。"),
])
def test_bid_form_validation_and_service_error(world, language, min_price, already_bid):
    [project] = rows_at_stage(world, 1, stage="published")
    tender = project.current_tender
    staff = world.supplier_staff[0]
    client = _client(staff, language)
    url = reverse("procurement:bid-submit", args=[tender.pk])
    post = {"organization": world.suppliers[0].pk, "price": "0", "proposal": "服务方案"}
    response = client.post(url, post)
    assert response.status_code == 200
    assert min_price in response.content.decode(), _errors(response)

    if not tender.bids.filter(organization=world.suppliers[0]).exists():
        bid_submit(files=bid_files(), tender=tender, actor=staff, organization=world.suppliers[0], price="90000.00",
                   proposal="第一次递交")
    response = client.post(url, {**post, "price": "80000.00", "files": bid_files()})
    assert response.status_code == 200
    assert already_bid in response.content.decode(), _errors(response)


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "detail"), [
    ("en", "Procurement project not found."),
    ("zh-hans", "未找到该采购项目。"),
])
def test_api_error_in_the_users_language(world, language, detail):
    client = _client(world.supplier_staff[0], language)
    response = client.get(reverse("procurement-api:tender-bids", args=[999999]))
    assert response.status_code == 404
    assert response.json()["detail"] == detail
