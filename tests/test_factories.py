"""Every concrete model of the platform's apps has a factory that builds a valid saved row."""

import pytest
from django.apps import apps
from viewflow.workflow.fields import FlowReferenceField

from tests import factories

APPS = ("accounts", "core", "procurement", "finance", "delivery", "evaluation", "planning",
        "workflows")


def _factories_by_model() -> dict:
    found = {}
    for name in dir(factories):
        obj = getattr(factories, name)
        model = getattr(getattr(obj, "_meta", None), "model", None)
        if name.endswith("Factory") and model is not None:
            found.setdefault(model, obj)
    return found


def _concrete_models() -> list:
    return [
        model for label in APPS for model in apps.get_app_config(label).get_models()
        if not model._meta.abstract and not model._meta.proxy
    ]


def test_every_concrete_model_has_a_factory():
    have = _factories_by_model()
    missing = [m._meta.label for m in _concrete_models() if m not in have]
    assert missing == []


@pytest.fixture
def _file_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                    "OPTIONS": {"location": str(tmp_path / "files")}},
    }


@pytest.mark.parametrize("model", _concrete_models(), ids=lambda m: m._meta.label)
def test_factory_builds_a_valid_saved_row(db, _file_storage, model):
    factory = _factories_by_model()[model]
    row = factory()
    assert row.pk is not None
    row.refresh_from_db()
    # viewflow's flow-class reference field cannot clean the class it loads (to_python expects
    # the dotted path), so it is left out; every other field, clean() and constraint is checked.
    row.full_clean(exclude=[f.name for f in model._meta.fields if isinstance(f, FlowReferenceField)])


@pytest.mark.parametrize("factory_name, trait", [
    ("NeedFactory", "accepted"), ("NeedFactory", "declined"), ("NeedFactory", "merged"),
    ("ServiceProjectFactory", "approved"), ("ServiceProjectFactory", "closed"),
    ("TenderFactory", "draft"), ("TenderFactory", "opened"), ("ContractFactory", "signed"),
    ("TenderQuestionFactory", "public"), ("ChallengeFactory", "rejected"),
    ("PaymentTrancheFactory", "paid"), ("MilestoneReportFactory", "accepted"),
    ("MilestoneReportFactory", "final"), ("PerformanceEvaluationFactory", "finalized"),
    ("ScoreSheetFactory", "submitted"), ("ServiceRecordFactory", "confirmed"),
    ("CommitteeMemberFactory", "chair"), ("NotificationFactory", "read"),
    ("HolidayFactory", "workday"), ("UserFactory", "superuser"),
])
def test_trait_builds_a_valid_saved_row(db, factory_name, trait):
    row = getattr(factories, factory_name)(**{trait: True})
    row.refresh_from_db()
    row.full_clean()
