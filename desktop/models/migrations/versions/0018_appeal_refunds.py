"""Refunds of appeals: what a parker paid on a citation beyond what an appeal decided is
a refund like a cancelled permit's, paid out at the counter the way it was paid.

A refund names either the permit it was cancelled from or the citation (and its appeal)
whose decision owes it; at most one refund of an appeal is waiting at a time.
"""

import sqlalchemy as sa
from alembic import op

from desktop.models.migrations.columns import SCHEMA, index

revision = "0018"
down_revision = "0017"


def upgrade() -> None:
    op.execute("SET LOCAL ROLE parkdesk_owner")
    op.alter_column("refund", "permit_id", nullable=True, schema=SCHEMA)
    op.add_column("refund", sa.Column("citation_id", sa.BigInteger()), schema=SCHEMA)
    op.add_column("refund", sa.Column("appeal_id", sa.BigInteger()), schema=SCHEMA)
    for column, table in (("citation_id", "citation"), ("appeal_id", "appeal")):
        op.create_foreign_key(
            op.f(f"fk_refund_{column}_{table}"),
            "refund",
            table,
            [column],
            ["id"],
            source_schema=SCHEMA,
            referent_schema=SCHEMA,
        )
        index("refund", column)
    op.create_check_constraint(
        op.f("ck_refund_one_purpose"),
        "refund",
        "num_nonnulls(permit_id, citation_id) = 1",
        schema=SCHEMA,
    )
    op.create_check_constraint(
        op.f("ck_refund_citation_by_appeal"),
        "refund",
        "(citation_id IS NULL) = (appeal_id IS NULL)",
        schema=SCHEMA,
    )
    op.create_index(
        "uq_refund_appeal_waiting",
        "refund",
        ["appeal_id"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("status IN ('pending', 'approved')"),
    )
    op.execute("RESET ROLE")


def downgrade() -> None:
    raise RuntimeError("Refunds cannot be downgraded; restore a backup instead.")
