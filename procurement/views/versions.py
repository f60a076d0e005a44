"""The versions of a project's design: one page per version and what changed since the one before."""

from django.http import Http404
from django.views.generic import TemplateView

from office.shell import OfficeMixin
from procurement.models import ServiceProject
from procurement.selectors import get_for_user_or_404
from procurement.selectors.versions import (
    project_version_design,
    project_version_diff,
    project_version_list,
)


def project_versions_context(project) -> dict:
    """Return the versions of project and what the last one changed, for the project's pages."""
    versions = list(project_version_list(project=project))
    diff = project_version_diff(versions[-2], versions[-1]) if len(versions) > 1 else None
    return {"versions": versions, "version_diff": diff}


class ProjectVersionView(OfficeMixin, TemplateView):
    """Show one submitted version of a project's design and what changed since the previous one."""

    template_name = "procurement/project_version.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        project = get_for_user_or_404(
            self.request.user, "procurement.view_serviceproject",
            ServiceProject.objects.select_related("community", "purchaser"), kwargs["pk"])
        versions = list(project_version_list(project=project))
        by_number = {v.number: v for v in versions}
        version = by_number.get(kwargs["number"])
        if version is None:
            raise Http404
        previous = by_number.get(version.number - 1)
        context.update(
            project=project, version=version, versions=versions,
            design=project_version_design(version),
            version_diff=project_version_diff(previous, version) if previous else None,
        )
        return context
