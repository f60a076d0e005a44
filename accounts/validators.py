"""Validators for Chinese identifiers (GB 32100-2015 credit codes, GB 11643-1999 ID numbers)."""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = [pow(3, i, 31) for i in range(17)]

RESIDENT_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
RESIDENT_ID_CHECK_CHARS = "10X98765432"
# GB/T 2260 province-level prefixes (first two digits of an area code).
PROVINCE_PREFIXES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 "
    "61 62 63 64 65 71 81 82".split()
)


def normalize_credit_code(value: str | None) -> str:
    """Return the credit code stripped and upper-cased, as it is stored."""
    return (value or "").strip().upper()


def credit_code_check_char(first17: str) -> str:
    """Return the GB 32100 check character for exactly 17 leading characters of a credit code."""
    total = sum(CREDIT_CODE_CHARSET.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    """Raise ValidationError unless value is a well-formed 统一社会信用代码 with a valid check digit.

    A wrong check character raises with code ``credit_code_check``: that is the only error an
    audited administrator override may accept (accounts.services.organizations).
    """
    if value in (None, ""):
        return
    code = normalize_credit_code(value)
    if len(code) != 18:
        raise ValidationError(
            _("统一社会信用代码应为18位，当前为%(n)d位。"), code="credit_code_length",
            params={"n": len(code)},
        )
    bad = [c for c in code if c not in CREDIT_CODE_CHARSET]
    if bad:
        raise ValidationError(
            _("统一社会信用代码含有非法字符“%(c)s”（不使用 I、O、S、V、Z）。"),
            code="credit_code_charset", params={"c": bad[0]},
        )
    if not code[2:8].isdigit():
        raise ValidationError(
            _("统一社会信用代码第3–8位应为行政区划代码（6位数字）。"), code="credit_code_area"
        )
    expected = credit_code_check_char(code[:17])
    if code[17] != expected:
        raise ValidationError(
            _("统一社会信用代码校验位错误：第18位应为“%(e)s”，请核对后重新输入。"),
            code="credit_code_check", params={"e": expected},
        )


def resident_id_check_char(first17: str) -> str:
    """Return the GB 11643 check character for the first 17 digits of a resident ID number."""
    total = sum(int(c) * w for c, w in zip(first17, RESIDENT_ID_WEIGHTS, strict=True))
    return RESIDENT_ID_CHECK_CHARS[total % 11]


def validate_resident_id(value: str) -> None:
    """Raise ValidationError unless value is a well-formed 18-digit 居民身份证号码."""
    if value in (None, ""):
        return
    code = value.strip().upper()
    if len(code) != 18:
        raise ValidationError(
            _("居民身份证号码应为18位，当前为%(n)d位。"), code="resident_id_length",
            params={"n": len(code)},
        )
    body = code[:17]
    if not (body.isascii() and body.isdigit()) or code[17] not in "0123456789X":
        raise ValidationError(
            _("居民身份证号码前17位应为数字，第18位应为数字或字母X。"), code="resident_id_charset"
        )
    if code[:2] not in PROVINCE_PREFIXES or code[2:6] == "0000":
        raise ValidationError(
            _("居民身份证号码前6位不是有效的行政区划代码。"), code="resident_id_area"
        )
    try:
        birth = datetime.date(int(code[6:10]), int(code[10:12]), int(code[12:14]))
    except ValueError:
        birth = None
    if birth is None or birth.year < 1900 or birth > timezone.localdate():
        raise ValidationError(
            _("居民身份证号码第7–14位不是有效的出生日期。"), code="resident_id_birth_date"
        )
    expected = resident_id_check_char(body)
    if code[17] != expected:
        raise ValidationError(
            _("居民身份证号码校验位错误：第18位应为“%(e)s”，请核对后重新输入。"),
            code="resident_id_check", params={"e": expected},
        )


def mask_resident_id(value: str | None) -> str:
    """Return the ID number with its birth date and sequence hidden, for display (PIPL)."""
    code = (value or "").strip().upper()
    if not code:
        return ""
    if len(code) == 18:
        # Keep the area code and the check character; hide birth date and sequence (gender).
        return f"{code[:6]}{'*' * 11}{code[17]}"
    if len(code) <= 2:
        return "*" * len(code)
    return f"{code[0]}{'*' * (len(code) - 2)}{code[-1]}"
