"""The back office: viewflow's bundled Material frontend with the apps of the chain."""

from django.utils.translation import gettext_lazy as _
from viewflow.urls import Site

site = Site(title=_("三社联动服务项目平台"), viewsets=[])
