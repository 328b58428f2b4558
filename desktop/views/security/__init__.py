"""The security desk (SPEC "Security"): the watchlist and its live alerts."""
