"""Qt widgets, item models and dialogs. No SQL here: views call services."""
