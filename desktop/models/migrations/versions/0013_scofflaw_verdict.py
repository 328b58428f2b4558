"""The scofflaw verdict (SPEC rule 7): ``check_plate`` answers ``scofflaw`` for a plate
with the office's threshold of unpaid past-due citations, and says in ``may_park``
whether the permits let the car park all the same (a citation is then refused, the boot
is not). Its result changes, so the old signature is dropped here and
``desktop/models/sql/`` defines it again (``record_plate_read``, which reads it, with it).
No data moves.
"""

from alembic import op

revision = "0013"
down_revision = "0012"

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
    op.execute("RESET ROLE")


def downgrade() -> None:
    raise RuntimeError("The plate check cannot be downgraded; restore a backup instead.")
