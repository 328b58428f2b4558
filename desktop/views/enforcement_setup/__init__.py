"""The enforcement set-up desk: codes, fines, escalation, devices, zones, exemptions."""
