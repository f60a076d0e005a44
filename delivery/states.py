"""Which status changes exist for delivery's models: milestone reports."""


from core.states import StatusFlow, status_state
from delivery.models import MilestoneReport

R = MilestoneReport.Status


class MilestoneReportStates(StatusFlow):
    """A mid-term or final report: accepted or returned once; a returned report is replaced."""

    model = MilestoneReport
    status = status_state(R)

    @status.transition(source=R.SUBMITTED, target=R.ACCEPTED)
    def accept(self):
        """The purchaser accepts the report (验收)."""

    @status.transition(source=R.SUBMITTED, target=R.RETURNED)
    def send_back(self):
        """The purchaser returns the report for revision."""
