"""The other tender a refund waits for a manager to approve holds no card number
(docs/SECURITY.md, threat 8): it was kept before the payment's own checks read it, and a
charge to account with a card number for its reference fitted the column's pattern. The
check is validated where the refunds already kept allow; a database holding such a
reference keeps it, and its check holds for new refunds.
"""

from alembic import op

revision = "0031"
down_revision = "0030"

NAME = "ck_refund_requested_tender_no_card_number"


def upgrade() -> None:
    op.execute("SET LOCAL ROLE parkdesk_owner")
    op.execute(
        f"ALTER TABLE parkdesk.refund ADD CONSTRAINT {NAME} "
        "CHECK (parkdesk.card_number_free(requested_tender)) NOT VALID"
    )
    op.execute(
        f"""
        DO $$
        BEGIN
            ALTER TABLE parkdesk.refund VALIDATE CONSTRAINT {NAME};
        EXCEPTION WHEN check_violation THEN
            RAISE NOTICE 'refund keeps a requested tender that looks like a card number; '
                         'new ones are refused.';
        END
        $$
        """
    )
    op.execute("RESET ROLE")


def downgrade() -> None:
    op.execute("SET LOCAL ROLE parkdesk_owner")
    op.execute(f"ALTER TABLE parkdesk.refund DROP CONSTRAINT {NAME}")
    op.execute("RESET ROLE")
