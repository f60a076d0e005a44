"""Users, administrative divisions, organizations, memberships and professional profiles."""

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.roles import ROLES_WITHOUT_ORGANIZATION, Role, role_allows_organization_kind
from accounts.validators import normalize_credit_code, validate_credit_code

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

    def act_through_token(self) -> None:
        """Let this object act only with the roles an API token carries (api.authentication):
        a superuser's or staff member's own powers do not come with a token, so Django's and
        the platform's checks see neither flag. Saving the user still writes its real flags."""
        if self.is_superuser or self.is_staff:
            self._real_flags = (self.is_superuser, self.is_staff)
            self.is_superuser = self.is_staff = False

    def save(self, *args, **kwargs):
        real = getattr(self, "_real_flags", None)
        if real is None:
            return super().save(*args, **kwargs)
        narrowed = (self.is_superuser, self.is_staff)
        self.is_superuser, self.is_staff = real
        try:
            return super().save(*args, **kwargs)
        finally:
            self.is_superuser, self.is_staff = narrowed

    def refresh_from_db(self, using=None, fields=None, from_queryset=None):
        real = getattr(self, "_real_flags", None)
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)
        if real is not None:  # read again during a token's request: still narrowed
            superuser, staff = real
            if fields is None or "is_superuser" in fields:
                superuser = self.is_superuser
            if fields is None or "is_staff" in fields:
                staff = self.is_staff
            self._real_flags = (superuser, staff)
            self.is_superuser = self.is_staff = False

    def has_perm(self, perm, obj=None) -> bool:
        """Return whether the user may perm (on obj), asking the rules even for a superuser.

        Django answers True for any active superuser before asking a backend; object questions
        and permissions with a platform rule (core.authz) must not, since superusers never act in
        the chain nor read a sealed bid.
        """
        from core.authz import registered_rules

        if obj is None and not registered_rules(perm):
            return super().has_perm(perm, obj)
        if not self.is_active:
            return False
        from django.contrib.auth.models import _user_has_perm

        return _user_has_perm(self, perm, obj)


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

    # Digits a code has at each level (GB/T 2260 plus the 9/12-digit statistical extensions).
    CODE_LENGTHS = {Level.CITY: 6, Level.DISTRICT: 6, Level.STREET: 9, Level.COMMUNITY: 12}
    PARENT_LEVELS = {
        Level.CITY: None, Level.DISTRICT: Level.CITY, Level.STREET: Level.DISTRICT,
        Level.COMMUNITY: Level.STREET,
    }

    def __str__(self) -> str:
        return self.name

    def clean(self):
        super().clean()
        errors = {}
        if self.code == "":
            self.code = None
        if self.code is not None:
            self.code = self.code.strip()
            length = self.CODE_LENGTHS.get(self.level)
            if length and not (self.code.isascii() and self.code.isdigit() and len(self.code) == length):
                errors["code"] = ValidationError(
                    _("%(level)s的区划代码应为%(n)d位数字。"), code="division_code_format",
                    params={"level": self.get_level_display(), "n": length},
                )
            elif self.level in (self.Level.CITY, self.Level.DISTRICT) or self.code is None:
                pass
            elif self.parent_id and self.parent.code and not self.code.startswith(self.parent.code):
                errors["code"] = ValidationError(
                    _("区划代码应以上级区划代码%(p)s开头。"), code="division_code_prefix",
                    params={"p": self.parent.code},
                )
        elif self.level in (self.Level.CITY, self.Level.DISTRICT):
            errors["code"] = ValidationError(
                _("市、区县必须填写6位区划代码。"), code="division_code_required"
            )
        if self.level in self.PARENT_LEVELS:
            expected_parent = self.PARENT_LEVELS[self.level]
            if expected_parent is None and self.parent_id:
                errors["parent"] = ValidationError(_("市级区划不应有上级区划。"), code="division_parent")
            elif expected_parent is not None and (
                self.parent_id is None or self.parent.level != expected_parent
            ):
                errors["parent"] = ValidationError(
                    _("上级区划应为%(level)s。"), code="division_parent",
                    params={"level": self.Level(expected_parent).label},
                )
        if errors:
            raise ValidationError(errors)


class Organization(models.Model):
    class Kind(models.TextChoices):
        PURCHASER = "purchaser", _("购买主体")
        COMMUNITY = "community", _("社区居委会/村委会")
        SOCIAL_ORG = "social_org", _("社会组织")
        FINANCE = "finance", _("财政部门")
        EVALUATOR = "evaluator", _("第三方评估机构")
        # 纪检监察机关/派驻纪检监察组 and 审计机关: read-only oversight of the projects granted to
        # them (procurement.services.grants), never an actor in the chain.
        SUPERVISOR = "supervisor", _("纪检监察/审计机关")

    name = models.CharField(_("名称"), max_length=200, unique=True)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    division = models.ForeignKey(
        Division, verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="organizations"
    )
    # Validated in clean() (not as a field validator) so that a wrong check character can be
    # accepted as an audited administrator override; see accounts.services.organizations.
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True, default="")
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

    def clean(self):
        super().clean()
        self.credit_code = normalize_credit_code(self.credit_code)
        self.credit_code_override_reason = (self.credit_code_override_reason or "").strip()
        try:
            validate_credit_code(self.credit_code)
        except ValidationError as error:
            if error.code != "credit_code_check":
                raise ValidationError({"credit_code": error}) from None
            if not self.credit_code_override_reason:
                raise ValidationError(
                    {
                        "credit_code": [
                            error,
                            ValidationError(
                                _("如确认该代码真实有效，请填写“信用代码校验例外理由”，"
                                  "由平台管理员确认。"),
                                code="credit_code_override_required",
                            ),
                        ]
                    }
                ) from None

    @property
    def credit_code_fails_check(self) -> bool:
        """Return whether the stored credit code has a wrong check character."""
        try:
            validate_credit_code(self.credit_code)
        except ValidationError:
            return True
        return False


class OrganizationIdentityChange(models.Model):
    """A request to change an organization's identity (name, credit code, legal representative).

    These fields decide who an organization is (条例18 compares legal representatives at
    opening), so they change only here: the organization asks, a platform admin other than the
    requester approves or rejects, and both steps are audited
    (accounts.services.organizations.organization_identity_change_*).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("已驳回")

    organization = models.ForeignKey(Organization, verbose_name=_("机构"), on_delete=models.PROTECT,
                                     related_name="identity_changes")
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices,
                              default=Status.PENDING, db_index=True)
    name = models.CharField(_("名称"), max_length=200)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True, default="")
    credit_code_override_reason = models.CharField(_("信用代码校验例外理由"), max_length=200,
                                                   blank=True, default="")
    legal_representative = models.CharField(_("法定代表人"), max_length=50, blank=True)
    before = models.JSONField(_("变更前"), default=dict)
    reason = models.TextField(_("变更原因及依据"))
    requested_by = models.ForeignKey(User, verbose_name=_("申请人"),
                                     on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("申请时间"))
    reviewed_by = models.ForeignKey(User, verbose_name=_("审核人"), null=True,
                                    blank=True, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_note = models.TextField(_("审核意见"), blank=True)

    class Meta:
        verbose_name = _("机构身份信息变更申请")
        verbose_name_plural = _("机构身份信息变更申请")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organization"], condition=Q(status="pending"),
                                    name="identity_change_one_pending_per_organization"),
        ]
        indexes = [models.Index(fields=["requested_at", "id"], name="identity_change_order")]

    def __str__(self) -> str:
        return f"{self.organization.name} · {self.get_status_display()}"


class Membership(models.Model):
    """A user's role in an organization."""

    user = models.ForeignKey(
        User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("机构"), on_delete=models.CASCADE, related_name="memberships",
        null=True, blank=True, help_text=_("评审专家和平台管理员可以不属于任何机构。"),
    )
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    is_active = models.BooleanField(_("有效"), default=True)
    # The organization's head (负责人): overdue tasks of the organization are escalated to the
    # users whose active membership of it carries this flag (workflows.reminders).
    is_head = models.BooleanField(
        _("机构负责人"), default=False, help_text=_("本机构待办逾期时，提醒将上报给机构负责人。"),
    )
    created_at = models.DateTimeField(_("加入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("成员关系")
        verbose_name_plural = _("成员关系")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization", "role"], name="membership_unique_role"
            ),
            models.UniqueConstraint(
                fields=["user", "role"], condition=Q(organization__isnull=True),
                name="membership_unique_role_without_organization",
            ),
            models.CheckConstraint(
                condition=Q(organization__isnull=False)
                | Q(role__in=sorted(ROLES_WITHOUT_ORGANIZATION)),
                name="membership_organization_required_for_role",
            ),
        ]

    def __str__(self) -> str:
        where = self.organization if self.organization_id else _("无机构")
        return f"{self.user} @ {where} ({self.get_role_display()})"

    def clean(self):
        super().clean()
        kind = self.organization.kind if self.organization_id else None
        if self.role and not role_allows_organization_kind(self.role, kind):
            raise ValidationError(
                {
                    "organization": ValidationError(
                        _("角色“%(role)s”不能属于该类型的机构（%(kind)s）。"),
                        code="membership_role_kind",
                        params={
                            "role": self.get_role_display(),
                            "kind": self.organization.get_kind_display()
                            if kind
                            else _("无机构"),
                        },
                    )
                }
            )


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


class ExpertSpecialty(models.TextChoices):
    """An expert's evaluation specialties: the service categories projects are bought in.

    The same values as procurement's NeedCategory (accounts sits below procurement and cannot
    import it; tests/evaluation/test_expert_pool.py pins the two lists equal).
    """

    ELDERLY = "elderly", _("养老服务")
    CHILDREN = "children", _("儿童关爱")
    DISABILITY = "disability", _("助残服务")
    HARDSHIP = "hardship", _("困难群体帮扶")
    GOVERNANCE = "governance", _("社区治理")
    CULTURE = "culture", _("文化体育")
    HEALTH = "health", _("健康服务")
    OTHER = "other", _("其他")


class ExpertProfile(models.Model):
    Specialty = ExpertSpecialty

    user = models.OneToOneField(
        User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="expert_profile"
    )
    specialties = models.CharField(_("专业领域"), max_length=200, help_text=_("多个领域用逗号分隔。"))
    # The service categories the expert may evaluate; the draw seats only experts with one the
    # tender names (Tender.required_specialties). Values of ExpertSpecialty.
    categories = models.JSONField(_("评审专业（服务类别）"), default=list, blank=True)
    employer = models.ForeignKey(
        Organization, verbose_name=_("工作单位"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="employed_experts",
    )
    region = models.ForeignKey(
        Division, verbose_name=_("所在地区"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="experts",
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

    def get_categories_display(self) -> str:
        """Return the expert's evaluation specialties as labels, separated by 、."""
        labels = dict(ExpertSpecialty.choices)
        return "、".join(str(labels.get(code, code)) for code in self.categories)


class ExpertUnavailability(models.Model):
    """A period an expert cannot evaluate (declared by the expert or the pool's keeper)."""

    expert = models.ForeignKey(ExpertProfile, verbose_name=_("专家"), on_delete=models.CASCADE,
                               related_name="unavailable_periods")
    starts_on = models.DateField(_("不可参评起始日"))
    ends_on = models.DateField(_("不可参评截止日"))
    reason = models.CharField(_("原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("专家不可参评期间")
        verbose_name_plural = _("专家不可参评期间")
        ordering = ["starts_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")),
                                   name="expert_unavailability_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.expert} {self.starts_on}–{self.ends_on}"


class ExpertConflictDeclaration(models.Model):
    """An organization the expert declares a conflict of interest with (beyond recusal units):
    the draw never seats the expert on a tender that organization bids in (条例39)."""

    expert = models.ForeignKey(ExpertProfile, verbose_name=_("专家"), on_delete=models.CASCADE,
                               related_name="conflict_declarations")
    organization = models.ForeignKey(Organization, verbose_name=_("利害关系机构"),
                                     on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("利害关系说明"), max_length=200)
    declared_at = models.DateTimeField(_("申报时间"))

    class Meta:
        verbose_name = _("专家利害关系申报")
        verbose_name_plural = _("专家利害关系申报")
        ordering = ["-declared_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["expert", "organization"],
                                    name="expert_conflict_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.expert} ≠ {self.organization}"


class ExpertRecusal(models.Model):
    """A unit an expert must recuse from (条例9), identified by its credit code."""

    expert = models.ForeignKey(
        ExpertProfile, verbose_name=_("专家"), on_delete=models.CASCADE, related_name="recusals"
    )
    credit_code = models.CharField(
        _("回避单位信用代码"), max_length=18, validators=[validate_credit_code]
    )
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


# Supplier registry (issue 7 item 9): what a buyer checks before letting an organization bid
# (政府采购法第二十二条; 实施条例第十九条; 财库〔2016〕125号). Rows are written only by
# accounts.services.registry (audited); an organization's standing on a date is computed from them
# (accounts.selectors.organization_registry_status), so an old opening record can be re-derived.

RATING_GRADES = ("1A", "2A", "3A", "4A", "5A")


class OrganizationRating(models.Model):
    """A 社会组织评估等级 (1A–5A) given by the civil-affairs department on a date, valid for a
    period (社会组织评估管理办法第二十六条: 5 years)."""

    class Grade(models.TextChoices):
        A1 = "1A", _("1A级")
        A2 = "2A", _("2A级")
        A3 = "3A", _("3A级")
        A4 = "4A", _("4A级")
        A5 = "5A", _("5A级")

    organization = models.ForeignKey(Organization, verbose_name=_("机构"), on_delete=models.PROTECT,
                                     related_name="ratings")
    grade = models.CharField(_("评估等级"), max_length=2, choices=Grade.choices)
    rated_on = models.DateField(_("评定日期"))
    valid_until = models.DateField(_("有效期至"))
    assessor = models.CharField(_("评估机关"), max_length=100, blank=True)
    document_number = models.CharField(_("评估文号/证书编号"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(User, verbose_name=_("登记人"), on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("社会组织评估等级")
        verbose_name_plural = _("社会组织评估等级")
        ordering = ["-rated_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "rated_on"],
                                    name="rating_unique_per_day"),
            models.CheckConstraint(condition=Q(valid_until__gte=models.F("rated_on")),
                                   name="rating_valid_after_rated"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.grade} ({self.rated_on})"

    @staticmethod
    def grade_rank(grade: str) -> int:
        """Return 1–5 for 1A–5A, 0 for none."""
        return RATING_GRADES.index(grade) + 1 if grade in RATING_GRADES else 0


class AnnualInspection(models.Model):
    """The result of an organization's 年检/年度报告 for a year (社会团体登记管理条例第二十八条;
    民办非企业单位登记管理暂行条例第二十三条)."""

    class Result(models.TextChoices):
        PASSED = "passed", _("合格")
        BASIC = "basic", _("基本合格")
        FAILED = "failed", _("不合格")
        MISSING = "missing", _("未参加年检/未报送年报")

    # Results that keep an organization from bidding until a later year is recorded otherwise.
    BARRING = ("failed", "missing")

    organization = models.ForeignKey(Organization, verbose_name=_("机构"), on_delete=models.PROTECT,
                                     related_name="annual_inspections")
    year = models.PositiveSmallIntegerField(_("年度"))
    result = models.CharField(_("年检结论"), max_length=10, choices=Result.choices)
    concluded_on = models.DateField(_("结论日期"))
    note = models.CharField(_("备注"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(User, verbose_name=_("登记人"), on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("年检/年报")
        verbose_name_plural = _("年检/年报")
        ordering = ["-year", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "year"],
                                    name="inspection_unique_year"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.year} {self.get_result_display()}"


class Qualification(models.Model):
    """A qualification document an organization holds (资质证书), with its validity."""

    class Kind(models.TextChoices):
        REGISTRATION = "registration", _("社会组织登记证书")
        SOCIAL_WORK = "social_work", _("社会工作服务机构资质")
        ELDERLY_CARE = "elderly_care", _("养老服务机构备案")
        CHILD_CARE = "child_care", _("未成年人保护/托育服务资质")
        PSYCHOLOGY = "psychology", _("心理咨询服务资质")
        FOOD = "food", _("食品经营许可证")
        OTHER = "other", _("其他资质")

    organization = models.ForeignKey(Organization, verbose_name=_("机构"), on_delete=models.PROTECT,
                                     related_name="qualifications")
    kind = models.CharField(_("资质类别"), max_length=20, choices=Kind.choices)
    number = models.CharField(_("证书编号"), max_length=100)
    issuer = models.CharField(_("发证机关"), max_length=100, blank=True)
    valid_from = models.DateField(_("生效日期"))
    valid_until = models.DateField(_("有效期至"), null=True, blank=True,
                                   help_text=_("长期有效的留空。"))
    revoked_on = models.DateField(_("注销/吊销日期"), null=True, blank=True)
    recorded_by = models.ForeignKey(User, verbose_name=_("登记人"), on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("资质证书")
        verbose_name_plural = _("资质证书")
        ordering = ["kind", "-valid_from", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "kind", "number"],
                                    name="qualification_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.get_kind_display()} {self.number}"

    def valid_on(self, day) -> bool:
        return (self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)
                and (self.revoked_on is None or day < self.revoked_on))


class CreditListing(models.Model):
    """A listing of the organization on a 失信 list, found by the 信用记录查询 of
    财库〔2016〕125号 (信用中国, 中国政府采购网), with its source and period of exclusion."""

    class Kind(models.TextChoices):
        PROCUREMENT = "procurement", _("政府采购严重违法失信行为记录名单")
        DEBTOR = "debtor", _("失信被执行人")
        TAX = "tax", _("重大税收违法失信主体")
        MAJOR_VIOLATION = "major_violation", _("重大违法记录（较大数额罚款等）")

    class Source(models.TextChoices):
        CREDIT_CHINA = "creditchina", _("信用中国")
        CCGP = "ccgp", _("中国政府采购网")
        COURT = "court", _("中国执行信息公开网")
        OTHER = "other", _("其他")

    organization = models.ForeignKey(Organization, verbose_name=_("机构"), on_delete=models.PROTECT,
                                     related_name="credit_listings")
    kind = models.CharField(_("名单类别"), max_length=20, choices=Kind.choices)
    source = models.CharField(_("查询来源"), max_length=20, choices=Source.choices)
    decision = models.CharField(_("处罚/列入决定"), max_length=200,
                                help_text=_("作出决定的机关及文号。"))
    listed_on = models.DateField(_("列入日期"))
    excluded_from = models.DateField(_("禁止参加政府采购活动起始日"))
    excluded_until = models.DateField(_("禁止参加政府采购活动截止日"), null=True, blank=True,
                                      help_text=_("失信被执行人等至移出名单之日止的，留空。"))
    removed_on = models.DateField(_("移出名单日期"), null=True, blank=True)
    queried_on = models.DateField(_("查询日期"))
    recorded_by = models.ForeignKey(User, verbose_name=_("登记人"), on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("失信名单记录")
        verbose_name_plural = _("失信名单记录")
        ordering = ["-listed_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(excluded_until__isnull=True)
                | Q(excluded_until__gte=models.F("excluded_from")),
                name="listing_period_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.get_kind_display()} {self.listed_on}"

    def excludes_on(self, day) -> bool:
        """Return whether this listing keeps the organization out of procurement on day."""
        return (self.excluded_from <= day
                and (self.excluded_until is None or day <= self.excluded_until)
                and (self.removed_on is None or day < self.removed_on))
