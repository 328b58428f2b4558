"""A watchlist entry may name the incident it was put on the list for (SPEC "Security":
"an optional link to an incident"). Dispatchers set it but read it only through
``watchlist_entry_incidents``, which shows the link where the incident is theirs to
read: the column itself would tell every dispatcher that a confidential incident exists.
"""

import sqlalchemy as sa
from alembic import op

from desktop.models.migrations.columns import SCHEMA, index

revision = "0025"
down_revision = "0024"


def upgrade() -> None:
    op.execute("SET LOCAL ROLE parkdesk_owner")
    op.add_column(
        "watchlist_entry", sa.Column("incident_id", sa.BigInteger(), nullable=True), schema=SCHEMA
    )
    op.create_foreign_key(
        op.f("fk_watchlist_entry_incident_id_incident"),
        "watchlist_entry",
        "incident",
        ["incident_id"],
        ["id"],
        source_schema=SCHEMA,
        referent_schema=SCHEMA,
    )
    index("watchlist_entry", "incident_id")


def downgrade() -> None:
    op.execute("SET LOCAL ROLE parkdesk_owner")
    # The trigger that watches the column (88_watchlist.sql) goes with it.
    op.execute("DROP TRIGGER IF EXISTS watchlist_entry_incident_named ON parkdesk.watchlist_entry")
    op.drop_column("watchlist_entry", "incident_id", schema=SCHEMA)
