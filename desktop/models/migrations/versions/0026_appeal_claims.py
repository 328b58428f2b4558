"""An adjudicator's claim on an appeal ("take next") moves out of the appeal's row into a
small table of its own, one row per adjudicator: taking, renewing or giving back a claim
no longer rewrites the wide, audited appeal row and its seven indexes, so twenty
adjudicators pressing "take next" at once do not queue behind each other's updates. The
claims held now move with it.
"""

import sqlalchemy as sa
from alembic import op

from desktop.models.migrations.columns import SCHEMA

revision = "0026"
down_revision = "0025"


def upgrade() -> None:
    op.execute("SET LOCAL ROLE parkdesk_owner")
    op.create_table(
        "appeal_claim",
        sa.Column("claimed_by", sa.Text(), nullable=False),
        sa.Column("appeal_id", sa.BigInteger(), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["appeal_id"], ["parkdesk.appeal.id"], name=op.f("fk_appeal_claim_appeal_id_appeal")
        ),
        sa.PrimaryKeyConstraint("claimed_by", name=op.f("pk_appeal_claim")),
        sa.UniqueConstraint("appeal_id", name=op.f("uq_appeal_claim_appeal_id")),
        schema=SCHEMA,
    )
    op.execute(
        "INSERT INTO parkdesk.appeal_claim (claimed_by, appeal_id, claimed_until) "
        "SELECT DISTINCT ON (claimed_by) claimed_by, id, claimed_until FROM parkdesk.appeal "
        "WHERE claimed_by IS NOT NULL AND status = 'open' "
        "ORDER BY claimed_by, claimed_until DESC"
    )
    # The audit trigger's condition names the columns (87_appeals.sql makes it again).
    op.execute("DROP TRIGGER IF EXISTS appeal_audit_change ON parkdesk.appeal")
    op.drop_column("appeal", "claimed_by", schema=SCHEMA)
    op.drop_column("appeal", "claimed_until", schema=SCHEMA)


def downgrade() -> None:
    op.execute("SET LOCAL ROLE parkdesk_owner")
    op.add_column("appeal", sa.Column("claimed_by", sa.Text()), schema=SCHEMA)
    op.add_column("appeal", sa.Column("claimed_until", sa.DateTime(timezone=True)), schema=SCHEMA)
    op.execute(
        "UPDATE parkdesk.appeal a SET claimed_by = c.claimed_by, "
        "claimed_until = c.claimed_until FROM parkdesk.appeal_claim c WHERE c.appeal_id = a.id"
    )
    op.create_check_constraint(
        op.f("ck_appeal_claim_whole"),
        "appeal",
        "(claimed_by IS NULL) = (claimed_until IS NULL)",
        schema=SCHEMA,
    )
    op.create_check_constraint(
        op.f("ck_appeal_claim_only_open"),
        "appeal",
        "status = 'open' OR claimed_by IS NULL",
        schema=SCHEMA,
    )
    op.create_index(
        "ix_appeal_claimed_by",
        "appeal",
        ["claimed_by"],
        schema=SCHEMA,
        postgresql_where=sa.text("claimed_by IS NOT NULL"),
    )
    op.drop_table("appeal_claim", schema=SCHEMA)
