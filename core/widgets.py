"""Date and time inputs the browser's own pickers understand, in local (Asia/Shanghai) time.

Django renders a date with the first localized input format: in Chinese ``2026/11/30``, which a
``type=date`` input does not accept, so the field showed empty. These widgets always render the
value as HTML wants it (YYYY-MM-DD, YYYY-MM-DDTHH:MM); the fields read both back. They live in
core because every app's forms use them (accounts sits below office in the layers).
"""

from django import forms

DATE_FORMAT = "%Y-%m-%d"
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class DateInput(forms.DateInput):
    """An ``<input type=date>`` whose value is YYYY-MM-DD whatever the language."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=DATE_FORMAT)


class DateTimeInput(forms.DateTimeInput):
    """An ``<input type=datetime-local>`` whose value is local YYYY-MM-DDTHH:MM."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=DATETIME_FORMAT)
