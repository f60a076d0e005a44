"""evaluation plugs into the apps below it: delivery's signal and procurement's bid readers."""

from delivery.signals import final_report_accepted
from evaluation.permissions import is_committee_expert
from procurement.permissions import _OPENED_BID_READERS


def test_final_report_acceptance_opens_the_evaluation_receiver_connected():
    uids = {entry[0][0] for entry in final_report_accepted.receivers}
    assert "evaluation.open_performance_evaluation" in uids


def test_committee_experts_are_registered_as_readers_of_opened_bids():
    assert _OPENED_BID_READERS.count(is_committee_expert) == 1
