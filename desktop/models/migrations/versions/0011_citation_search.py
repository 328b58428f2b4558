"""The citations desk's search at city scale: a citation's plate with its look-alike
characters folded (as the vehicle's ``plate_skeleton``), the list's order (newest first,
paged by issue time and id) and a citation number's first characters, each with its index.
"""

import sqlalchemy as sa
from alembic import op

from desktop.models.migrations.columns import SCHEMA

#: As written here, not imported: a migration keeps what it did when the models move on.
SKELETON = (
    "translate(upper(regexp_replace(plate_raw, '[[:space:].-]', '', 'g')), "
    "'OQDILZSBG', '000112586')"
)

revision = "0011"
down_revision = "0010"


def upgrade() -> None:
    op.execute("SET LOCAL ROLE parkdesk_owner")
    op.add_column(
        "citation",
        sa.Column(
            "plate_skeleton",
            sa.Text(),
            sa.Computed(SKELETON, persisted=True),
            nullable=False,
        ),
        schema=SCHEMA,
    )
    op.create_index("ix_citation_plate_skeleton", "citation", ["plate_skeleton"], schema=SCHEMA)
    op.create_index("ix_citation_issued_at_id", "citation", ["issued_at", "id"], schema=SCHEMA)
    op.create_index(
        "ix_citation_number_prefix",
        "citation",
        ["number"],
        postgresql_ops={"number": "text_pattern_ops"},
        schema=SCHEMA,
    )
    op.execute("RESET ROLE")


def downgrade() -> None:
    raise RuntimeError("Citations cannot be downgraded; restore a backup instead.")
