"""evaluation plugs into the apps below it: delivery's signal and procurement's bid readers."""

from core import authz
from delivery.signals import final_report_accepted
from evaluation.permissions import committee_bid_scope


def test_final_report_acceptance_opens_the_evaluation_receiver_connected():
    uids = {entry[0][0] for entry in final_report_accepted.receivers}
    assert "evaluation.open_performance_evaluation" in uids


def test_committee_experts_are_registered_as_readers_of_opened_bids():
    # procurement never imports evaluation: evaluation adds its relationship to the rule's scope.
    assert authz._SCOPES["procurement.view_bid"].count(committee_bid_scope) == 1
