"""Template tags for the public clarification answers (澄清答疑) on the portal tender page."""

from django import template

from procurement.selectors.questions import question_list_public

register = template.Library()


@register.simple_tag
def public_answers(tender) -> list[dict]:
    """Return the tender's published answers without the askers."""
    return question_list_public(tender=tender)
