"""The plate check's verdict names its permit by id as well as by number: a read of a
valid term permit looks for the permit's other vehicles on site, and found the permit by
its number, which no index covers (a scan of every permit at each such read). The
function's result changes, so the old one goes; ``60_plates.sql`` makes the new one.
"""

from alembic import op

revision = "0028"
down_revision = "0027"


def upgrade() -> None:
    op.execute("SET LOCAL ROLE parkdesk_owner")
    op.execute(
        "DROP FUNCTION IF EXISTS "
        "parkdesk.plate_verdict(text, text, parkdesk.lot, parkdesk.zone, timestamptz)"
    )
    op.execute("RESET ROLE")


def downgrade() -> None:
    raise RuntimeError("The plate check's verdict cannot be downgraded; restore a backup.")
