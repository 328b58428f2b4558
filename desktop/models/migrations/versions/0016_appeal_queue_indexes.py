"""The appeal queue's two lookups by index: the waiting appeals in the order "take next"
hands them out (hearings by their time, reviews by filing), and the appeal an
adjudicator has in hand. Without them every "take next" read the whole appeal table,
and twenty adjudicators at once queued behind each other's reads.
"""

import sqlalchemy as sa
from alembic import op

from desktop.models.migrations.columns import SCHEMA

revision = "0016"
down_revision = "0015"


def upgrade() -> None:
    op.execute("SET LOCAL ROLE parkdesk_owner")
    op.create_index(
        "ix_appeal_waiting",
        "appeal",
        [sa.text("coalesce(hearing_at, filed_at)"), "id"],
        schema=SCHEMA,
        postgresql_where=sa.text("status = 'open'"),
    )
    op.create_index(
        "ix_appeal_claimed_by",
        "appeal",
        ["claimed_by"],
        schema=SCHEMA,
        postgresql_where=sa.text("claimed_by IS NOT NULL"),
    )
    op.execute("RESET ROLE")


def downgrade() -> None:
    op.drop_index("ix_appeal_claimed_by", table_name="appeal", schema=SCHEMA)
    op.drop_index("ix_appeal_waiting", table_name="appeal", schema=SCHEMA)
