from django import forms
from django.utils.translation import gettext_lazy as _

from core.widgets import DateInput
from office.formsets import BLANK, FormsetsMixin, row_formset
from planning.models import AreaType, CommunityProfile, PlanIndicator, TargetArea


class MonitorFilterForm(forms.Form):
    """The monitoring page's filters (GET)."""

    plan = forms.ChoiceField(label=_("规划与年度"), required=False)
    measured = forms.TypedChoiceField(label=_("统计年度"), required=False, coerce=int,
                                      empty_value=None)
    street = forms.TypedChoiceField(label=_("街道/乡镇"), required=False, coerce=int,
                                    empty_value=None)
    area = forms.ChoiceField(label=_("城乡类型"), required=False,
                             choices=[("", _("全部"))] + list(AreaType.choices))
    unmet = forms.BooleanField(label=_("只看未达标社区"), required=False)

    def __init__(self, *args, plans=(), streets=(), years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measured"].choices = [(y, f"{y}年") for y in years]
        self.fields["plan"].choices = [(f"{year}|{plan}", f"{plan}（{year}年）")
                                       for plan, year in plans]
        self.fields["street"].choices = [("", _("全部"))] + [(s.pk, s.name) for s in streets]


class CommunityProfileForm(forms.ModelForm):
    class Meta:
        model = CommunityProfile
        fields = ["area", "population", "households"]


class VolunteerForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    registered_on = forms.DateField(label=_("注册日期"), widget=DateInput())


class VolunteerServiceForm(forms.Form):
    volunteer = forms.TypedChoiceField(label=_("志愿者"), coerce=int)
    served_on = forms.DateField(label=_("服务日期"), widget=DateInput())
    hours = forms.DecimalField(label=_("服务时长（小时）"), min_value=0.5, max_value=24,
                               decimal_places=1)
    activity = forms.CharField(label=_("服务内容"), max_length=200)

    def __init__(self, *args, volunteers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["volunteer"].choices = [(v.pk, v.name) for v in volunteers]


def targets_form(*, divisions, city_wide: bool) -> type:
    """Return the targets page's form class: plan and year, and the targets as a table whose
    division choices are the ones the user may set (the whole city only for admins)."""
    division_choices = ([("", _("全市"))] if city_wide else [BLANK]) + [
        (d.pk, f"{d.name}（{d.get_level_display()}）") for d in divisions]

    class TargetRowForm(forms.Form):
        division = forms.TypedChoiceField(label=_("适用区划"), coerce=int, required=not city_wide,
                                          empty_value=None, choices=division_choices)
        area = forms.ChoiceField(label=_("适用社区"), choices=TargetArea.choices)
        indicator = forms.ChoiceField(label=_("指标"), choices=[BLANK, *PlanIndicator.choices])
        value = forms.DecimalField(label=_("目标值"), min_value=0, max_digits=8, decimal_places=2)
        binding = forms.BooleanField(label=_("约束性"), required=False, initial=True)
        source = forms.CharField(label=_("出处"), max_length=200, required=False)

    class TargetsForm(FormsetsMixin, forms.Form):
        plan = forms.CharField(label=_("规划名称"), max_length=200)
        year = forms.IntegerField(label=_("目标年度"), min_value=2000, max_value=2100)
        formsets = {"targets": row_formset(TargetRowForm, extra=2, max_num=200,
                                           title=_("规划目标"),
                                           help_text=_("比例类指标以百分数填写，如 13 表示13%。"))}

    return TargetsForm
