"""Enforcement: violation codes, the fine schedule, field devices with their citation
number ranges, spoiled numbers and citations; two office settings (the check-digit
scheme of citation numbers and the days until a citation is due).

Officers' devices write citations only through ``issue_citation`` and managers spoil
numbers only through ``spoil_numbers`` (``desktop/models/sql/65_enforcement.sql``); this
migration adds what holds data.
"""

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from desktop.models.migrations.columns import created, index, stamped

revision = "0007"
down_revision = "0006"


def _card_free(table: str, column: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(
        f"parkdesk.card_number_free({column})", name=op.f(f"ck_{table}_{column}_no_card_number")
    )


def _id() -> sa.Column[Any]:
    return sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False)


def upgrade() -> None:
    op.execute("SET LOCAL ROLE parkdesk_owner")
    op.add_column(
        "office_setting",
        sa.Column(
            "check_digit_scheme", sa.Text(), server_default=sa.text("'luhn'"), nullable=False
        ),
        schema="parkdesk",
    )
    op.create_check_constraint(
        op.f("ck_office_setting_check_digit_scheme_known"),
        "office_setting",
        "check_digit_scheme IN ('luhn', 'mod11', 'mod7')",
        schema="parkdesk",
    )
    op.add_column(
        "office_setting",
        sa.Column("citation_due_days", sa.Integer(), server_default=sa.text("30"), nullable=False),
        schema="parkdesk",
    )
    op.create_check_constraint(
        op.f("ck_office_setting_citation_due_days_range"),
        "office_setting",
        "citation_due_days BETWEEN 1 AND 365",
        schema="parkdesk",
    )
    op.create_unique_constraint(
        op.f("uq_zone_id_lot_id"), "zone", ["id", "lot_id"], schema="parkdesk"
    )
    op.create_table(
        "violation",
        _id(),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("warning_only", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("active", sa.Boolean(), server_default="true", nullable=False),
        *stamped(),
        sa.CheckConstraint("code ~ '^[A-Z0-9-]{1,10}$'", name=op.f("ck_violation_code_format")),
        sa.CheckConstraint(
            "length(btrim(description)) BETWEEN 1 AND 200",
            name=op.f("ck_violation_description_length"),
        ),
        _card_free("violation", "description"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_violation")),
        sa.UniqueConstraint("code", name=op.f("uq_violation_code")),
        schema="parkdesk",
    )
    op.create_table(
        "fine_rule",
        _id(),
        sa.Column("violation_id", sa.BigInteger(), nullable=False),
        sa.Column("lot_id", sa.BigInteger(), nullable=True),
        sa.Column("zone_id", sa.BigInteger(), nullable=True),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        *stamped(),
        sa.CheckConstraint(
            "amount >= 0 AND amount <= 10000", name=op.f("ck_fine_rule_amount_range")
        ),
        sa.CheckConstraint(
            "zone_id IS NULL OR lot_id IS NOT NULL", name=op.f("ck_fine_rule_zone_needs_lot")
        ),
        sa.ForeignKeyConstraint(
            ["violation_id"],
            ["parkdesk.violation.id"],
            name=op.f("fk_fine_rule_violation_id_violation"),
        ),
        sa.ForeignKeyConstraint(
            ["lot_id"], ["parkdesk.lot.id"], name=op.f("fk_fine_rule_lot_id_lot")
        ),
        sa.ForeignKeyConstraint(
            ["zone_id", "lot_id"],
            ["parkdesk.zone.id", "parkdesk.zone.lot_id"],
            name=op.f("fk_fine_rule_zone_id_zone"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fine_rule")),
        sa.UniqueConstraint(
            "violation_id",
            "lot_id",
            "zone_id",
            name=op.f("uq_fine_rule_violation_id_lot_id_zone_id"),
            postgresql_nulls_not_distinct=True,
        ),
        schema="parkdesk",
    )
    index("fine_rule", "lot_id")
    op.create_table(
        "device",
        _id(),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("active", sa.Boolean(), server_default="true", nullable=False),
        *stamped(),
        sa.CheckConstraint("code ~ '^[A-Z0-9-]{2,20}$'", name=op.f("ck_device_code_format")),
        sa.CheckConstraint(
            "kind IN ('handheld', 'lpr_vehicle', 'fixed_camera')", name=op.f("ck_device_kind_known")
        ),
        sa.CheckConstraint("length(description) <= 200", name=op.f("ck_device_description_length")),
        _card_free("device", "code"),
        _card_free("device", "description"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_device")),
        sa.UniqueConstraint("code", name=op.f("uq_device_code")),
        schema="parkdesk",
    )
    op.create_table(
        "citation_range",
        _id(),
        sa.Column("device_id", sa.BigInteger(), nullable=False),
        sa.Column("prefix", sa.Text(), nullable=False),
        sa.Column("first_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        *created(),
        sa.CheckConstraint("prefix ~ '^[A-Z]{1,4}$'", name=op.f("ck_citation_range_prefix_format")),
        sa.CheckConstraint("width BETWEEN 4 AND 9", name=op.f("ck_citation_range_width_range")),
        sa.CheckConstraint(
            "first_seq >= 0 AND first_seq <= last_seq AND last_seq < power(10::numeric, width)",
            name=op.f("ck_citation_range_sequence_fits"),
        ),
        postgresql.ExcludeConstraint(
            (sa.column("prefix"), "="),
            (sa.text("int8range(first_seq, last_seq, '[]')"), "&&"),
            using="gist",
            name="ex_citation_range_no_overlap",
        ),
        sa.ForeignKeyConstraint(
            ["device_id"], ["parkdesk.device.id"], name=op.f("fk_citation_range_device_id_device")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citation_range")),
        schema="parkdesk",
    )
    index("citation_range", "device_id")
    op.create_table(
        "spoiled_number",
        _id(),
        sa.Column("range_id", sa.BigInteger(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        *created(),
        sa.CheckConstraint(
            "length(btrim(reason)) BETWEEN 3 AND 300", name=op.f("ck_spoiled_number_reason_length")
        ),
        _card_free("spoiled_number", "reason"),
        sa.ForeignKeyConstraint(
            ["range_id"],
            ["parkdesk.citation_range.id"],
            name=op.f("fk_spoiled_number_range_id_citation_range"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spoiled_number")),
        sa.UniqueConstraint("range_id", "seq", name=op.f("uq_spoiled_number_range_id_seq")),
        schema="parkdesk",
    )
    op.create_table(
        "device_request",
        _id(),
        sa.Column("device_id", sa.BigInteger(), nullable=False),
        sa.Column("device_seq", sa.BigInteger(), nullable=False),
        sa.Column("operation", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.LargeBinary(), nullable=False),
        sa.Column("result", sa.BigInteger(), nullable=True),
        sa.Column("login", sa.Text(), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"], ["parkdesk.device.id"], name=op.f("fk_device_request_device_id_device")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_device_request")),
        sa.UniqueConstraint(
            "device_id", "device_seq", name=op.f("uq_device_request_device_id_device_seq")
        ),
        schema="parkdesk",
    )
    op.create_table(
        "citation",
        _id(),
        sa.Column("number", sa.Text(), nullable=False),
        sa.Column("range_id", sa.BigInteger(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("device_id", sa.BigInteger(), nullable=False),
        sa.Column("officer", sa.Text(), nullable=False),
        sa.Column("device_seq", sa.BigInteger(), nullable=False),
        sa.Column("jurisdiction", sa.Text(), nullable=False),
        sa.Column("plate_raw", sa.Text(), nullable=False),
        sa.Column(
            "plate_normalized",
            sa.Text(),
            sa.Computed(
                "upper(regexp_replace(plate_raw, '[[:space:].-]', '', 'g'))", persisted=True
            ),
            nullable=False,
        ),
        sa.Column("vehicle_id", sa.BigInteger(), nullable=True),
        sa.Column("violation_id", sa.BigInteger(), nullable=False),
        sa.Column("lot_id", sa.BigInteger(), nullable=False),
        sa.Column("zone_id", sa.BigInteger(), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("fine", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("make", sa.Text(), nullable=True),
        sa.Column("colour", sa.Text(), nullable=True),
        *stamped(),
        sa.CheckConstraint(
            "number ~ '^[A-Z]{1,4}[0-9]{5,10}$'", name=op.f("ck_citation_number_format")
        ),
        sa.CheckConstraint(
            "jurisdiction ~ '^[A-Z]{2}(-[A-Z0-9]{1,3})?$'",
            name=op.f("ck_citation_jurisdiction_format"),
        ),
        sa.CheckConstraint(
            "length(plate_raw) <= 20 AND plate_normalized ~ '^[A-Z0-9]{1,10}$'",
            name=op.f("ck_citation_plate_valid"),
        ),
        sa.CheckConstraint("fine >= 0 AND fine <= 10000", name=op.f("ck_citation_fine_range")),
        sa.CheckConstraint("length(note) <= 500", name=op.f("ck_citation_note_length")),
        sa.CheckConstraint("length(make) <= 40", name=op.f("ck_citation_make_length")),
        sa.CheckConstraint("length(colour) <= 30", name=op.f("ck_citation_colour_length")),
        _card_free("citation", "note"),
        _card_free("citation", "make"),
        _card_free("citation", "colour"),
        sa.ForeignKeyConstraint(
            ["range_id"],
            ["parkdesk.citation_range.id"],
            name=op.f("fk_citation_range_id_citation_range"),
        ),
        sa.ForeignKeyConstraint(
            ["device_id"], ["parkdesk.device.id"], name=op.f("fk_citation_device_id_device")
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"], ["parkdesk.vehicle.id"], name=op.f("fk_citation_vehicle_id_vehicle")
        ),
        sa.ForeignKeyConstraint(
            ["violation_id"],
            ["parkdesk.violation.id"],
            name=op.f("fk_citation_violation_id_violation"),
        ),
        sa.ForeignKeyConstraint(
            ["lot_id"], ["parkdesk.lot.id"], name=op.f("fk_citation_lot_id_lot")
        ),
        sa.ForeignKeyConstraint(
            ["zone_id", "lot_id"],
            ["parkdesk.zone.id", "parkdesk.zone.lot_id"],
            name=op.f("fk_citation_zone_id_zone"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citation")),
        sa.UniqueConstraint("number", name=op.f("uq_citation_number")),
        sa.UniqueConstraint("range_id", "seq", name=op.f("uq_citation_range_id_seq")),
        sa.UniqueConstraint(
            "device_id", "device_seq", name=op.f("uq_citation_device_id_device_seq")
        ),
        schema="parkdesk",
    )
    index("citation", "vehicle_id")
    index("citation", "violation_id")
    index("citation", "lot_id")
    op.create_index(
        "ix_citation_plate", "citation", ["plate_normalized", "jurisdiction"], schema="parkdesk"
    )
    op.execute("RESET ROLE")


def downgrade() -> None:
    raise RuntimeError("Citations cannot be downgraded; restore a backup instead.")
