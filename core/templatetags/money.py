"""``{{ amount|money }}``: an amount of money as Chinese documents print it, ``3,000,000.00``."""

from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()

CENT = Decimal("0.01")


@register.filter
def money(value) -> str:
    """Return the amount with thousands separators and exactly two decimals; "" for none.

    Independent of the active language (the same ``3,000,000.00`` in Chinese and English), and
    never through float: sums from the database that lost their decimals (``1668000``) print
    ``1,668,000.00`` like every other amount.
    """
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value)).quantize(CENT)
    except (InvalidOperation, ValueError):
        return str(value)
    return f"{amount:,.2f}"
