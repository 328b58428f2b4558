"""The money side of citations (SPEC rules 7 and 17): a citation's fine, discount, late
fees, payments and void in the ledger, its balance kept beside it, the escalation stages
and the repeat-offence schedule a manager keeps, and three office settings (the
early-payment discount and the scofflaw threshold).

Citations' ledger rows are posted only by the functions of
``desktop/models/sql/68_citation_money.sql``; this migration adds what holds the data, and
drops the two money helpers whose arguments change (``post_line`` takes the citation,
``take_payment`` may leave the ledger to its caller).
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

from desktop.models.migrations.columns import SCHEMA, index, stamped

revision = "0010"
down_revision = "0009"

#: Kinds of ledger rows and the sign each must have (positive: owed more).
KINDS = (
    "'sale', 'renewal', 'temporary', 'fee', 'adjustment', 'payment', 'refund', 'payout', "
    "'fine', 'late_fee', 'discount', 'void'"
)
SIGNS = (
    "(kind IN ('sale', 'renewal', 'temporary', 'fee', 'payout', 'fine', 'late_fee') "
    "AND amount >= 0) OR (kind IN ('payment', 'refund', 'discount', 'void') AND amount < 0) "
    "OR kind = 'adjustment'"
)


def _id() -> sa.Column[Any]:
    return sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False)


def _check(table: str, name: str, condition: str) -> None:
    op.create_check_constraint(op.f(f"ck_{table}_{name}"), table, condition, schema=SCHEMA)


def upgrade() -> None:
    op.execute("SET LOCAL ROLE parkdesk_owner")
    # Office settings: the early-payment discount (both or neither) and the scofflaw line.
    op.add_column(
        "office_setting", sa.Column("discount_days", sa.Integer(), nullable=True), schema=SCHEMA
    )
    op.add_column(
        "office_setting",
        sa.Column("discount_percent", sa.Numeric(precision=5, scale=2), nullable=True),
        schema=SCHEMA,
    )
    op.add_column(
        "office_setting",
        sa.Column("scofflaw_threshold", sa.Integer(), server_default=sa.text("3"), nullable=False),
        schema=SCHEMA,
    )
    _check("office_setting", "discount_days_range", "discount_days BETWEEN 0 AND 365")
    _check(
        "office_setting",
        "discount_percent_range",
        "discount_percent > 0 AND discount_percent < 100",
    )
    _check(
        "office_setting",
        "discount_whole",
        "(discount_days IS NULL) = (discount_percent IS NULL)",
    )
    _check("office_setting", "scofflaw_threshold_range", "scofflaw_threshold BETWEEN 1 AND 50")

    # The repeat-offence schedule: a rolling window on the violation, a fine per offence.
    op.add_column(
        "violation", sa.Column("repeat_window_days", sa.Integer(), nullable=True), schema=SCHEMA
    )
    _check("violation", "repeat_window_days_range", "repeat_window_days BETWEEN 1 AND 3650")
    op.create_table(
        "repeat_fine",
        _id(),
        sa.Column("violation_id", sa.BigInteger(), nullable=False),
        sa.Column("offence", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        *stamped(),
        sa.CheckConstraint("offence >= 1", name=op.f("ck_repeat_fine_offence_positive")),
        sa.CheckConstraint(
            "amount >= 0 AND amount <= 10000", name=op.f("ck_repeat_fine_amount_range")
        ),
        sa.ForeignKeyConstraint(
            ["violation_id"],
            ["parkdesk.violation.id"],
            name=op.f("fk_repeat_fine_violation_id_violation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repeat_fine")),
        sa.UniqueConstraint(
            "violation_id", "offence", name=op.f("uq_repeat_fine_violation_id_offence")
        ),
        schema=SCHEMA,
    )

    # Escalation stages, and which a citation has had.
    op.create_table(
        "escalation_stage",
        _id(),
        sa.Column("after_days", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("sends_to_collections", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default="true", nullable=False),
        *stamped(),
        sa.CheckConstraint(
            "after_days BETWEEN 1 AND 3650", name=op.f("ck_escalation_stage_after_days_range")
        ),
        sa.CheckConstraint(
            "amount >= 0 AND amount <= 10000", name=op.f("ck_escalation_stage_amount_range")
        ),
        sa.CheckConstraint(
            "length(btrim(description)) BETWEEN 1 AND 200",
            name=op.f("ck_escalation_stage_description_length"),
        ),
        sa.CheckConstraint(
            "parkdesk.card_number_free(description)",
            name=op.f("ck_escalation_stage_description_no_card_number"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_stage")),
        sa.UniqueConstraint("after_days", name=op.f("uq_escalation_stage_after_days")),
        schema=SCHEMA,
    )

    # The citation's money: its balance (the sum of its ledger rows, kept by a trigger),
    # its void and its referral to collections.
    op.add_column(
        "citation",
        sa.Column(
            "balance",
            sa.Numeric(precision=12, scale=2),
            server_default=sa.text("0"),
            nullable=False,
        ),
        schema=SCHEMA,
    )
    op.add_column(
        "citation", sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True), schema=SCHEMA
    )
    op.add_column("citation", sa.Column("voided_by", sa.Text(), nullable=True), schema=SCHEMA)
    op.add_column("citation", sa.Column("void_reason", sa.Text(), nullable=True), schema=SCHEMA)
    op.add_column(
        "citation",
        sa.Column("collections_at", sa.DateTime(timezone=True), nullable=True),
        schema=SCHEMA,
    )
    _check("citation", "balance_not_negative", "balance >= 0")
    _check(
        "citation",
        "void_whole",
        "(voided_at IS NULL) = (voided_by IS NULL) AND (voided_at IS NULL) = (void_reason IS NULL)",
    )
    _check("citation", "void_reason_length", "length(btrim(void_reason)) BETWEEN 3 AND 300")
    _check("citation", "void_reason_no_card_number", "parkdesk.card_number_free(void_reason)")
    # What the plate check counts at every scan (unpaid_past_due) and the clock job walks.
    op.create_index(
        "ix_citation_unpaid",
        "citation",
        ["jurisdiction", "plate_normalized", "due_on"],
        schema=SCHEMA,
        postgresql_where=sa.text("balance > 0 AND voided_at IS NULL"),
    )
    op.create_index(
        "ix_citation_unpaid_issued",
        "citation",
        ["issued_at"],
        schema=SCHEMA,
        postgresql_where=sa.text("balance > 0 AND voided_at IS NULL"),
    )

    # The owner gave up REFERENCES on the ledger (90_privileges.sql); it takes it back for
    # this one foreign key, and the SQL files take it away again after the migrations.
    op.execute("GRANT REFERENCES ON parkdesk.ledger_entry TO parkdesk_owner")
    op.create_table(
        "citation_stage",
        sa.Column("citation_id", sa.BigInteger(), nullable=False),
        sa.Column("stage_id", sa.BigInteger(), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ledger_entry_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["citation_id"],
            ["parkdesk.citation.id"],
            name=op.f("fk_citation_stage_citation_id_citation"),
        ),
        sa.ForeignKeyConstraint(
            ["stage_id"],
            ["parkdesk.escalation_stage.id"],
            name=op.f("fk_citation_stage_stage_id_escalation_stage"),
        ),
        sa.ForeignKeyConstraint(
            ["ledger_entry_id"],
            ["parkdesk.ledger_entry.id"],
            name=op.f("fk_citation_stage_ledger_entry_id_ledger_entry"),
        ),
        sa.PrimaryKeyConstraint("citation_id", "stage_id", name=op.f("pk_citation_stage")),
        schema=SCHEMA,
    )
    index("citation_stage", "stage_id")

    # The ledger: citations' rows, new kinds and their signs.
    op.add_column(
        "ledger_entry", sa.Column("citation_id", sa.BigInteger(), nullable=True), schema=SCHEMA
    )
    op.create_foreign_key(
        op.f("fk_ledger_entry_citation_id_citation"),
        "ledger_entry",
        "citation",
        ["citation_id"],
        ["id"],
        source_schema=SCHEMA,
        referent_schema=SCHEMA,
    )
    index("ledger_entry", "citation_id")
    op.drop_constraint(op.f("ck_ledger_entry_kind_known"), "ledger_entry", schema=SCHEMA)
    op.drop_constraint(op.f("ck_ledger_entry_sign_matches_kind"), "ledger_entry", schema=SCHEMA)
    _check("ledger_entry", "kind_known", f"kind IN ({KINDS})")
    _check("ledger_entry", "sign_matches_kind", SIGNS)
    _check(
        "ledger_entry",
        "citation_kinds_name_a_citation",
        "kind NOT IN ('fine', 'late_fee', 'discount', 'void') OR citation_id IS NOT NULL",
    )
    _check("ledger_entry", "citation_not_a_parkers", "citation_id IS NULL OR parker_id IS NULL")

    # Arguments changed: the SQL files define the new ones.
    op.execute(
        "DROP FUNCTION IF EXISTS parkdesk.post_line(text, numeric, bigint, bigint, text, "
        "bigint, bigint)"
    )
    op.execute(
        "DROP FUNCTION IF EXISTS parkdesk.take_payment(uuid, text, bigint, bigint, numeric, "
        "jsonb, text, bigint)"
    )
    op.execute("RESET ROLE")


def downgrade() -> None:
    raise RuntimeError("Citations' money cannot be downgraded; restore a backup instead.")
