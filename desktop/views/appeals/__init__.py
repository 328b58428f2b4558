"""The appeals desk: the adjudicators' queue, an appeal with its case timeline, the
decision; filing at the counter, withdrawals and a manager's reopening.

Public: :class:`FileAppealDialog`, the filing form, which the citations desk opens for
the citation it shows, and :class:`CaseTimelineDialog`, a citation's case timeline,
which the parker desk opens from a vehicle's citations (the imports of this package
from other desks).
"""

from desktop.views.appeals.dialogs import FileAppealDialog
from desktop.views.appeals.timeline_dialog import CaseTimelineDialog

__all__ = ["CaseTimelineDialog", "FileAppealDialog"]
