"""Plate reads without foreign keys to the device, lot, zone and vehicle they name.

A read is written by ``record_plate_read`` alone, which has just found each of them; and
no role may delete a device, lot, zone or vehicle (they are retired, never removed;
``desktop/models/sql/90_privileges.sql``). The keys therefore guarded nothing a login
could do, but each read paid for them: a lookup and a row lock per key, written to the
journal, and every device reading in one lot queued on that lot's row. Reads are the
office's most frequent write (docs/DEVICE_API.md, "Speed").
"""

from alembic import op

from desktop.models.migrations.columns import SCHEMA

revision = "0014"
down_revision = "0013"

KEYS = (
    "fk_plate_read_device_id_device",
    "fk_plate_read_lot_id_lot",
    "fk_plate_read_vehicle_id_vehicle",
    "fk_plate_read_zone_id_zone",
)


def upgrade() -> None:
    op.execute("SET LOCAL ROLE parkdesk_owner")
    for key in KEYS:
        op.execute(f"ALTER TABLE {SCHEMA}.plate_read DROP CONSTRAINT IF EXISTS {key}")
    op.execute("RESET ROLE")


def downgrade() -> None:
    op.execute("SET LOCAL ROLE parkdesk_owner")
    op.execute(
        f"ALTER TABLE {SCHEMA}.plate_read ADD CONSTRAINT fk_plate_read_device_id_device "
        f"FOREIGN KEY (device_id) REFERENCES {SCHEMA}.device (id)"
    )
    op.execute(
        f"ALTER TABLE {SCHEMA}.plate_read ADD CONSTRAINT fk_plate_read_lot_id_lot "
        f"FOREIGN KEY (lot_id) REFERENCES {SCHEMA}.lot (id)"
    )
    op.execute(
        f"ALTER TABLE {SCHEMA}.plate_read ADD CONSTRAINT fk_plate_read_vehicle_id_vehicle "
        f"FOREIGN KEY (vehicle_id) REFERENCES {SCHEMA}.vehicle (id)"
    )
    op.execute(
        f"ALTER TABLE {SCHEMA}.plate_read ADD CONSTRAINT fk_plate_read_zone_id_zone "
        f"FOREIGN KEY (zone_id, lot_id) REFERENCES {SCHEMA}.zone (id, lot_id)"
    )
    op.execute("RESET ROLE")
