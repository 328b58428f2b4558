"""The appeals desk: the adjudicators' queue, an appeal with its case timeline, the
decision; filing at the counter, withdrawals and a manager's reopening.

Public: :class:`FileAppealDialog`, the filing form, which the citations desk opens for
the citation it shows (the one import of this package from another desk).
"""

from desktop.views.appeals.dialogs import FileAppealDialog

__all__ = ["FileAppealDialog"]
