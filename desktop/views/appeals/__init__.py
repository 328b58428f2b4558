"""The appeals desk: the adjudicators' queue, an appeal with its case timeline, the
decision; filing at the counter, withdrawals and a manager's reopening."""
