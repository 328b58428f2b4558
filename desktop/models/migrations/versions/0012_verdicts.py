"""What the officer's verdict adds (SPEC rules 4, 5 and 16): zones in the device API,
time-limited zones (virtual chalking), exemptions ("do not ticket") and flags on a permit
whose vehicles are on site together.

``check_plate`` and ``record_plate_read`` answer with more columns, so their old
signatures are dropped here and ``desktop/models/sql/`` defines them again.
"""

import sqlalchemy as sa
from alembic import op

from desktop.models.migrations.columns import stamped

revision = "0012"
down_revision = "0011"

#: Functions whose result changes: the SQL files create them again.
RETIRED = (
    "check_plate(text, text, text, timestamptz)",
    "record_plate_read(text, bigint, text, text, text, timestamptz, numeric, numeric, numeric, "
    "bytea, text)",
)


def upgrade() -> None:
    op.execute("SET LOCAL ROLE parkdesk_owner")
    for signature in RETIRED:
        op.execute(f"DROP FUNCTION IF EXISTS parkdesk.{signature}")
    op.add_column(
        "zone",
        sa.Column("time_limit_minutes", sa.Integer(), nullable=True),
        schema="parkdesk",
    )
    op.create_check_constraint(
        op.f("ck_zone_time_limit_minutes_range"),
        "zone",
        "time_limit_minutes BETWEEN 5 AND 1440",
        schema="parkdesk",
    )
    op.add_column(
        "office_setting",
        sa.Column(
            "shared_permit_window_minutes",
            sa.Integer(),
            server_default=sa.text("60"),
            nullable=False,
        ),
        schema="parkdesk",
    )
    op.create_check_constraint(
        op.f("ck_office_setting_shared_permit_window_minutes_range"),
        "office_setting",
        "shared_permit_window_minutes BETWEEN 0 AND 1440",
        schema="parkdesk",
    )
    # A read's zone, and what the verdict said beyond the permit: columns every read stored
    # before leaves empty, and which its hash covers only when set. No check is added, so
    # the months of reads already kept are not scanned (the exemption is copied from an
    # exemption's checked reason).
    op.add_column("plate_read", sa.Column("zone_id", sa.BigInteger()), schema="parkdesk")
    op.add_column(
        "plate_read",
        sa.Column("over_limit_since", sa.DateTime(timezone=True)),
        schema="parkdesk",
    )
    op.add_column("plate_read", sa.Column("exemption", sa.Text()), schema="parkdesk")
    op.create_foreign_key(
        op.f("fk_plate_read_zone_id_zone"),
        "plate_read",
        "zone",
        ["zone_id", "lot_id"],
        ["id", "lot_id"],
        source_schema="parkdesk",
        referent_schema="parkdesk",
    )
    op.create_table(
        "exemption",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("jurisdiction", sa.Text(), nullable=False),
        sa.Column("plate_normalized", sa.Text(), nullable=False),
        sa.Column("lot_id", sa.BigInteger(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column(
            "starts_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        *stamped(),
        sa.CheckConstraint(
            "jurisdiction ~ '^[A-Z]{2}(-[A-Z0-9]{1,3})?$'",
            name=op.f("ck_exemption_jurisdiction_format"),
        ),
        sa.CheckConstraint(
            "plate_normalized ~ '^[A-Z0-9]{1,10}$'", name=op.f("ck_exemption_plate_format")
        ),
        sa.CheckConstraint(
            "length(btrim(reason)) BETWEEN 3 AND 200", name=op.f("ck_exemption_reason_length")
        ),
        sa.CheckConstraint(
            "parkdesk.card_number_free(reason)", name=op.f("ck_exemption_reason_no_card_number")
        ),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_exemption_ends_after_start")),
        sa.ForeignKeyConstraint(
            ["lot_id"], ["parkdesk.lot.id"], name=op.f("fk_exemption_lot_id_lot")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exemption")),
        schema="parkdesk",
    )
    op.create_index(
        op.f("ix_exemption_plate"),
        "exemption",
        ["jurisdiction", "plate_normalized"],
        schema="parkdesk",
    )
    op.create_table(
        "permit_flag",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("permit_id", sa.BigInteger(), nullable=False),
        sa.Column("lot_id", sa.BigInteger(), nullable=False),
        sa.Column("first_read_id", sa.BigInteger(), nullable=False),
        sa.Column("first_read_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_vehicle_id", sa.BigInteger(), nullable=False),
        sa.Column("second_read_id", sa.BigInteger(), nullable=False),
        sa.Column("second_read_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("second_vehicle_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "flagged_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cleared_by", sa.Text(), nullable=True),
        sa.Column("clear_note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "(cleared_at IS NULL) = (cleared_by IS NULL) AND "
            "(cleared_at IS NULL) = (clear_note IS NULL)",
            name=op.f("ck_permit_flag_cleared_whole"),
        ),
        sa.CheckConstraint(
            "length(btrim(clear_note)) BETWEEN 3 AND 500",
            name=op.f("ck_permit_flag_clear_note_length"),
        ),
        sa.CheckConstraint(
            "parkdesk.card_number_free(clear_note)",
            name=op.f("ck_permit_flag_clear_note_no_card_number"),
        ),
        sa.CheckConstraint(
            "first_vehicle_id <> second_vehicle_id", name=op.f("ck_permit_flag_two_vehicles")
        ),
        sa.ForeignKeyConstraint(
            ["permit_id"], ["parkdesk.permit.id"], name=op.f("fk_permit_flag_permit_id_permit")
        ),
        sa.ForeignKeyConstraint(
            ["lot_id"], ["parkdesk.lot.id"], name=op.f("fk_permit_flag_lot_id_lot")
        ),
        sa.ForeignKeyConstraint(
            ["first_read_id", "first_read_at"],
            ["parkdesk.plate_read.id", "parkdesk.plate_read.read_at"],
            name=op.f("fk_permit_flag_first_read_id_plate_read"),
        ),
        sa.ForeignKeyConstraint(
            ["second_read_id", "second_read_at"],
            ["parkdesk.plate_read.id", "parkdesk.plate_read.read_at"],
            name=op.f("fk_permit_flag_second_read_id_plate_read"),
        ),
        sa.ForeignKeyConstraint(
            ["first_vehicle_id"],
            ["parkdesk.vehicle.id"],
            name=op.f("fk_permit_flag_first_vehicle_id_vehicle"),
        ),
        sa.ForeignKeyConstraint(
            ["second_vehicle_id"],
            ["parkdesk.vehicle.id"],
            name=op.f("fk_permit_flag_second_vehicle_id_vehicle"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_permit_flag")),
        schema="parkdesk",
    )
    op.create_index(
        op.f("ix_permit_flag_permit_id_lot_id"),
        "permit_flag",
        ["permit_id", "lot_id"],
        schema="parkdesk",
    )
    op.execute("RESET ROLE")


def downgrade() -> None:
    raise RuntimeError("Verdicts cannot be downgraded; restore a backup instead.")
