"""Load the public-holiday calendar for 2026 (official) and 2027 (PROVISIONAL).

2026 follows 国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04, 新华社):
元旦 1/1–1/3, 1/4 (Sun) working; 春节 2/15–2/23, 2/14 (Sat) and 2/28 (Sat) working;
清明 4/4–4/6; 劳动节 5/1–5/5, 5/9 (Sat) working; 端午 6/19–6/21; 中秋 9/25–9/27;
国庆 10/1–10/7, 9/20 (Sun) and 10/10 (Sat) working.

2027 is PROVISIONAL: the State Council notice for 2027 was not available when this was written.
The rows come from the statutory rules alone (全国年节及纪念日放假办法, 2024 revision: 元旦 1 day,
春节 4 days = 除夕 + 初一..初三, 清明 1, 劳动节 2, 端午 1, 中秋 1, 国庆 3; a statutory day that
falls on a Saturday or Sunday is made up on the next working day, art. 6), with lunar dates
春节 2027-02-06, 端午 2027-06-09, 中秋 2027-09-15 and 清明 2027-04-05. They carry
provisional=True and no swapped working days (调休上班). An administrator must replace them
with the official arrangement when the State Council publishes it (admin → 节假日).
"""

import datetime

from django.db import migrations


def _span(start: str, end: str) -> list[datetime.date]:
    a, b = datetime.date.fromisoformat(start), datetime.date.fromisoformat(end)
    return [a + datetime.timedelta(days=i) for i in range((b - a).days + 1)]


OFFICIAL_2026 = [
    ("元旦", _span("2026-01-01", "2026-01-03"), ["2026-01-04"]),
    ("春节", _span("2026-02-15", "2026-02-23"), ["2026-02-14", "2026-02-28"]),
    ("清明节", _span("2026-04-04", "2026-04-06"), []),
    ("劳动节", _span("2026-05-01", "2026-05-05"), ["2026-05-09"]),
    ("端午节", _span("2026-06-19", "2026-06-21"), []),
    ("中秋节", _span("2026-09-25", "2026-09-27"), []),
    ("国庆节", _span("2026-10-01", "2026-10-07"), ["2026-09-20", "2026-10-10"]),
]

# Statutory days plus statutory make-up days (补假) only; see the module docstring.
PROVISIONAL_2027 = [
    ("元旦", ["2027-01-01"]),
    ("春节", ["2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08", "2027-02-09", "2027-02-10"]),
    ("清明节", ["2027-04-05"]),
    ("劳动节", ["2027-05-01", "2027-05-02", "2027-05-03", "2027-05-04"]),
    ("端午节", ["2027-06-09"]),
    ("中秋节", ["2027-09-15"]),
    ("国庆节", ["2027-10-01", "2027-10-02", "2027-10-03", "2027-10-04", "2027-10-05"]),
]


def load(apps, schema_editor):
    Holiday = apps.get_model("core", "Holiday")
    rows = []
    for name, days_off, workdays in OFFICIAL_2026:
        rows += [Holiday(date=d, name=name, kind="holiday") for d in days_off]
        rows += [
            Holiday(date=datetime.date.fromisoformat(d), name=f"{name}调休", kind="workday")
            for d in workdays
        ]
    for name, days_off in PROVISIONAL_2027:
        rows += [
            Holiday(date=datetime.date.fromisoformat(d), name=name, kind="holiday", provisional=True)
            for d in days_off
        ]
    existing = set(Holiday.objects.values_list("date", flat=True))
    Holiday.objects.bulk_create([r for r in rows if r.date not in existing])


def unload(apps, schema_editor):
    Holiday = apps.get_model("core", "Holiday")
    Holiday.objects.filter(date__year__in=[2026, 2027]).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0002_holiday_document_storedfile")]

    operations = [migrations.RunPython(load, unload)]
