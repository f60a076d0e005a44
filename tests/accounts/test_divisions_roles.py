import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from accounts.models import Division
from accounts.roles import Role, ensure_role_groups
from accounts.selectors import division_descendants
from tests.factories import DivisionFactory, huainan, tianjiaan

pytestmark = pytest.mark.django_db

HUAINAN = {
    "340402": "大通区", "340403": "田家庵区", "340404": "谢家集区", "340405": "八公山区",
    "340406": "潘集区", "340421": "凤台县", "340422": "寿县",
}


def test_migration_loaded_huainan_and_districts():
    city = Division.objects.get(code="340400")
    assert (city.name, city.level, city.parent) == ("淮南市", "city", None)
    districts = dict(city.children.values_list("code", "name"))
    assert districts == HUAINAN
    assert set(city.children.values_list("level", flat=True)) == {"district"}


def test_division_migration_is_idempotent_and_repairs_names():
    module = importlib.import_module("accounts.migrations.0003_load_huainan_divisions")
    Division.objects.filter(code="340422").update(name="寿县（旧名）")
    before = Division.objects.count()
    module.load_divisions(apps, None)
    module.load_divisions(apps, None)
    assert Division.objects.count() == before
    assert Division.objects.get(code="340422").name == "寿县"


@pytest.mark.parametrize(
    "level, code, ok",
    [
        ("street", "340403001", True),
        ("street", None, True),
        ("street", "34040300", False),
        ("street", "34040300A", False),
        ("street", "340402001", False),  # not under 田家庵区 340403
        ("community", "340403001002", True),
        ("community", "34040300100", False),
    ],
)
def test_division_code_rules(level, code, ok):
    parent = tianjiaan() if level == "street" else DivisionFactory(code="340403001")
    division = Division(name="测试", level=level, parent=parent, code=code)
    if ok:
        division.full_clean()
    else:
        with pytest.raises(ValidationError) as exc:
            division.full_clean()
        assert "code" in exc.value.message_dict


def test_division_parent_level_checked():
    with pytest.raises(ValidationError) as exc:
        Division(name="错层社区", level="community", parent=tianjiaan()).full_clean()
    assert "parent" in exc.value.message_dict


def test_blank_code_stored_as_null_so_many_streets_may_have_none():
    for name in ("无代码街道一", "无代码街道二"):
        d = Division(name=name, level="street", parent=tianjiaan(), code="")
        d.full_clean()
        d.save()
    assert Division.objects.filter(name__startswith="无代码", code__isnull=True).count() == 2


def test_division_descendants(django_assert_num_queries):
    street = DivisionFactory()
    community = DivisionFactory(community=True, parent=street)
    other_street = DivisionFactory(parent=Division.objects.get(code="340402"), code="340402001")
    city = huainan()
    with django_assert_num_queries(1):
        ids = set(division_descendants(city))
    assert {city.pk, street.pk, community.pk, other_street.pk, tianjiaan().pk} <= ids
    assert set(division_descendants(tianjiaan())) == {tianjiaan().pk, street.pk, community.pk}
    assert set(division_descendants(tianjiaan(), include_self=False)) == {street.pk, community.pk}
    assert division_descendants(community) == [community.pk]


def test_role_groups_exist_after_migrate_and_ensure_is_idempotent():
    names = {r.value for r in Role}
    assert names <= set(Group.objects.values_list("name", flat=True))
    admin_perms = set(Group.objects.get(name="admin").permissions.values_list("codename", flat=True))
    ensure_role_groups()
    ensure_role_groups()
    assert Group.objects.filter(name__in=names).count() == len(names)
    after = set(Group.objects.get(name="admin").permissions.values_list("codename", flat=True))
    assert after == admin_perms
    assert {"add_organization", "change_organization", "view_membership", "change_user",
            "view_auditentry"} <= after
    assert "change_auditentry" not in after
    # Residents only get what the workflow UI needs to show their own tasks: view permissions
    # on the workflow process models, nothing on accounts, audit or any domain model.
    resident_perms = set(
        Group.objects.get(name="resident").permissions.values_list("content_type__app_label", "codename")
    )
    assert all(app == "workflows" and code.startswith("view_") for app, code in resident_perms)


def test_ensure_role_groups_recreates_missing_group():
    Group.objects.filter(name="finance").delete()
    ensure_role_groups()
    assert Group.objects.filter(name="finance").exists()
