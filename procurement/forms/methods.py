"""Forms of the final-quote round (最后报价): the purchaser opens it, a bidder quotes."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.widgets import DateTimeInput


class FinalQuoteRoundOpenForm(forms.Form):
    deadline = forms.DateTimeField(label=_("最后报价截止时间"),
                                   widget=DateTimeInput())


class FinalQuoteForm(forms.Form):
    # Text, not a number field: the service reads it exactly (parse_bid_price), never rounds.
    price = forms.CharField(label=_("最后报价（元，如 280000.00）"), max_length=30)
    confirm = forms.BooleanField(label=_("我确认：最后报价提交后不得更改"), required=True)
