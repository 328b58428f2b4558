"""Plate reads: what officers' devices read (LPR), with the verdict given at the time,
insert-only and chained per device (SPEC rules 14 and 16).

Devices write reads only through ``record_plate_read`` (``desktop/models/sql/67_reads.sql``),
and nobody changes or removes one. ``plate_read`` is partitioned by month on the read
time: SQLAlchemy declares the partitioning (``postgresql_partition_by``), and the monthly
partitions from 2025-01 to 2027-12 and the DEFAULT one are created here by SQL. Alembic
never compares partitions (``migrations/env.py``); ``parkdesk jobs run`` keeps the next 12
months ahead (``parkdesk.ensure_read_partitions``).
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"


def upgrade() -> None:
    op.execute("SET LOCAL ROLE parkdesk_owner")
    op.create_table(
        "plate_read",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("device_id", sa.BigInteger(), nullable=False),
        sa.Column("device_seq", sa.BigInteger(), nullable=False),
        sa.Column("officer", sa.Text(), nullable=False),
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
        sa.Column("lot_id", sa.BigInteger(), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("latitude", sa.Numeric(8, 6), nullable=True),
        sa.Column("longitude", sa.Numeric(9, 6), nullable=True),
        sa.Column("confidence", sa.Numeric(4, 3), nullable=True),
        sa.Column("verdict", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("permit_number", sa.Text(), nullable=True),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("photo_sha256", sa.Text(), nullable=True),
        sa.Column("prev_hash", sa.LargeBinary(), nullable=True),
        sa.Column("row_hash", sa.LargeBinary(), nullable=False),
        sa.CheckConstraint(
            "jurisdiction ~ '^[A-Z]{2}(-[A-Z0-9]{1,3})?$'",
            name=op.f("ck_plate_read_jurisdiction_format"),
        ),
        sa.CheckConstraint(
            "length(plate_raw) <= 20 AND plate_normalized ~ '^[A-Z0-9]{1,10}$'",
            name=op.f("ck_plate_read_plate_valid"),
        ),
        sa.CheckConstraint(
            "latitude BETWEEN -90 AND 90", name=op.f("ck_plate_read_latitude_range")
        ),
        sa.CheckConstraint(
            "longitude BETWEEN -180 AND 180", name=op.f("ck_plate_read_longitude_range")
        ),
        sa.CheckConstraint(
            "(latitude IS NULL) = (longitude IS NULL)", name=op.f("ck_plate_read_position_whole")
        ),
        sa.CheckConstraint(
            "confidence BETWEEN 0 AND 1", name=op.f("ck_plate_read_confidence_range")
        ),
        sa.CheckConstraint(
            "photo_sha256 ~ '^[0-9a-f]{64}$'", name=op.f("ck_plate_read_photo_sha256_format")
        ),
        sa.CheckConstraint("verdict ~ '^[a-z_]{1,20}$'", name=op.f("ck_plate_read_verdict_word")),
        sa.CheckConstraint(
            "parkdesk.card_number_free(reason)", name=op.f("ck_plate_read_reason_no_card_number")
        ),
        sa.ForeignKeyConstraint(
            ["device_id"], ["parkdesk.device.id"], name=op.f("fk_plate_read_device_id_device")
        ),
        sa.ForeignKeyConstraint(
            ["lot_id"], ["parkdesk.lot.id"], name=op.f("fk_plate_read_lot_id_lot")
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"], ["parkdesk.vehicle.id"], name=op.f("fk_plate_read_vehicle_id_vehicle")
        ),
        sa.PrimaryKeyConstraint("id", "read_at", name=op.f("pk_plate_read")),
        schema="parkdesk",
        postgresql_partition_by="RANGE (read_at)",
    )
    op.create_index(
        op.f("ix_plate_read_device_id_id"), "plate_read", ["device_id", "id"], schema="parkdesk"
    )
    op.create_index(
        op.f("ix_plate_read_plate"),
        "plate_read",
        ["jurisdiction", "plate_normalized", "read_at"],
        schema="parkdesk",
    )
    op.create_index(
        op.f("ix_plate_read_lot_id_read_at"), "plate_read", ["lot_id", "read_at"], schema="parkdesk"
    )
    op.create_table(
        "plate_read_photo",
        sa.Column("read_id", sa.BigInteger(), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.Text(), nullable=False),
        sa.Column("media_type", sa.Text(), nullable=False),
        sa.Column(
            "size_bytes",
            sa.BigInteger(),
            sa.Computed("octet_length(content)", persisted=True),
            nullable=False,
        ),
        sa.CheckConstraint(
            "sha256 ~ '^[0-9a-f]{64}$'", name=op.f("ck_plate_read_photo_sha256_format")
        ),
        sa.CheckConstraint(
            "media_type IN ('image/jpeg', 'image/png')",
            name=op.f("ck_plate_read_photo_media_type_known"),
        ),
        sa.CheckConstraint(
            "size_bytes BETWEEN 1 AND 20971520", name=op.f("ck_plate_read_photo_size_range")
        ),
        sa.ForeignKeyConstraint(
            ["read_id", "read_at"],
            ["parkdesk.plate_read.id", "parkdesk.plate_read.read_at"],
            name=op.f("fk_plate_read_photo_read_id_plate_read"),
        ),
        sa.PrimaryKeyConstraint("read_id", name=op.f("pk_plate_read_photo")),
        schema="parkdesk",
    )
    op.execute("ALTER TABLE parkdesk.plate_read_photo ALTER COLUMN content SET STORAGE EXTERNAL")
    op.create_table(
        "plate_read_chain",
        sa.Column("device_id", sa.BigInteger(), nullable=False),
        sa.Column("last_read_id", sa.BigInteger(), nullable=False),
        sa.Column("last_hash", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["parkdesk.device.id"],
            name=op.f("fk_plate_read_chain_device_id_device"),
        ),
        sa.PrimaryKeyConstraint("device_id", name=op.f("pk_plate_read_chain")),
        schema="parkdesk",
    )
    # The months: 2025-01 to 2027-12, then a DEFAULT partition for a read outside them
    # (the job keeps 12 months ahead, so only a device with a wrong clock lands there).
    op.execute(
        """
        DO $$
        DECLARE
            m date;
        BEGIN
            FOR m IN SELECT generate_series(date '2025-01-01', date '2027-12-01',
                                            interval '1 month')::date LOOP
                EXECUTE format('CREATE TABLE parkdesk.%I PARTITION OF parkdesk.plate_read '
                               'FOR VALUES FROM (%L) TO (%L)',
                               'plate_read_' || to_char(m, 'YYYY_MM'),
                               m::timestamp AT TIME ZONE 'UTC',
                               (m + interval '1 month')::timestamp AT TIME ZONE 'UTC');
            END LOOP;
        END
        $$
        """
    )
    op.execute("CREATE TABLE parkdesk.plate_read_default PARTITION OF parkdesk.plate_read DEFAULT")
    op.execute("RESET ROLE")


def downgrade() -> None:
    raise RuntimeError("Plate reads cannot be downgraded; restore a backup instead.")
