"""Supplier registry (供应商库): ratings, annual inspections, qualifications and 失信 listings.

The only writers of OrganizationRating, AnnualInspection, Qualification and CreditListing. A
platform admin records what the registration authority (民政局) decided and what the credit
search of 财库〔2016〕125号 found; every write is audited. Rows are never deleted: a listing
ends by its period or by ``registry_listing_remove`` (移出名单), so an organization's standing
on any past day can be computed again (accounts.selectors.registry_status_for).

``registry_import`` reads an Excel workbook (openpyxl) with one sheet per kind of record and
writes every row through the same services, all or nothing.
"""

import datetime
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import (
    AnnualInspection,
    CreditListing,
    Organization,
    OrganizationRating,
    Qualification,
)
from accounts.permissions import REGISTRY_RECORD
from core import authz
from core.audit import audit_record
from core.exceptions import ServiceError

# 社会组织评估管理办法 (民政部令第39号) 第二十六条: an assessment grade is valid for 5 years.
RATING_VALID_YEARS = 5
# 政府采购法第二十二条第一款第(五)项: no major violation in the 3 years before taking part.
MAJOR_VIOLATION_YEARS = 3


def _years_after(day: date, years: int) -> date:
    """Return the last day of a period of ``years`` years starting on ``day`` (the day before
    the anniversary; from 29 February, the last day of February)."""
    try:
        later = day.replace(year=day.year + years)
    except ValueError:  # 29 February: the period ends on the last day of February
        later = date(day.year + years, 3, 1)
    return later - datetime.timedelta(days=1)


def _check(instance) -> None:
    try:
        instance.full_clean(exclude=["recorded_by"])
    except ValidationError as error:
        raise ServiceError(
            [message for messages in error.message_dict.values() for message in messages],
            code="invalid") from None


def _save(instance) -> None:
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError:
        raise ServiceError(_("该记录与已登记的记录重复。"), code="duplicate") from None


def _social_org(organization: Organization) -> Organization:
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if organization.kind != Organization.Kind.SOCIAL_ORG:
        raise ServiceError(_("供应商库只登记社会组织。"), code="kind")
    return organization


@transaction.atomic
def registry_rating_record(*, organization, actor, grade: str, rated_on: date,
                           valid_until: date | None = None, assessor: str = "",
                           document_number: str = "") -> OrganizationRating:
    """Record a 社会组织评估等级; valid 5 years from rated_on unless stated (评估管理办法26)."""
    authz.require(actor, REGISTRY_RECORD["rating"])
    organization = _social_org(organization)
    rating = OrganizationRating(
        organization=organization, grade=grade, rated_on=rated_on,
        valid_until=valid_until or _years_after(rated_on, RATING_VALID_YEARS),
        assessor=(assessor or "").strip(), document_number=(document_number or "").strip(),
        recorded_by=actor)
    _check(rating)
    if rating.valid_until < rating.rated_on:
        raise ServiceError(_("有效期至不能早于评定日期。"), code="period")
    _save(rating)
    latest = organization.ratings.order_by("-rated_on", "-id").first()
    before = organization.rating
    if latest.pk == rating.pk and before != rating.grade:
        organization.rating = rating.grade  # the grade shown with the organization
        organization.save(update_fields=["rating"])
    audit_record(actor=actor, action="registry.rating", target=organization,
                 before={"rating": before},
                 after={"grade": rating.grade, "rated_on": rated_on.isoformat(),
                        "valid_until": rating.valid_until.isoformat(),
                        "document_number": rating.document_number})
    return rating


@transaction.atomic
def registry_inspection_record(*, organization, actor, year: int, result: str,
                               concluded_on: date, note: str = "") -> AnnualInspection:
    """Record (or correct) the 年检/年报 result of a year; a correction keeps the before."""
    authz.require(actor, REGISTRY_RECORD["inspection"])
    organization = _social_org(organization)
    inspection = (AnnualInspection.objects.select_for_update()
                  .filter(organization=organization, year=year).first())
    before = None
    if inspection is None:
        inspection = AnnualInspection(organization=organization, year=year, recorded_by=actor)
    else:
        before = {"result": inspection.result, "concluded_on": inspection.concluded_on.isoformat()}
    inspection.result, inspection.concluded_on = result, concluded_on
    inspection.note = (note or "").strip()
    _check(inspection)
    if concluded_on.year < year:
        raise ServiceError(_("年检结论日期不能早于所检年度。"), code="period")
    _save(inspection)
    audit_record(actor=actor, action="registry.inspection", target=organization, before=before,
                 after={"year": year, "result": result, "concluded_on": concluded_on.isoformat()})
    return inspection


@transaction.atomic
def registry_qualification_record(*, organization, actor, kind: str, number: str,
                                  valid_from: date, valid_until: date | None = None,
                                  issuer: str = "") -> Qualification:
    """Record a qualification document with its validity (expired ones stop counting)."""
    authz.require(actor, REGISTRY_RECORD["qualification"])
    organization = _social_org(organization)
    qualification = Qualification(
        organization=organization, kind=kind, number=(number or "").strip(),
        issuer=(issuer or "").strip(), valid_from=valid_from, valid_until=valid_until,
        recorded_by=actor)
    _check(qualification)
    if valid_until is not None and valid_until < valid_from:
        raise ServiceError(_("有效期至不能早于生效日期。"), code="period")
    _save(qualification)
    audit_record(actor=actor, action="registry.qualification", target=organization,
                 after={"kind": kind, "number": qualification.number,
                        "valid_from": valid_from.isoformat(),
                        "valid_until": valid_until.isoformat() if valid_until else None})
    return qualification


@transaction.atomic
def registry_qualification_revoke(*, qualification, actor, revoked_on: date) -> Qualification:
    """Record that a qualification was cancelled or revoked on a day."""
    authz.require(actor, REGISTRY_RECORD["qualification"])
    qualification = Qualification.objects.select_for_update().get(pk=qualification.pk)
    if qualification.revoked_on is not None:
        raise ServiceError(_("该资质已登记注销。"), code="state")
    qualification.revoked_on = revoked_on
    qualification.save(update_fields=["revoked_on"])
    audit_record(actor=actor, action="registry.qualification_revoke",
                 target=qualification.organization, before={"number": qualification.number},
                 after={"revoked_on": revoked_on.isoformat()})
    return qualification


@transaction.atomic
def registry_listing_record(*, organization, actor, kind: str, source: str, decision: str,
                            listed_on: date, queried_on: date, excluded_from: date | None = None,
                            excluded_until: date | None = None) -> CreditListing:
    """Record a 失信 listing found by the credit search, with its period of exclusion.

    The exclusion starts on the listing day unless stated. A 重大违法记录 without a stated end
    excludes for 3 years (政府采购法第二十二条(五)); a ban with a period ends with it (条例19
    第二款); 失信被执行人 and others without an end exclude until removed (财库〔2016〕125号).
    """
    authz.require(actor, REGISTRY_RECORD["listing"])
    organization = _social_org(organization)
    excluded_from = excluded_from or listed_on
    if excluded_until is None and kind == CreditListing.Kind.MAJOR_VIOLATION:
        excluded_until = _years_after(listed_on, MAJOR_VIOLATION_YEARS)
    listing = CreditListing(
        organization=organization, kind=kind, source=source, decision=(decision or "").strip(),
        listed_on=listed_on, excluded_from=excluded_from, excluded_until=excluded_until,
        queried_on=queried_on, recorded_by=actor)
    _check(listing)
    if excluded_until is not None and excluded_until < excluded_from:
        raise ServiceError(_("禁止期截止日不能早于起始日。"), code="period")
    _save(listing)
    audit_record(actor=actor, action="registry.listing", target=organization,
                 after={"kind": kind, "source": source, "decision": listing.decision,
                        "listed_on": listed_on.isoformat(),
                        "excluded_from": excluded_from.isoformat(),
                        "excluded_until": excluded_until.isoformat() if excluded_until else None,
                        "queried_on": queried_on.isoformat()})
    return listing


@transaction.atomic
def registry_listing_remove(*, listing, actor, removed_on: date) -> CreditListing:
    """Record that the organization was removed from the list (移出名单) on a day."""
    authz.require(actor, REGISTRY_RECORD["listing"])
    listing = CreditListing.objects.select_for_update().get(pk=listing.pk)
    if listing.removed_on is not None:
        raise ServiceError(_("该记录已登记移出名单。"), code="state")
    if removed_on < listing.listed_on:
        raise ServiceError(_("移出日期不能早于列入日期。"), code="period")
    listing.removed_on = removed_on
    listing.save(update_fields=["removed_on"])
    audit_record(actor=actor, action="registry.listing_remove", target=listing.organization,
                 before={"listing": listing.pk}, after={"removed_on": removed_on.isoformat()})
    return listing


# Excel import ----------------------------------------------------------------------------------

# Sheet name → (service, columns). The first column of every sheet is the organization's
# 统一社会信用代码; the header row names the columns (any order) as below.
IMPORT_SHEETS = {
    "评估等级": (registry_rating_record,
             {"统一社会信用代码": "credit_code", "评估等级": "grade", "评定日期": "rated_on",
              "有效期至": "valid_until", "评估机关": "assessor", "文号": "document_number"}),
    "年检": (registry_inspection_record,
           {"统一社会信用代码": "credit_code", "年度": "year", "结论": "result",
            "结论日期": "concluded_on", "备注": "note"}),
    "资质": (registry_qualification_record,
           {"统一社会信用代码": "credit_code", "资质类别": "kind", "证书编号": "number",
            "发证机关": "issuer", "生效日期": "valid_from", "有效期至": "valid_until"}),
    "失信名单": (registry_listing_record,
             {"统一社会信用代码": "credit_code", "名单类别": "kind", "来源": "source",
              "决定": "decision", "列入日期": "listed_on", "禁止起始日": "excluded_from",
              "禁止截止日": "excluded_until", "查询日期": "queried_on"}),
}
DATE_FIELDS = {"rated_on", "valid_until", "concluded_on", "valid_from", "listed_on",
               "excluded_from", "excluded_until", "queried_on"}
# Cells may hold the label shown on the pages (合格, 失信被执行人 …) or the stored value.
CHOICE_FIELDS = {
    "grade": OrganizationRating.Grade, "result": AnnualInspection.Result,
    "kind": None,  # per sheet below
    "source": CreditListing.Source,
}
SHEET_KINDS = {"资质": Qualification.Kind, "失信名单": CreditListing.Kind}


def _cell_date(value) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip().replace("/", "-"))
    except ValueError:
        raise ValueError(_("日期“%(v)s”格式应为 2026-03-01。") % {"v": value}) from None


def _cell_choice(value, choices) -> str:
    text = str(value or "").strip()
    for stored, label in choices.choices:
        if text in (stored, str(label)):
            return stored
    raise ValueError(_("“%(v)s”不是有效的选项。") % {"v": text})


def _row_arguments(sheet: str, header: list, row: tuple) -> tuple[str, dict]:
    columns = IMPORT_SHEETS[sheet][1]
    values = {columns[name]: value for name, value in zip(header, row, strict=False)
              if name in columns}
    credit_code = str(values.pop("credit_code", "") or "").strip().upper()
    arguments = {}
    for key, value in values.items():
        if key in DATE_FIELDS:
            arguments[key] = _cell_date(value)
        elif key == "kind":
            arguments[key] = _cell_choice(value, SHEET_KINDS[sheet])
        elif key in CHOICE_FIELDS:
            arguments[key] = _cell_choice(value, CHOICE_FIELDS[key])
        elif key == "year":
            arguments[key] = int(value)
        else:
            arguments[key] = "" if value is None else str(value).strip()
    return credit_code, {k: v for k, v in arguments.items() if v is not None}


def _refuse_archive_bomb(workbook_file) -> None:
    """An .xlsx is a zip file: refuse one that unpacks too far or holds archives before openpyxl
    reads it (core.uploads.check_office_archive); a file that is no zip is left to openpyxl."""
    from django.core.exceptions import ValidationError

    from core.uploads import check_office_archive, safe_filename

    workbook_file.seek(0)
    is_zip = workbook_file.read(4) == b"PK\x03\x04"
    workbook_file.seek(0)
    if not is_zip:
        return
    try:
        check_office_archive(workbook_file, safe_filename(getattr(workbook_file, "name", "")))
    except ValidationError as exc:
        raise ServiceError(exc.messages[0], code="file") from None


@transaction.atomic
def registry_import(*, workbook_file, actor, dry_run: bool = False) -> dict:
    """Import registry records from an Excel workbook, all or nothing; return counts per sheet.

    Each row goes through the service of its sheet (audited as one record). Any error refuses
    the whole file with the sheet and row of each error; with ``dry_run`` nothing is kept.
    """
    from openpyxl import load_workbook

    for permission in REGISTRY_RECORD.values():
        authz.require(actor, permission)
    _refuse_archive_bomb(workbook_file)
    try:
        workbook = load_workbook(workbook_file, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a file that is not xlsx
        raise ServiceError(_("无法读取该文件，请上传 Excel（.xlsx）文件。"), code="file") from None
    sheets = [name for name in workbook.sheetnames if name in IMPORT_SHEETS]
    if not sheets:
        raise ServiceError(_("文件中没有可导入的工作表（%(names)s）。")
                           % {"names": "、".join(IMPORT_SHEETS)}, code="file")
    organizations = {o.credit_code: o for o in Organization.objects.exclude(credit_code="")}
    counts, errors = {}, []
    for sheet in sheets:
        service = IMPORT_SHEETS[sheet][0]
        rows = workbook[sheet].iter_rows(values_only=True)
        header = [str(c or "").strip() for c in next(rows, ())]
        counts[sheet] = 0
        for number, row in enumerate(rows, start=2):
            if not any(cell not in (None, "") for cell in row):
                continue
            try:
                credit_code, arguments = _row_arguments(sheet, header, row)
                organization = organizations.get(credit_code)
                if organization is None:
                    raise ValueError(_("未找到统一社会信用代码为“%(code)s”的机构。")
                                     % {"code": credit_code})
                with transaction.atomic():
                    service(organization=organization, actor=actor, **arguments)
            except (ValueError, TypeError) as error:
                errors.append(_("%(sheet)s 第%(row)d行：%(error)s")
                              % {"sheet": sheet, "row": number, "error": error})
            except ServiceError as error:
                errors += [_("%(sheet)s 第%(row)d行：%(error)s")
                           % {"sheet": sheet, "row": number, "error": message}
                           for message in error.messages]
            else:
                counts[sheet] += 1
    if errors:
        raise ServiceError(errors[:50], code="import")
    if dry_run:
        transaction.set_rollback(True)
    else:
        audit_record(actor=actor, action="registry.import", target=None,
                     after={"counts": counts})
    return counts
