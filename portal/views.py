from django.views.generic import TemplateView


class PortalIndexView(TemplateView):
    """Public disclosure home for anonymous visitors (公示)."""

    template_name = "portal/index.html"
