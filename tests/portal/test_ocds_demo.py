"""The demo data (manage.py demo, every stage of the 淮南 procurements): every OCDS package the
portal serves for it validates against the vendored OCDS 1.1.5 schemas."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from portal.selectors import ocds_fiscal_years
from procurement.models import Tender
from tests.portal.test_ocds import _assert_package_valid

pytestmark = pytest.mark.django_db


def test_every_package_of_the_demo_validates(client, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    call_command("demo", stdout=open(tmp_path / "out.txt", "w", encoding="utf-8"))
    years = ocds_fiscal_years()
    assert years
    tags = set()
    for year in years:
        for name in ("portal:ocds-year-releases", "portal:ocds-year-records"):
            response = client.get(reverse(name, args=[year]))
            assert response.status_code == 200
            _assert_package_valid(response.json())
        releases = client.get(reverse("portal:ocds-year-releases", args=[year])).json()
        tags |= {tag for r in releases["releases"] for tag in r["tag"]}
    public = Tender.objects.exclude(status=Tender.Status.DRAFT).exclude(published_at=None)
    assert public.exists()
    for pk in public.values_list("pk", flat=True):
        for name in ("portal:tender-ocds", "portal:tender-ocds-record"):
            response = client.get(reverse(name, args=[pk]))
            assert response.status_code == 200
            _assert_package_valid(response.json())
    assert {"planning", "tender", "tenderUpdate", "award", "contract", "implementation"} <= tags
