"""The cash drawer desk: opening and closing a shift with a blind count, and shift reports."""
