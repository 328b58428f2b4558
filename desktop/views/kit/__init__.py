"""The desk kit: what every desk builds on (operation runner, live bridge, table models,
form kit, document preview, common widgets and the style). It imports services, never a desk.
"""
