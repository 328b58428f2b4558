"""A device's call number stays under 13 digits (docs/SECURITY.md, threat 24): a 13- to
19-digit number that passes the Luhn check is a card number's shape, and a call number
is kept for good in the reads, citations, photos and call keys. Each table's check is
validated when every call number it holds already fits; a database holding longer ones
sent before (the simulator once numbered its calls by the clock in milliseconds) keeps
them, and its check holds for new rows only.
"""

from alembic import op

from desktop.models.enforcement import DEVICE_SEQ_BOUNDED

revision = "0029"
down_revision = "0028"

TABLES = ("device_request", "citation", "evidence", "plate_read")


def upgrade() -> None:
    op.execute("SET LOCAL ROLE parkdesk_owner")
    for table in TABLES:
        name = f"ck_{table}_device_seq_range"
        op.execute(
            f"ALTER TABLE parkdesk.{table} ADD CONSTRAINT {name} "
            f"CHECK ({DEVICE_SEQ_BOUNDED}) NOT VALID"
        )
        op.execute(
            f"""
            DO $$
            BEGIN
                ALTER TABLE parkdesk.{table} VALIDATE CONSTRAINT {name};
            EXCEPTION WHEN check_violation THEN
                RAISE NOTICE '{table} keeps call numbers of more than 12 digits sent before; '
                             'new ones are refused.';
            END
            $$
            """
        )
    op.execute("RESET ROLE")


def downgrade() -> None:
    op.execute("SET LOCAL ROLE parkdesk_owner")
    for table in TABLES:
        op.execute(f"ALTER TABLE parkdesk.{table} DROP CONSTRAINT ck_{table}_device_seq_range")
    op.execute("RESET ROLE")
