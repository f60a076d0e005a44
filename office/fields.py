"""Form fields shared by the office pages."""

from django import forms


class SafeModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A multiple choice of rows that refuses ids too large for the database as invalid choices.

    Django looks the submitted ids up as they are; an id beyond the database's integer range
    raised OverflowError (a 500) instead of the field's "not a valid value" message.
    """

    def _check_values(self, value):
        try:
            return super()._check_values(value)
        except OverflowError:
            raise forms.ValidationError(
                self.error_messages["invalid_pk_value"], code="invalid_pk_value",
                params={"pk": str(next(iter(value), ""))[:20]},
            ) from None


class KnownRowChoiceField(forms.ModelChoiceField):
    """A choice of one row that answers from rows the request already holds, by id, before
    asking the database (``known``: the user's organizations, read with the memberships).

    Only rows of the field's queryset may be known: the form that sets them builds both from
    the same memberships. Any other id is looked up in the queryset as Django does."""

    known: dict | None = None

    def to_python(self, value):
        if value not in self.empty_values and self.known:
            try:
                row = self.known.get(int(value))
            except (TypeError, ValueError, OverflowError):
                row = None
            if row is not None:
                return row
        return super().to_python(value)


def preselect_single_choices(form, *, optional=()) -> None:
    """Preselect a single-row choice the user cannot choose otherwise, without a "---------".

    Applies to the form's required model choice fields and to the optional ones named in
    ``optional`` (an envelope needed only when confirming): with exactly one row to choose
    (the user's one community, the one purchaser, the one matching budget envelope), that row is
    the initial value and the blank entry is dropped. One query per such field.
    """
    for name, field in form.fields.items():
        if (not isinstance(field, forms.ModelChoiceField)
                or isinstance(field, forms.ModelMultipleChoiceField)
                or not (field.required or name in optional) or field.queryset is None):
            continue
        ids = list(field.queryset.values_list("pk", flat=True)[:2])
        if len(ids) == 1:
            field.empty_label = None
            if form.initial.get(name) is None and field.initial is None:
                field.initial = ids[0]
