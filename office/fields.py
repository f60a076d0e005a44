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
