"""Counts of related rows read per listed row, not by grouping the whole table.

``annotate(n=Count("children"))`` groups every row of the list (and of every table it joins)
before ORDER BY … LIMIT keeps a page of them, and makes the paginator's COUNT(*) run over that
grouping: the time grows with the table. ``related_count`` is a correlated subquery instead:
the database counts the children of the rows it returns, through the foreign key's index, and
the paginator's count leaves it out.
"""

from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce


def related_count(queryset, field: str):
    """Return an expression: how many rows of ``queryset`` have ``field`` = the outer row."""
    counted = (queryset.filter(**{field: OuterRef("pk")}).order_by().values(field)
               .annotate(n=Count("*")).values("n"))
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))
