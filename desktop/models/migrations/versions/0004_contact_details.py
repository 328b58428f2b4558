"""Contact details: the region phone numbers are read in.

Parker phone numbers are stored in E.164 (+14165550199) from now on and shown in the
office's national format; a number typed without a country code is read in the
office's region, a setting a manager keeps. Numbers stored before stay as they were
typed: the program shows them as stored and normalises one when a clerk next changes
it (the rules live in the phonenumbers library, which the server does not have).
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.execute("SET LOCAL ROLE parkdesk_owner")
    op.add_column(
        "office_setting",
        sa.Column("phone_region", sa.Text(), server_default=sa.text("'CA'"), nullable=False),
        schema="parkdesk",
    )
    op.create_check_constraint(
        op.f("ck_office_setting_phone_region_code"),
        "office_setting",
        "phone_region ~ '^[A-Z]{2}$'",
        schema="parkdesk",
    )
    op.execute("RESET ROLE")


def downgrade() -> None:
    op.execute("SET LOCAL ROLE parkdesk_owner")
    op.drop_column("office_setting", "phone_region", schema="parkdesk")
    op.execute("RESET ROLE")
