"""Validators for Chinese identifiers (GB 32100-2015 credit codes, GB 11643-1999 ID numbers)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = [pow(3, i, 31) for i in range(17)]


def credit_code_check_char(first17: str) -> str:
    """Return the GB 32100 check character for the first 17 characters of a credit code."""
    total = sum(CREDIT_CODE_CHARSET.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS))
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    """Raise ValidationError unless value is a well-formed 统一社会信用代码 with a valid check digit."""
    if value in (None, ""):
        return
    code = value.strip().upper()
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
