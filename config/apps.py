from django.contrib.staticfiles.apps import StaticFilesConfig


class PlatformStaticFilesConfig(StaticFilesConfig):
    """Leave out the node_modules trees viewflow ships: its CSS there points at files missing
    from the wheel (ManifestStaticFilesStorage refuses them), and the pages use the top-level
    copies of the same fonts and scripts."""

    ignore_patterns = [*StaticFilesConfig.ignore_patterns, "node_modules"]
