"""Platform roles: each role is a Django group of the same name, created idempotently."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    RESIDENT = "resident", _("居民")
    COMMUNITY = "community", _("社区工作人员")
    PURCHASER = "purchaser", _("购买主体")
    FINANCE = "finance", _("财政审核")
    SOCIAL_ORG = "social_org", _("社会组织")
    SOCIAL_WORKER = "social_worker", _("社工")
    EXPERT = "expert", _("评审专家")
    EVALUATOR = "evaluator", _("第三方评估机构")
    ADMIN = "admin", _("平台管理员")
