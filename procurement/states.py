"""Which status changes exist for procurement's models: needs, projects, tenders, bids,
contracts and challenges. Services in any app move a status only through these transitions;
docs/states.md is generated from them (tests/core/test_states.py keeps it in step).
"""


from core.states import StatusFlow, status_state
from procurement.models import (
    Bid,
    BidIntake,
    Challenge,
    Contract,
    ContractTeamChange,
    Need,
    ServiceProject,
    Tender,
)

N = Need.Status
P = ServiceProject.Status
T = Tender.Status
B = Bid.Status
C = Contract.Status
Q = Challenge.Status
TC = ContractTeamChange.Status


class NeedStates(StatusFlow):
    """A resident's need: the community accepts, merges or declines it once."""

    model = Need
    status = status_state(N)

    @status.transition(source=N.SUBMITTED, target=N.ACCEPTED)
    def accept(self):
        """The community accepts the need for project design."""

    @status.transition(source=N.SUBMITTED, target=N.MERGED)
    def merge(self):
        """The need duplicates another need of the community."""

    @status.transition(source=N.SUBMITTED, target=N.DECLINED)
    def decline(self):
        """The community declines the need with a public reason."""


class ServiceProjectStates(StatusFlow):
    """A service project from design to closure (procurement, finance and evaluation move it)."""

    model = ServiceProject
    status = status_state(P)

    @status.transition(source=[P.DRAFT, P.RETURNED], target=P.SUBMITTED)
    def submit(self):
        """The community submits the project for approval (立项)."""

    @status.transition(source=P.SUBMITTED, target=P.APPROVED)
    def approve(self):
        """The purchaser approves the project; finance reviews its budget next."""

    @status.transition(source=[P.SUBMITTED, P.APPROVED], target=P.RETURNED)
    def send_back(self):
        """The purchaser (or finance at budget review) returns the project for revision."""

    @status.transition(source=P.APPROVED, target=P.BUDGET_CONFIRMED)
    def confirm_budget(self):
        """Finance commits the project's budget (finance.budget_confirm)."""

    @status.transition(source=[P.BUDGET_CONFIRMED, P.TENDERING], target=P.TENDERING)
    def start_tendering(self):
        """A tender is published; again after a failed tender (重新招标)."""

    @status.transition(source=P.TENDERING, target=P.EVALUATING)
    def start_evaluation(self):
        """The bids are opened with enough qualified bids."""

    @status.transition(source=P.EVALUATING, target=P.AWARDED)
    def award(self):
        """The purchaser confirms the winning bid; the contract is drafted."""

    @status.transition(source=P.AWARDED, target=P.EVALUATING)
    def reopen_evaluation(self):
        """An upheld challenge: the award is void while the committee re-evaluates (87号令 64)."""

    @status.transition(source=P.AWARDED, target=P.TENDERING)
    def retender(self):
        """An upheld challenge: the award is void and the procurement repeated (94号令 16)."""

    @status.transition(source=P.AWARDED, target=P.IN_DELIVERY)
    def start_delivery(self):
        """Both parties signed the contract."""

    @status.transition(source=P.IN_DELIVERY, target=P.PERFORMANCE_REVIEW)
    def start_performance_review(self):
        """The final report is accepted (evaluation.performance_evaluation_open)."""

    @status.transition(source=P.PERFORMANCE_REVIEW, target=P.SETTLEMENT)
    def settle(self):
        """The performance evaluation is finalized; the final tranche is set by its grade."""

    @status.transition(source=P.SETTLEMENT, target=P.CLOSED)
    def close(self):
        """Every tranche is paid or withheld; the purchaser closes the project (结项)."""

    @status.transition(source=[P.TENDERING, P.EVALUATING], target=P.CANCELLED)
    def cancel(self):
        """The purchaser ends the procurement before the award (终止采购)."""


class TenderStates(StatusFlow):
    """A tender from publication to award, failure (废标) or cancellation; created published."""

    model = Tender
    created_as = T.PUBLISHED  # tender_publish creates it published; nothing uses draft
    status = status_state(T)

    @status.transition(source=T.PUBLISHED, target=T.OPENED)
    def open(self):
        """The bids are opened after the deadline with enough qualified bids."""

    @status.transition(source=T.PUBLISHED, target=T.FAILED)
    def fail(self):
        """Too few qualified bids, or all over budget, at the opening (废标)."""

    @status.transition(source=T.OPENED, target=T.EVALUATING)
    def start_evaluation(self):
        """The evaluation committee is drawn (evaluation.committee_form)."""

    @status.transition(source=T.EVALUATING, target=T.EVALUATED)
    def complete_evaluation(self):
        """The last expert submitted the scores; the bids are ranked."""

    @status.transition(source=T.EVALUATED, target=T.AWARDED)
    def award(self):
        """The purchaser confirms the first-ranked bid (定标)."""

    @status.transition(source=T.AWARDED, target=T.EVALUATED)
    def reopen_evaluation(self):
        """An upheld challenge: the original committee re-evaluates for the errors of 87号令 64
        (remedies.remedy_reevaluate); the award is void."""

    @status.transition(source=T.AWARDED, target=T.FAILED)
    def fail_after_challenge(self):
        """An upheld challenge leaves no lawful winner: the procurement is repeated
        (remedies.remedy_retender, 94号令 16)."""

    @status.transition(source=[T.PUBLISHED, T.OPENED, T.EVALUATING, T.EVALUATED],
                       target=T.CANCELLED)
    def cancel(self):
        """The purchaser ends the procurement before the award (a failed tender stays failed)."""


class BidStates(StatusFlow):
    """A sealed bid: withdrawn and submitted again before the deadline, checked at the opening."""

    model = Bid
    status = status_state(B)

    @status.transition(source=B.SUBMITTED, target=B.WITHDRAWN)
    def withdraw(self):
        """The bidder withdraws the bid before the deadline."""

    @status.transition(source=B.WITHDRAWN, target=B.SUBMITTED)
    def resubmit(self):
        """The bidder submits a new bid after withdrawing the old one."""

    @status.transition(source=B.SUBMITTED, target=B.QUALIFIED)
    def qualify(self):
        """The opening finds the price within the budget."""

    @status.transition(source=B.SUBMITTED, target=B.DISQUALIFIED)
    def disqualify(self):
        """The opening finds the price over the budget."""

    @status.transition(source=B.QUALIFIED, target=B.DISQUALIFIED)
    def set_aside(self):
        """An upheld challenge sets the winner's bid aside (remedies.remedy_next_ranked)."""


BI = BidIntake.Status


class BidIntakeStates(StatusFlow):
    """A bid received by intake (answered 202), entered by a worker once."""

    model = BidIntake
    status = status_state(BI)

    @status.transition(source=BI.PENDING, target=BI.ACCEPTED)
    def accept(self):
        """bid_submit entered it, judged by its recorded arrival: the bid and its receipt exist."""

    @status.transition(source=BI.PENDING, target=BI.REFUSED)
    def refuse(self):
        """bid_submit refused it (a duplicate, a missing document, not eligible …)."""

    @status.transition(source=BI.PENDING, target=BI.FAILED)
    def fail(self):
        """It could not be entered (no sealing key, an unexpected error): kept for an operator."""


class ContractStates(StatusFlow):
    """A contract: signed by both parties, completed at the final evaluation or the closure."""

    model = Contract
    status = status_state(C)

    @status.transition(source=C.DRAFT, target=C.SIGNED)
    def sign(self):
        """The second party signed."""

    @status.transition(source=C.SIGNED, target=C.COMPLETED)
    def complete(self):
        """The performance evaluation is finalized, or the project is closed."""


class ChallengeStates(StatusFlow):
    """A supplier's challenge (质疑): answered once, or withdrawn before the answer."""

    model = Challenge
    status = status_state(Q)

    @status.transition(source=Q.SUBMITTED, target=Q.ANSWERED)
    def answer(self):
        """The purchaser answers with an explanation."""

    @status.transition(source=Q.SUBMITTED, target=Q.UPHELD)
    def uphold(self):
        """The purchaser finds the challenge well-founded."""

    @status.transition(source=Q.SUBMITTED, target=Q.REJECTED)
    def reject(self):
        """The purchaser finds the challenge unfounded."""

    @status.transition(source=Q.SUBMITTED, target=Q.WITHDRAWN)
    def withdraw(self):
        """The supplier withdraws the challenge before it is answered."""


class ContractTeamChangeStates(StatusFlow):
    """The supplier asks to change the contract's service team; the purchaser decides once."""

    model = ContractTeamChange
    status = status_state(TC)

    @status.transition(source=TC.PENDING, target=TC.APPROVED)
    def approve(self):
        """The purchaser approves; the member joins or leaves the team."""

    @status.transition(source=TC.PENDING, target=TC.REFUSED)
    def refuse(self):
        """The purchaser refuses with a reason; the team stays as it is."""
