"""The permit desk: a parker's permits, selling and renewing, payments and receipts,
refunds, temporary permits and the office waitlists.
"""
