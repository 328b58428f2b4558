"""The citations desk: find citations, read one with its photos and its fine's history,
take payments for several at once, void with a reason, print a notice."""
