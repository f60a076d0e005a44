"""The city plan's targets and the community data they are measured on (issue 9 item 4).

The seed plan (淮南市城乡社区服务体系建设规划, 二.(三) 发展目标) sets targets per community that
the platform can measure: 社区社会组织 per urban/rural community, professional social workers per
community, registered volunteers and residents taking part in volunteer service as shares of the
residents. Targets are data (plan, year, division, area, indicator, value); a community's
population and area type, its volunteers and their service are recorded here by the community.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Division


class AreaType(models.TextChoices):
    URBAN = "urban", _("城市社区")
    RURAL = "rural", _("农村社区")


class TargetArea(models.TextChoices):
    ALL = "all", _("城乡社区")
    URBAN = "urban", _("城市社区")
    RURAL = "rural", _("农村社区")


class PlanIndicator(models.TextChoices):
    COMMUNITY_SOCIAL_ORGS = "community_social_orgs", _("社区社会组织（个）")
    SOCIAL_WORKERS = "social_workers", _("专业社会工作者（名）")
    VOLUNTEER_RATE = "volunteer_rate", _("注册志愿者占居民比例（%）")
    PARTICIPATION_RATE = "participation_rate", _("参加志愿服务的居民比例（%）")


class CommunityProfile(models.Model):
    """A community's (社区/村) area type and population, kept by its 居委会/村委会."""

    division = models.OneToOneField(Division, verbose_name=_("社区"), on_delete=models.PROTECT,
                                    related_name="profile",
                                    limit_choices_to={"level": Division.Level.COMMUNITY})
    area = models.CharField(_("城乡类型"), max_length=10, choices=AreaType.choices)
    population = models.PositiveIntegerField(_("常住人口（人）"))
    households = models.PositiveIntegerField(_("户数"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("社区基本情况")
        verbose_name_plural = _("社区基本情况")
        constraints = [models.CheckConstraint(condition=Q(population__gt=0),
                                              name="community_population_positive")]

    def __str__(self) -> str:
        return f"{self.division} ({self.get_area_display()})"


class Volunteer(models.Model):
    """A registered community volunteer (注册社区志愿者)."""

    community = models.ForeignKey(Division, verbose_name=_("社区"), on_delete=models.PROTECT,
                                  related_name="volunteers")
    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    resident = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("居民账号"), null=True,
                                 blank=True, on_delete=models.PROTECT, related_name="volunteerships")
    registered_on = models.DateField(_("注册日期"), db_index=True)
    left_on = models.DateField(_("注销日期"), null=True, blank=True)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                      related_name="+")

    class Meta:
        verbose_name = _("社区志愿者")
        verbose_name_plural = _("社区志愿者")
        ordering = ["community", "registered_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["community", "resident"], condition=Q(resident__isnull=False),
                                    name="volunteer_once_per_community"),
            models.UniqueConstraint(fields=["community", "name", "phone"], name="volunteer_unique_contact"),
        ]

    def __str__(self) -> str:
        return self.name


class VolunteerService(models.Model):
    """One volunteer's service on one day (志愿服务记录)."""

    volunteer = models.ForeignKey(Volunteer, verbose_name=_("志愿者"), on_delete=models.PROTECT,
                                  related_name="services")
    served_on = models.DateField(_("服务日期"), db_index=True)
    hours = models.DecimalField(_("服务时长（小时）"), max_digits=5, decimal_places=1)
    activity = models.CharField(_("服务内容"), max_length=200)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("志愿服务记录")
        verbose_name_plural = _("志愿服务记录")
        constraints = [models.CheckConstraint(condition=Q(hours__gt=0, hours__lte=24),
                                              name="volunteer_service_hours_range")]

    def __str__(self) -> str:
        return f"{self.volunteer} {self.served_on} {self.hours}h"


class PlanTarget(models.Model):
    """One target of a plan: for the communities of a division (all: the whole city) and an area
    type, the indicator's value to reach by the year. ``binding`` False is a 力争 target."""

    plan = models.CharField(_("规划"), max_length=200)
    year = models.PositiveSmallIntegerField(_("目标年度"))
    division = models.ForeignKey(Division, verbose_name=_("适用区划"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+",
                                 help_text=_("留空表示全市所有社区。"))
    area = models.CharField(_("适用社区"), max_length=10, choices=TargetArea.choices,
                            default=TargetArea.ALL)
    indicator = models.CharField(_("指标"), max_length=30, choices=PlanIndicator.choices)
    value = models.DecimalField(_("目标值"), max_digits=8, decimal_places=2)
    binding = models.BooleanField(_("约束性"), default=True, help_text=_("不勾选表示“力争”目标。"))
    source = models.CharField(_("出处"), max_length=200, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("规划目标")
        verbose_name_plural = _("规划目标")
        ordering = ["plan", "year", "indicator", "area", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "year", "division", "area", "indicator"],
                                    name="plan_target_once"),
            models.UniqueConstraint(fields=["plan", "year", "area", "indicator"],
                                    condition=Q(division__isnull=True), name="plan_target_once_city"),
            models.CheckConstraint(condition=Q(value__gte=0), name="plan_target_value_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.plan} {self.year} {self.get_indicator_display()} {self.value}"
