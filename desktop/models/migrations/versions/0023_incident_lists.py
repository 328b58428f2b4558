"""The managers' lists of incident categories and roles: a name once among its siblings
however it is capitalised ("Theft" and "theft" were two categories before). The
triggers that keep the lists two levels deep and stop a retired one being chosen again
are in ``89_incidents.sql``.
"""

import sqlalchemy as sa
from alembic import op

from desktop.models.migrations.columns import SCHEMA

revision = "0023"
down_revision = "0022"


def upgrade() -> None:
    op.execute("SET LOCAL ROLE parkdesk_owner")
    op.drop_constraint("uq_incident_role_name", "incident_role", schema=SCHEMA)
    op.create_index(
        "uq_incident_role_name",
        "incident_role",
        [sa.text("lower(name)")],
        unique=True,
        schema=SCHEMA,
    )
    op.create_index(
        "uq_incident_category_name",
        "incident_category",
        [sa.text("coalesce(parent_id, 0)"), sa.text("lower(name)")],
        unique=True,
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.execute("SET LOCAL ROLE parkdesk_owner")
    op.drop_index("uq_incident_category_name", "incident_category", schema=SCHEMA)
    op.drop_index("uq_incident_role_name", "incident_role", schema=SCHEMA)
    op.create_unique_constraint("uq_incident_role_name", "incident_role", ["name"], schema=SCHEMA)
