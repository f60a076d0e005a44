"""``{% project_tracker project as stages %}``: the chain's stages of a project (workflows.tracker)."""

from django import template

from workflows.tracker import project_tracker as _project_tracker

register = template.Library()


@register.simple_tag
def project_tracker(project):
    return _project_tracker(project) if project is not None else []
