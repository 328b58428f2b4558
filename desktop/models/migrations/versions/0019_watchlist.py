"""The watchlist (hotlist, BOLO) and its live alerts (SPEC "Security", rule 16).

A dispatcher keeps entries by plate — in one jurisdiction or any, exact or with one or
two ``*`` standing for any characters, as LPR hotlists allow — each with a confidential
reason, the instruction whoever meets the car is given, a priority and an expiry; an
entry is retired, never deleted. A plate that matches an entry in force, when a device
reads it, a desk or a device checks it, or an officer cites it, raises an alert to every
dispatcher; repeats of one plate merge into one alert with a count until a dispatcher
acknowledges it, and for the office's merge window after.

``check_plate``, ``record_plate_read`` and the verdict they share answer with the
instruction, so their old signatures are dropped here; ``desktop/models/sql/`` defines
them again, with ``88_watchlist.sql``.
"""

import sqlalchemy as sa
from alembic import op

from desktop.models.migrations.columns import SCHEMA, index, stamped

revision = "0019"
down_revision = "0018"

RETIRED = (
    "check_plate(text, text, text, timestamptz)",
    "record_plate_read(text, bigint, text, text, text, timestamptz, numeric, numeric, numeric, "
    "bytea, text)",
    "plate_verdict(text, text, parkdesk.lot, parkdesk.zone, timestamptz)",
)


def _check(table: str, name: str, condition: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(condition, name=op.f(f"ck_{table}_{name}"))


def upgrade() -> None:
    op.execute("SET LOCAL ROLE parkdesk_owner")
    for signature in RETIRED:
        op.execute(f"DROP FUNCTION IF EXISTS parkdesk.{signature}")
    op.add_column(
        "office_setting",
        sa.Column("watchlist_merge_minutes", sa.Integer(), server_default="30", nullable=False),
        schema=SCHEMA,
    )
    op.create_check_constraint(
        op.f("ck_office_setting_watchlist_merge_minutes_range"),
        "office_setting",
        "watchlist_merge_minutes BETWEEN 1 AND 1440",
        schema=SCHEMA,
    )
    op.create_table(
        "watchlist_entry",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        # NULL: any jurisdiction.
        sa.Column("jurisdiction", sa.Text(), nullable=True),
        sa.Column("plate_pattern", sa.Text(), nullable=False),
        sa.Column(
            "partial",
            sa.Boolean(),
            sa.Computed("strpos(plate_pattern, '*') > 0", persisted=True),
            nullable=False,
        ),
        sa.Column(
            "plate_like",
            sa.Text(),
            sa.Computed("replace(plate_pattern, '*', '_%')", persisted=True),
            nullable=False,
        ),
        sa.Column("category", sa.Text(), server_default="BOLO", nullable=False),
        sa.Column("priority", sa.SmallInteger(), server_default="2", nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("instruction", sa.Text(), nullable=False),
        sa.Column(
            "starts_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retired_by", sa.Text(), nullable=True),
        sa.Column("retire_reason", sa.Text(), nullable=True),
        *stamped(),
        _check(
            "watchlist_entry",
            "pattern_format",
            "plate_pattern ~ '^[A-Z0-9*]{2,12}$' "
            "AND length(replace(plate_pattern, '*', '')) >= 2 "
            "AND length(plate_pattern) - length(replace(plate_pattern, '*', '')) <= 2 "
            "AND strpos(plate_pattern, '**') = 0",
        ),
        _check(
            "watchlist_entry", "jurisdiction_format", "jurisdiction ~ '^[A-Z]{2}(-[A-Z0-9]{1,3})?$'"
        ),
        _check("watchlist_entry", "category_length", "length(btrim(category)) BETWEEN 1 AND 40"),
        _check("watchlist_entry", "priority_range", "priority BETWEEN 1 AND 3"),
        _check("watchlist_entry", "reason_length", "length(btrim(reason)) BETWEEN 3 AND 500"),
        _check(
            "watchlist_entry", "instruction_length", "length(btrim(instruction)) BETWEEN 3 AND 300"
        ),
        _check(
            "watchlist_entry", "expires_after_start", "expires_at IS NULL OR expires_at > starts_at"
        ),
        _check(
            "watchlist_entry",
            "retired_whole",
            "(retired_at IS NULL) = (retired_by IS NULL) "
            "AND (retired_at IS NULL) = (retire_reason IS NULL)",
        ),
        _check(
            "watchlist_entry",
            "retire_reason_length",
            "length(btrim(retire_reason)) BETWEEN 3 AND 300",
        ),
        *(
            _check(
                "watchlist_entry",
                f"{column}_no_card_number",
                f"parkdesk.card_number_free({column})",
            )
            for column in ("category", "reason", "instruction", "retire_reason")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watchlist_entry")),
        schema=SCHEMA,
    )
    # An exact plate is found by its index; the wildcard entries in force are few and
    # tried one by one.
    op.create_index(
        "ix_watchlist_entry_exact",
        "watchlist_entry",
        ["plate_pattern"],
        schema=SCHEMA,
        postgresql_where=sa.text("NOT partial AND retired_at IS NULL"),
    )
    op.create_index(
        "ix_watchlist_entry_wildcards",
        "watchlist_entry",
        ["id"],
        schema=SCHEMA,
        postgresql_where=sa.text("partial AND retired_at IS NULL"),
    )
    op.create_table(
        "watchlist_alert",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("entry_id", sa.BigInteger(), nullable=False),
        sa.Column("jurisdiction", sa.Text(), nullable=False),
        sa.Column("plate", sa.Text(), nullable=False),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hits", sa.Integer(), server_default="1", nullable=False),
        # The latest hit: how the plate was met (a read, a check, a citation), when (the
        # device's time), where, by which device and login.
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lot_id", sa.BigInteger(), nullable=True),
        sa.Column("device_id", sa.BigInteger(), nullable=True),
        sa.Column("seen_by", sa.Text(), nullable=False),
        sa.Column("read_id", sa.BigInteger(), nullable=True),
        sa.Column("citation_id", sa.BigInteger(), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.Text(), nullable=True),
        sa.Column("acknowledge_note", sa.Text(), nullable=True),
        _check("watchlist_alert", "source_known", "source IN ('read', 'check', 'citation')"),
        _check("watchlist_alert", "hits_positive", "hits >= 1"),
        _check(
            "watchlist_alert",
            "acknowledged_whole",
            "(acknowledged_at IS NULL) = (acknowledged_by IS NULL)",
        ),
        _check("watchlist_alert", "acknowledge_note_length", "length(acknowledge_note) <= 300"),
        _check(
            "watchlist_alert",
            "acknowledge_note_no_card_number",
            "parkdesk.card_number_free(acknowledge_note)",
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["parkdesk.watchlist_entry.id"],
            name=op.f("fk_watchlist_alert_entry_id_watchlist_entry"),
        ),
        sa.ForeignKeyConstraint(
            ["citation_id"],
            ["parkdesk.citation.id"],
            name=op.f("fk_watchlist_alert_citation_id_citation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watchlist_alert")),
        schema=SCHEMA,
    )
    index("watchlist_alert", "entry_id")
    # One alert waiting for a dispatcher per entry and plate: repeats merge into it.
    op.create_index(
        "uq_watchlist_alert_waiting",
        "watchlist_alert",
        ["entry_id", "jurisdiction", "plate"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("acknowledged_at IS NULL"),
    )
    op.create_index(
        "ix_watchlist_alert_recent", "watchlist_alert", [sa.text("last_at DESC")], schema=SCHEMA
    )
    op.execute("RESET ROLE")


def downgrade() -> None:
    raise RuntimeError("The watchlist cannot be downgraded; restore a backup instead.")
