"""Appeals (SPEC rule 8): an appeal of a citation with its steps, the managers' list of
reasons for decisions, the office's appeal window, answer time, hearing rule and claim
lease, and each violation's own window (or none: not appealable).

The functions that file, claim, decide and reopen appeals, and the case timeline, are
in ``desktop/models/sql/87_appeals.sql``.
"""

import sqlalchemy as sa
from alembic import op

from desktop.models.migrations.columns import SCHEMA, stamped

revision = "0015"
down_revision = "0014"

#: The reasons an office starts with; a manager edits the list.
REASONS = (
    ("uphold", "The citation was correctly issued"),
    ("uphold", "No valid permit covered the vehicle at the time"),
    ("reduce", "First offence: the fine is reduced"),
    ("reduce", "Mitigating circumstances"),
    ("dismiss", "A valid permit covered the vehicle at the time"),
    ("dismiss", "Signs were missing or unclear"),
    ("dismiss", "Issued in error (wrong plate, lot or time)"),
)


def _check(table: str, name: str, condition: str) -> None:
    op.create_check_constraint(op.f(f"ck_{table}_{name}"), table, condition, schema=SCHEMA)


def upgrade() -> None:
    op.execute("SET LOCAL ROLE parkdesk_owner")
    op.create_table(
        "appeal_reason",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("decision", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default="true", nullable=False),
        *stamped(),
        sa.CheckConstraint(
            "decision IN ('uphold', 'reduce', 'dismiss')",
            name=op.f("ck_appeal_reason_decision_known"),
        ),
        sa.CheckConstraint(
            "length(btrim(text)) BETWEEN 3 AND 200", name=op.f("ck_appeal_reason_text_length")
        ),
        sa.CheckConstraint(
            "parkdesk.card_number_free(text)", name=op.f("ck_appeal_reason_text_no_card_number")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appeal_reason")),
        schema="parkdesk",
    )
    op.create_table(
        "appeal",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("number", sa.Text(), nullable=False),
        sa.Column("citation_id", sa.BigInteger(), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("filed_by", sa.Text(), nullable=False),
        sa.Column("channel", sa.Text(), nullable=False),
        sa.Column("appellant", sa.Text(), nullable=False),
        sa.Column("contact", sa.Text(), server_default="", nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("late_reason", sa.Text(), nullable=True),
        sa.Column("late_accepted_by", sa.Text(), nullable=True),
        sa.Column("level", sa.Text(), server_default="review", nullable=False),
        sa.Column("status", sa.Text(), server_default="open", nullable=False),
        sa.Column("hearing_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hearing_place", sa.Text(), nullable=True),
        sa.Column("claimed_by", sa.Text(), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision", sa.Text(), nullable=True),
        sa.Column("reason_id", sa.BigInteger(), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("reduced_to", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column(
            "taken_off", sa.Numeric(precision=12, scale=2), server_default="0", nullable=False
        ),
        sa.Column(
            "refund_due", sa.Numeric(precision=12, scale=2), server_default="0", nullable=False
        ),
        sa.Column("paused_days", sa.Integer(), server_default="0", nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.Text(), nullable=True),
        *stamped(),
        sa.CheckConstraint(
            "(decision = 'reduce') = (reduced_to IS NOT NULL)",
            name=op.f("ck_appeal_reduced_to_with_reduce"),
        ),
        sa.CheckConstraint(
            "(level = 'hearing') = (hearing_at IS NOT NULL AND hearing_place IS NOT NULL)",
            name=op.f("ck_appeal_hearing_whole"),
        ),
        sa.CheckConstraint(
            "(status = 'decided') = (decision IS NOT NULL AND decided_at IS NOT NULL AND decided_by IS NOT NULL AND reason_id IS NOT NULL)",
            name=op.f("ck_appeal_decision_whole"),
        ),
        sa.CheckConstraint(
            "channel IN ('in_person', 'phone', 'mail', 'online')",
            name=op.f("ck_appeal_channel_known"),
        ),
        sa.CheckConstraint(
            "decision IN ('uphold', 'reduce', 'dismiss')", name=op.f("ck_appeal_decision_known")
        ),
        sa.CheckConstraint("level IN ('review', 'hearing')", name=op.f("ck_appeal_level_known")),
        sa.CheckConstraint(
            "number ~ '^A[0-9]{4}-[0-9]{5,}$'", name=op.f("ck_appeal_number_format")
        ),
        sa.CheckConstraint(
            "status = 'open' OR claimed_by IS NULL", name=op.f("ck_appeal_claim_only_open")
        ),
        sa.CheckConstraint(
            "status IN ('open', 'decided', 'withdrawn')", name=op.f("ck_appeal_status_known")
        ),
        sa.CheckConstraint(
            "(claimed_by IS NULL) = (claimed_until IS NULL)", name=op.f("ck_appeal_claim_whole")
        ),
        sa.CheckConstraint(
            "(late_reason IS NULL) = (late_accepted_by IS NULL)", name=op.f("ck_appeal_late_whole")
        ),
        sa.CheckConstraint(
            "length(btrim(appellant)) BETWEEN 2 AND 200", name=op.f("ck_appeal_appellant_length")
        ),
        sa.CheckConstraint(
            "length(btrim(hearing_place)) BETWEEN 2 AND 200",
            name=op.f("ck_appeal_hearing_place_length"),
        ),
        sa.CheckConstraint(
            "length(btrim(late_reason)) BETWEEN 3 AND 300",
            name=op.f("ck_appeal_late_reason_length"),
        ),
        sa.CheckConstraint(
            "length(btrim(statement)) BETWEEN 3 AND 4000", name=op.f("ck_appeal_statement_length")
        ),
        sa.CheckConstraint("length(contact) <= 200", name=op.f("ck_appeal_contact_length")),
        sa.CheckConstraint(
            "length(decision_note) <= 2000", name=op.f("ck_appeal_decision_note_length")
        ),
        sa.CheckConstraint(
            "parkdesk.card_number_free(appellant)", name=op.f("ck_appeal_appellant_no_card_number")
        ),
        sa.CheckConstraint(
            "parkdesk.card_number_free(contact)", name=op.f("ck_appeal_contact_no_card_number")
        ),
        sa.CheckConstraint(
            "parkdesk.card_number_free(decision_note)",
            name=op.f("ck_appeal_decision_note_no_card_number"),
        ),
        sa.CheckConstraint(
            "parkdesk.card_number_free(hearing_place)",
            name=op.f("ck_appeal_hearing_place_no_card_number"),
        ),
        sa.CheckConstraint(
            "parkdesk.card_number_free(late_reason)",
            name=op.f("ck_appeal_late_reason_no_card_number"),
        ),
        sa.CheckConstraint(
            "parkdesk.card_number_free(statement)", name=op.f("ck_appeal_statement_no_card_number")
        ),
        sa.CheckConstraint("paused_days >= 0", name=op.f("ck_appeal_paused_days_not_negative")),
        sa.CheckConstraint("reduced_to > 0", name=op.f("ck_appeal_reduced_to_positive")),
        sa.CheckConstraint(
            "taken_off >= 0 AND refund_due >= 0", name=op.f("ck_appeal_money_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["citation_id"], ["parkdesk.citation.id"], name=op.f("fk_appeal_citation_id_citation")
        ),
        sa.ForeignKeyConstraint(
            ["reason_id"],
            ["parkdesk.appeal_reason.id"],
            name=op.f("fk_appeal_reason_id_appeal_reason"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appeal")),
        sa.UniqueConstraint("number", name=op.f("uq_appeal_number")),
        schema="parkdesk",
    )
    op.create_index(
        op.f("ix_appeal_citation_id"), "appeal", ["citation_id"], unique=False, schema="parkdesk"
    )
    op.create_index(
        "ix_appeal_queue",
        "appeal",
        ["status", "level", "filed_at"],
        unique=False,
        schema="parkdesk",
    )
    op.create_index(
        "uq_appeal_one_open",
        "appeal",
        ["citation_id"],
        unique=True,
        schema="parkdesk",
        postgresql_where=sa.text("status = 'open'"),
    )
    op.create_table(
        "appeal_step",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("appeal_id", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.Text(), nullable=False),
        sa.Column("step", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.CheckConstraint(
            "step IN ('filed', 'late_accepted', 'claimed', 'released', 'hearing_set', 'decided', 'withdrawn', 'reopened')",
            name=op.f("ck_appeal_step_step_known"),
        ),
        sa.CheckConstraint("length(note) <= 2000", name=op.f("ck_appeal_step_note_length")),
        sa.CheckConstraint(
            "parkdesk.card_number_free(note)", name=op.f("ck_appeal_step_note_no_card_number")
        ),
        sa.ForeignKeyConstraint(
            ["appeal_id"], ["parkdesk.appeal.id"], name=op.f("fk_appeal_step_appeal_id_appeal")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appeal_step")),
        schema="parkdesk",
    )
    op.create_index(
        op.f("ix_appeal_step_appeal_id"),
        "appeal_step",
        ["appeal_id"],
        unique=False,
        schema="parkdesk",
    )
    op.add_column(
        "office_setting",
        sa.Column("appeal_window_days", sa.Integer(), server_default=sa.text("30"), nullable=False),
        schema="parkdesk",
    )
    op.add_column(
        "office_setting",
        sa.Column(
            "appeal_response_days", sa.Integer(), server_default=sa.text("30"), nullable=False
        ),
        schema="parkdesk",
    )
    op.add_column(
        "office_setting",
        sa.Column("hearing_requires_payment", sa.Boolean(), server_default="false", nullable=False),
        schema="parkdesk",
    )
    op.add_column(
        "office_setting",
        sa.Column(
            "appeal_lease_minutes", sa.Integer(), server_default=sa.text("20"), nullable=False
        ),
        schema="parkdesk",
    )
    op.add_column(
        "violation",
        sa.Column("appealable", sa.Boolean(), server_default="true", nullable=False),
        schema="parkdesk",
    )
    op.add_column(
        "violation", sa.Column("appeal_window_days", sa.Integer(), nullable=True), schema="parkdesk"
    )
    _check("office_setting", "appeal_window_days_range", "appeal_window_days BETWEEN 1 AND 365")
    _check("office_setting", "appeal_response_days_range", "appeal_response_days BETWEEN 1 AND 365")
    _check("office_setting", "appeal_lease_minutes_range", "appeal_lease_minutes BETWEEN 5 AND 240")
    _check("violation", "appeal_window_days_range", "appeal_window_days BETWEEN 1 AND 365")
    reasons = sa.table("appeal_reason", sa.column("decision"), sa.column("text"), schema=SCHEMA)
    op.bulk_insert(reasons, [{"decision": d, "text": t} for d, t in REASONS])
    op.execute("RESET ROLE")


def downgrade() -> None:
    raise RuntimeError("Appeals cannot be downgraded; restore a backup instead.")
