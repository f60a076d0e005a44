"""Users, administrative divisions, organizations, memberships and professional profiles."""

from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from accounts.validators import validate_credit_code

mobile_validator = RegexValidator(r"^1[3-9]\d{9}$", _("请输入11位中国大陆手机号码。"))


class User(AbstractUser):
    real_name = models.CharField(_("真实姓名"), max_length=50, blank=True)
    mobile = models.CharField(_("手机号码"), max_length=11, blank=True, validators=[mobile_validator])
    language = models.CharField(
        _("界面语言"), max_length=10, choices=[("zh-hans", "简体中文"), ("en", "English")],
        default="zh-hans",
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.real_name or self.username

    @property
    def display_name(self) -> str:
        return self.real_name or self.username


class Division(models.Model):
    """An administrative division (市/区县/街道/社区) with its GB/T 2260 code."""

    class Level(models.TextChoices):
        CITY = "city", _("市")
        DISTRICT = "district", _("区/县")
        STREET = "street", _("街道/乡镇")
        COMMUNITY = "community", _("社区/村")

    code = models.CharField(_("区划代码"), max_length=12, unique=True, null=True, blank=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级区划"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="division_unique_name_in_parent"),
        ]

    def __str__(self) -> str:
        return self.name


class Organization(models.Model):
    class Kind(models.TextChoices):
        PURCHASER = "purchaser", _("购买主体")
        COMMUNITY = "community", _("社区居委会/村委会")
        SOCIAL_ORG = "social_org", _("社会组织")
        FINANCE = "finance", _("财政部门")
        EVALUATOR = "evaluator", _("第三方评估机构")

    name = models.CharField(_("名称"), max_length=200, unique=True)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    division = models.ForeignKey(
        Division, verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="organizations"
    )
    credit_code = models.CharField(
        _("统一社会信用代码"), max_length=18, blank=True, default="",
        validators=[validate_credit_code],
    )
    credit_code_override_reason = models.CharField(
        _("信用代码校验例外理由"), max_length=200, blank=True, default="",
        help_text=_("少数真实代码无法通过校验位检查；填写理由后由管理员人工确认，并记入审计日志。"),
    )
    legal_representative = models.CharField(_("法定代表人"), max_length=50, blank=True)
    contact_person = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    rating = models.CharField(_("社会组织评估等级"), max_length=10, blank=True)
    is_active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("机构")
        verbose_name_plural = _("机构")
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"], condition=~Q(credit_code=""),
                name="organization_unique_credit_code",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's role in an organization."""

    user = models.ForeignKey(
        User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("机构"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    is_active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(_("加入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("成员关系")
        verbose_name_plural = _("成员关系")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization", "role"], name="membership_unique_role"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization} ({self.get_role_display()})"


class SocialWorkerProfile(models.Model):
    class Qualification(models.TextChoices):
        ASSISTANT = "assistant", _("助理社会工作师（初级）")
        INTERMEDIATE = "intermediate", _("社会工作师（中级）")
        SENIOR = "senior", _("高级社会工作师")

    user = models.OneToOneField(
        User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="social_worker_profile"
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("所属社会组织"), on_delete=models.PROTECT,
        related_name="social_workers",
    )
    qualification = models.CharField(_("职业资格等级"), max_length=20, choices=Qualification.choices)
    certificate_number = models.CharField(_("证书编号"), max_length=50)
    code = models.CharField(_("社工编号"), max_length=20, blank=True,
                            help_text=_("服务台账编号中使用，如 W01。"))

    class Meta:
        verbose_name = _("社工档案")
        verbose_name_plural = _("社工档案")
        constraints = [
            models.UniqueConstraint(fields=["certificate_number"], name="social_worker_unique_cert"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_qualification_display()})"


class ExpertProfile(models.Model):
    user = models.OneToOneField(
        User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="expert_profile"
    )
    specialties = models.CharField(_("专业领域"), max_length=200, help_text=_("多个领域用逗号分隔。"))
    employer = models.ForeignKey(
        Organization, verbose_name=_("工作单位"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="employed_experts",
    )
    is_active = models.BooleanField(_("在库"), default=True)

    class Meta:
        verbose_name = _("专家档案")
        verbose_name_plural = _("专家档案")

    def __str__(self) -> str:
        return str(self.user)

    @property
    def specialty_list(self) -> list[str]:
        return [s.strip() for s in self.specialties.replace("，", ",").split(",") if s.strip()]


class ExpertRecusal(models.Model):
    """A unit an expert must recuse from (条例9), identified by its credit code."""

    expert = models.ForeignKey(
        ExpertProfile, verbose_name=_("专家"), on_delete=models.CASCADE, related_name="recusals"
    )
    credit_code = models.CharField(_("回避单位信用代码"), max_length=18)
    unit_name = models.CharField(_("回避单位名称"), max_length=200, blank=True)
    reason = models.CharField(_("回避理由"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("回避单位")
        verbose_name_plural = _("回避单位")
        constraints = [
            models.UniqueConstraint(fields=["expert", "credit_code"], name="recusal_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.expert} ↛ {self.credit_code}"
