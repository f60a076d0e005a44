from procurement.models import Contract, ServiceProject, Tender
from tests.evaluation.builders import opened_tender, signed_contract


def test_opened_tender_and_signed_contract(world):
    tender = opened_tender(world)
    assert tender.status == Tender.Status.OPENED
    assert tender.bids.count() == 3
    contract = signed_contract(world, tender=tender)
    assert contract.status == Contract.Status.SIGNED
    assert contract.project.status == ServiceProject.Status.IN_DELIVERY
    assert contract.tranches.count() == 3
