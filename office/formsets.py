"""Rows people fill in a table: formsets carried by a form, validated with it, read as dicts.

A form declares ``formsets = {"deliverables": DeliverableFormSet, ...}`` and mixes in
``FormsetsMixin``; ``form.is_valid()`` then validates the form and its tables together and puts
each table's rows in ``cleaned_data[name]`` as the list of dicts the services take. A service
refusal aimed at a table (``form.add_error("budget_lines", ...)``) is shown above that table.
``templates/office/_formset.html`` renders a table (stacked rows on phones) with "添加一行" and
"删除" (static/office/formset.js; without JavaScript the blank rows and the 删除 checkbox work)
and its running total, computed here on every render and live in the page.
"""

from decimal import Decimal, InvalidOperation

from django import forms
from django.forms.formsets import DELETION_FIELD_NAME
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.templatetags.money import money

BLANK = ("", gettext_lazy("请选择"))


LARGEST = Decimal("1e15")


def number_or_none(value) -> Decimal | None:
    """Return a typed number as a Decimal for the running totals; None when it is not one."""
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        return None
    # NaN, Infinity and 1e999 are not amounts: the total skips them (the field refuses them).
    return number if number.is_finite() and abs(number) < LARGEST else None


class RowFormSet(forms.BaseFormSet):
    """A table of rows: blank rows are skipped, at least one row, errors name row and field."""

    title = ""
    help_text = ""
    # The running total: the sum over the rows of the product of these fields (quantity ×
    # unit price), plus the value of the form field named by total_plus (the price weight).
    total_fields: tuple[str, ...] = ()
    total_label = gettext_lazy("合计")
    total_plus = ""
    # A categorical field whose shares of the total are shown (budget categories).
    share_field = ""
    # False when the submission does not use the table (FormsetsMixin.formsets_in_use): its rows
    # are shown as typed, without errors.
    checked = True

    def __init__(self, *args, parent=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.parent = parent

    def _construct_form(self, i, **kwargs):
        # Every row may be left blank (it is skipped), so a default row the user empties does
        # not turn into "required" errors; a partly filled row is checked in full.
        kwargs["empty_permitted"] = True
        kwargs["use_required_attribute"] = False
        return super()._construct_form(i, **kwargs)

    def add_prefix(self, index):
        return f"{self.prefix}-{index}"

    def live_forms(self) -> list:
        """Return the rows not marked deleted, blank ones included, in page order."""
        # The box as posted (not cleaned_data): a table the submission does not use (a cancelled
        # publication) is rendered again without having been validated.
        return [f for f in self.forms if not (f.is_bound and f[DELETION_FIELD_NAME].value())]

    def clean(self):
        if any(self.errors):
            return
        if not self.rows():
            raise forms.ValidationError(_("%(title)s：至少填写一行。") % {"title": self.title})

    def rows(self) -> list[dict]:
        """Return the filled, kept rows as dicts (only after validation)."""
        rows = []
        for form in self.live_forms():
            data = getattr(form, "cleaned_data", None)
            if not data:
                continue
            rows.append({k: v for k, v in data.items() if k != DELETION_FIELD_NAME})
        return rows

    def error_summary(self) -> list[str]:
        """Return each row error as "第2行 单价：…", rows numbered as the page shows them."""
        messages = []
        if not self.checked:
            return messages
        for n, form in enumerate(self.live_forms(), 1):
            if not form.is_bound or form.errors is None:
                continue
            for name, errors in form.errors.items():
                label = form.fields[name].label if name in form.fields else ""
                for error in errors:
                    messages.append(_("第%(n)d行 %(field)s：%(error)s") % {
                        "n": n, "field": label, "error": error} if label else
                        _("第%(n)d行：%(error)s") % {"n": n, "error": error})
        return messages

    # --- running totals (the same arithmetic as static/office/formset.js) -----------------------

    def _values(self, form) -> dict:
        if form.is_bound:
            return {name: form[name].value() for name in form.fields}
        return {name: form[name].initial for name in form.fields}

    def entered_rows(self) -> list[dict]:
        """Return the kept rows' raw values (valid or not), for totals and the summary."""
        rows = []
        for form in self.live_forms():
            values = self._values(form)
            if any(v not in (None, "", False) for k, v in values.items()
                   if k != DELETION_FIELD_NAME and form.fields[k].initial in (None, "")):
                rows.append(values)
        return rows

    def row_total(self, values) -> Decimal:
        total = Decimal("1")
        for name in self.total_fields:
            number = number_or_none(values.get(name))
            if number is None:
                return Decimal("0")
            total *= number
        return total

    def plus_value(self) -> Decimal:
        if not self.total_plus or self.parent is None:
            return Decimal("0")
        form = self.parent
        value = form[self.total_plus].value() if form.is_bound else form[self.total_plus].initial
        return number_or_none(value) or Decimal("0")

    def total(self) -> Decimal:
        if not self.total_fields:
            return Decimal("0")
        rows = self.entered_rows()
        return sum((self.row_total(r) for r in rows), Decimal("0")) + self.plus_value()

    def total_text(self) -> str:
        return money(self.total().quantize(Decimal("0.01")))

    def shares_text(self) -> str:
        """Return each category's share of the total (budget lines), "" when none."""
        if not self.share_field:
            return ""
        total = self.total()
        if total <= 0:
            return ""
        labels = dict(self.form.base_fields[self.share_field].choices)
        amounts: dict = {}
        for values in self.entered_rows():
            key = values.get(self.share_field)
            if key:
                amounts[key] = amounts.get(key, Decimal("0")) + self.row_total(values)
        return self.shares_format % {"shares": "；".join(
            f"{labels.get(key, key)} {(amount * 100 / total).quantize(Decimal('0.01'))}%"
            for key, amount in amounts.items())}

    @property
    def shares_format(self) -> str:
        """Return the shares sentence with its %(shares)s placeholder, for the page's script."""
        return _("当前占比：%(shares)s。")

    def entered_lines(self) -> list[str]:
        """Return one readable line per kept row, choice labels shown, for a confirmation page."""
        lines = []
        for values in self.entered_rows():
            parts = []
            for name, field in self.form.base_fields.items():
                value = values.get(name)
                if name == DELETION_FIELD_NAME or value in (None, ""):
                    continue
                if isinstance(field, forms.ChoiceField):
                    value = dict(field.choices).get(value, value)
                parts.append(f"{field.label}：{value}")
            lines.append("　".join(str(p) for p in parts))
        return lines


def row_formset(form_class, *, formset=RowFormSet, extra=1, max_num=50, **attrs) -> type:
    """Return a RowFormSet class of form_class rows with a 删除 box and ``extra`` blank rows."""
    cls = forms.formset_factory(form_class, formset=formset, extra=extra, can_delete=True,
                                max_num=max_num, validate_max=True, absolute_max=max_num)
    for name, value in attrs.items():
        setattr(cls, name, value)
    return cls


def formset_data(prefix: str, rows: list[dict], *, deleted=()) -> dict:
    """Return the POST data a table of rows sends (tests, scripts); ``deleted``: row indexes."""
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": "0"}
    for i, row in enumerate(rows):
        data |= {f"{prefix}-{i}-{key}": str(value) for key, value in row.items()}
        if i in deleted:
            data[f"{prefix}-{i}-{DELETION_FIELD_NAME}"] = "on"
    return data


class FormsetsMixin:
    """Give a form tables of rows (``formsets``), validated and cleaned together with it."""

    formsets: dict[str, type[RowFormSet]] = {}

    def __init__(self, *args, formset_initial=None, **kwargs):
        super().__init__(*args, **kwargs)
        initial = formset_initial or {}
        self.formsets = {
            name: cls(data=self.data if self.is_bound else None, prefix=name, parent=self,
                      initial=None if self.is_bound else initial.get(name))
            for name, cls in type(self).formsets.items()
        }

    def formsets_in_use(self) -> list[str]:
        """Return the tables that count for this submission (all; a choice may switch some off)."""
        return list(self.formsets)

    def clean_formsets(self) -> None:
        """Check the rows against each other or the form (a total); add errors with add_error."""

    def is_valid(self):
        valid = super().is_valid()
        in_use = self.formsets_in_use()
        for name, formset in self.formsets.items():
            formset.checked = name in in_use
        for name in in_use:
            valid = self.formsets[name].is_valid() and valid
        if valid:
            for name in in_use:
                self.cleaned_data[name] = self.formsets[name].rows()
            self.clean_formsets()
            valid = not self.errors and all(
                not self.formsets[name].non_form_errors() for name in in_use)
        return valid

    def add_error(self, field, error):
        if field in self.formsets:
            formset = self.formsets[field]
            formset.non_form_errors()  # validates once, so the list exists
            messages = error.messages if isinstance(error, forms.ValidationError) else (
                error if isinstance(error, list | tuple) else [error])
            formset._non_form_errors.extend(messages)
            return
        super().add_error(field, error)

    def formset_errors(self) -> list[str]:
        """Return every table's messages, for a page that lists the form's errors at the top."""
        return [m for fs in self.formsets.values() for m in [*fs.non_form_errors(),
                                                             *fs.error_summary()]]
