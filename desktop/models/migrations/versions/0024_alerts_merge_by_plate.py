"""A watchlisted plate's hits merge into one waiting alert per entry and plate, whatever
jurisdiction each hit named: an entry for any jurisdiction checked under made-up codes
raised a new alert per code. Waiting alerts that the new rule would have merged are
closed into the newest one, with a note saying so.
"""

import sqlalchemy as sa
from alembic import op

from desktop.models.migrations.columns import SCHEMA

revision = "0024"
down_revision = "0023"


def upgrade() -> None:
    op.execute("SET LOCAL ROLE parkdesk_owner")
    op.execute(
        "UPDATE parkdesk.watchlist_alert a "
        "SET acknowledged_at = now(), acknowledged_by = current_user, "
        "acknowledge_note = 'Merged into the newer alert for the same plate' "
        "WHERE a.acknowledged_at IS NULL AND EXISTS ("
        "  SELECT 1 FROM parkdesk.watchlist_alert b WHERE b.entry_id = a.entry_id "
        "  AND b.plate = a.plate AND b.acknowledged_at IS NULL AND b.id > a.id)"
    )
    op.drop_index("uq_watchlist_alert_waiting", "watchlist_alert", schema=SCHEMA)
    op.create_index(
        "uq_watchlist_alert_waiting",
        "watchlist_alert",
        ["entry_id", "plate"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("acknowledged_at IS NULL"),
    )


def downgrade() -> None:
    op.execute("SET LOCAL ROLE parkdesk_owner")
    op.drop_index("uq_watchlist_alert_waiting", "watchlist_alert", schema=SCHEMA)
    op.create_index(
        "uq_watchlist_alert_waiting",
        "watchlist_alert",
        ["entry_id", "jurisdiction", "plate"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("acknowledged_at IS NULL"),
    )
