"""The plate check desk: one verdict for a plate at a place and time."""
