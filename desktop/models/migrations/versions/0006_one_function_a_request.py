"""Each request is one function: the separate bodies behind the checking front doors go
(their work moved into the front doors, in ``desktop/models/sql/``).
"""

from alembic import op

revision = "0006"
down_revision = "0005"

RETIRED = (
    "decide_refund_core(bigint, boolean, text)",
    "post_adjustment_core(bigint, numeric, text)",
    "sign_off_shift_core(bigint, text)",
    "close_shift_core(bigint, jsonb)",
    "sell_permit_core(uuid, bigint, bigint, bigint, bigint[], date, jsonb, bigint)",
    "renew_permit_core(uuid, bigint, jsonb)",
    "cancel_permit_core(uuid, bigint, text, jsonb)",
    "issue_temporary_permit_core(uuid, text, text, text, bigint, timestamptz, timestamptz, "
    "numeric, text, jsonb, bigint, text)",
    "pay_refund_core(uuid, bigint, jsonb)",
    "charge_fee_core(uuid, bigint, numeric, text, jsonb)",
)


def upgrade() -> None:
    op.execute("SET LOCAL ROLE parkdesk_owner")
    for signature in RETIRED:
        op.execute(f"DROP FUNCTION IF EXISTS parkdesk.{signature}")
    op.execute("RESET ROLE")


def downgrade() -> None:
    raise RuntimeError("Retired functions cannot be downgraded; restore a backup instead.")
