"""zh-hans formats for the platform: Django's own, with the grouping of Chinese official documents.

Django's zh_Hans locale groups by four digits with no separator (``3000000.00``); budgets,
contracts and payment vouchers here read ``3,000,000.00`` (千分位, three digits, comma).
"""

from django.conf.locale.zh_Hans.formats import *  # noqa: F403

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
