import datetime
import random

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from accounts.validators import (
    credit_code_check_char,
    mask_resident_id,
    validate_credit_code,
    validate_resident_id,
)

# Written out independently of accounts.validators so a wrong constant there is caught.
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
ID_CHECK = "10X98765432"
AREAS = ["340400", "340402", "340403", "340421", "340422", "110101", "310104", "650102"]


def cc_check(body17: str) -> str:
    total = sum(CHARSET.index(c) * w for c, w in zip(body17, CC_WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def id_check(body17: str) -> str:
    return ID_CHECK[sum(int(c) * w for c, w in zip(body17, ID_WEIGHTS, strict=True)) % 11]


def random_credit_codes(rng, n):
    for _ in range(n):
        body = (
            rng.choice("159Y") + rng.choice("123")  # registration authority + category
            + rng.choice(AREAS)
            + "".join(rng.choice(CHARSET) for _ in range(9))
        )
        yield body + cc_check(body)


def random_resident_ids(rng, n):
    for _ in range(n):
        birth = datetime.date(1930, 1, 1) + datetime.timedelta(days=rng.randrange(0, 33000))
        body = rng.choice(AREAS) + birth.strftime("%Y%m%d") + f"{rng.randrange(1000):03d}"
        yield body + id_check(body)


def messages(exc: pytest.ExceptionInfo) -> str:
    return " ".join(exc.value.messages)


# --- credit codes (GB 32100) ---------------------------------------------------------------


def test_weights_match_rules():
    from accounts.validators import CREDIT_CODE_CHARSET, CREDIT_CODE_WEIGHTS

    assert CREDIT_CODE_WEIGHTS == CC_WEIGHTS
    assert CREDIT_CODE_CHARSET == CHARSET


def test_worked_example_from_rules_has_check_l():
    code = "9135052155323005XL"
    total = sum(CHARSET.index(c) * w for c, w in zip(code[:17], CC_WEIGHTS, strict=True))
    assert total == 1685
    assert total % 31 == 11
    assert credit_code_check_char(code[:17]) == "L"
    validate_credit_code(code)
    validate_credit_code(code.lower())  # normalized before checking


def test_random_computed_credit_codes_accepted_and_every_substitution_rejected():
    rng = random.Random(20260)
    for code in random_credit_codes(rng, 40):
        validate_credit_code(code)
        for pos in range(18):
            for other in CHARSET:
                if other == code[pos]:
                    continue
                changed = code[:pos] + other + code[pos + 1:]
                with pytest.raises(ValidationError):
                    validate_credit_code(changed)


def test_credit_code_check_error_names_expected_char_and_code():
    with pytest.raises(ValidationError) as exc:
        validate_credit_code("9135052155323005XM")
    assert exc.value.code == "credit_code_check"
    assert "“L”" in messages(exc)
    assert "校验位错误" in messages(exc)


@pytest.mark.parametrize(
    "value, code, fragment",
    [
        ("9135052155323005X", "credit_code_length", "应为18位，当前为17位"),
        ("9135052155323005XLL", "credit_code_length", "当前为19位"),
        ("9135052155323005IL", "credit_code_charset", "非法字符“I”"),
        ("9135052155323005OL", "credit_code_charset", "非法字符“O”"),
        ("91350521553230０5XL", "credit_code_charset", "非法字符"),
        ("91A50521553230050L", "credit_code_area", "行政区划代码"),
    ],
)
def test_credit_code_format_errors_are_chinese(value, code, fragment):
    with translation.override("zh-hans"):
        with pytest.raises(ValidationError) as exc:
            validate_credit_code(value)
        assert exc.value.code == code
        assert fragment in messages(exc)


def test_credit_code_empty_is_allowed():
    validate_credit_code("")
    validate_credit_code(None)


def test_check_char_refuses_wrong_length():
    with pytest.raises(ValueError):
        credit_code_check_char("91350521553230")


# --- resident ID (GB 11643) ----------------------------------------------------------------


def test_random_computed_resident_ids_accepted_and_every_substitution_rejected():
    rng = random.Random(11643)
    for code in random_resident_ids(rng, 60):
        validate_resident_id(code)
        for pos in range(18):
            alphabet = "0123456789X" if pos == 17 else "0123456789"
            for other in alphabet:
                if other == code[pos]:
                    continue
                changed = code[:pos] + other + code[pos + 1:]
                with pytest.raises(ValidationError):
                    validate_resident_id(changed)


def test_resident_id_known_number_with_x():
    # 11010519491231002X is the textbook GB 11643 example.
    validate_resident_id("11010519491231002X")
    validate_resident_id("11010519491231002x")
    with pytest.raises(ValidationError) as exc:
        validate_resident_id("110105194912310021")
    assert exc.value.code == "resident_id_check"
    assert "“X”" in messages(exc)


def _with_check(body):
    return body + id_check(body)


@pytest.mark.parametrize(
    "value, code, fragment",
    [
        ("11010519491231002", "resident_id_length", "应为18位，当前为17位"),
        ("1101051949123100211", "resident_id_length", "当前为19位"),
        ("11010519491231A02X", "resident_id_charset", "前17位应为数字"),
        ("11010519491231002Y", "resident_id_charset", "数字或字母X"),
        (_with_check("99010519491231002"), "resident_id_area", "行政区划代码"),
        (_with_check("34000019491231002"), "resident_id_area", "行政区划代码"),
        (_with_check("34040319490231002"), "resident_id_birth_date", "出生日期"),
        (_with_check("34040318991231002"), "resident_id_birth_date", "出生日期"),
        (_with_check("34040399991231002"), "resident_id_birth_date", "出生日期"),
    ],
)
def test_resident_id_errors_are_chinese(value, code, fragment):
    with translation.override("zh-hans"):
        with pytest.raises(ValidationError) as exc:
            validate_resident_id(value)
        assert exc.value.code == code
        assert fragment in messages(exc)


def test_resident_id_english_message():
    with translation.override("en"):
        with pytest.raises(ValidationError) as exc:
            validate_resident_id("123")
        assert messages(exc) == "A resident ID number has 18 characters; this one has 3."


def test_mask_resident_id_hides_birth_date_and_sequence():
    masked = mask_resident_id("11010519491231002X")
    assert masked == "110105***********X"
    assert len(masked) == 18
    assert "19491231" not in masked
    assert mask_resident_id("") == ""
    assert mask_resident_id(None) == ""
    assert mask_resident_id("12345") == "1***5"
