"""Four requests become one function each: the separate bodies behind decide_refund,
post_adjustment, sign_off_shift and close_shift go (their checks moved into the front
doors, in ``desktop/models/sql/``). Money requests with a request key keep theirs.
"""

from alembic import op

revision = "0006"
down_revision = "0005"

RETIRED = (
    "decide_refund_core(bigint, boolean, text)",
    "post_adjustment_core(bigint, numeric, text)",
    "sign_off_shift_core(bigint, text)",
    "close_shift_core(bigint, jsonb)",
)


def upgrade() -> None:
    op.execute("SET LOCAL ROLE parkdesk_owner")
    for signature in RETIRED:
        op.execute(f"DROP FUNCTION IF EXISTS parkdesk.{signature}")
    op.execute("RESET ROLE")


def downgrade() -> None:
    raise RuntimeError("Retired functions cannot be downgraded; restore a backup instead.")
