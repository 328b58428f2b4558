"""Trespass notices (SPEC "Security"): a notice issued to a person for a place, with a
reason, from its issue to its expiry, printed to hand over; while it is in force the
person's vehicles are on the watchlist, their entries made with it, ending with it, and
retired when it is revoked (``88_watchlist.sql``).
"""

import sqlalchemy as sa
from alembic import op

from desktop.models.migrations.columns import SCHEMA, index

revision = "0021"
down_revision = "0020"


def upgrade() -> None:
    op.execute("SET LOCAL ROLE parkdesk_owner")
    op.create_table(
        "trespass_notice",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("number", sa.Text(), nullable=False),
        sa.Column("parker_id", sa.BigInteger(), nullable=True),
        sa.Column("person_name", sa.Text(), nullable=False),
        sa.Column("person_description", sa.Text(), server_default="", nullable=False),
        sa.Column("lot_id", sa.BigInteger(), nullable=True),
        sa.Column("place", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("incident_id", sa.BigInteger(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.Text(), nullable=True),
        sa.Column("revoke_reason", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "number ~ '^T[0-9]{4}-[0-9]{5,}$'", name=op.f("ck_trespass_notice_number_format")
        ),
        sa.CheckConstraint(
            "length(btrim(person_name)) BETWEEN 2 AND 200",
            name=op.f("ck_trespass_notice_person_name_length"),
        ),
        sa.CheckConstraint(
            "length(person_description) <= 500",
            name=op.f("ck_trespass_notice_person_description_length"),
        ),
        sa.CheckConstraint(
            "length(btrim(place)) BETWEEN 2 AND 200", name=op.f("ck_trespass_notice_place_length")
        ),
        sa.CheckConstraint(
            "length(btrim(reason)) BETWEEN 3 AND 500", name=op.f("ck_trespass_notice_reason_length")
        ),
        sa.CheckConstraint(
            "expires_at > issued_at", name=op.f("ck_trespass_notice_expires_after_issue")
        ),
        sa.CheckConstraint(
            "(revoked_at IS NULL) = (revoked_by IS NULL) AND (revoked_at IS NULL) = (revoke_reason IS NULL)",
            name=op.f("ck_trespass_notice_revoked_whole"),
        ),
        sa.CheckConstraint(
            "length(btrim(revoke_reason)) BETWEEN 3 AND 300",
            name=op.f("ck_trespass_notice_revoke_reason_length"),
        ),
        sa.CheckConstraint(
            "parkdesk.card_number_free(person_name)",
            name=op.f("ck_trespass_notice_person_name_no_card_number"),
        ),
        sa.CheckConstraint(
            "parkdesk.card_number_free(person_description)",
            name=op.f("ck_trespass_notice_person_description_no_card_number"),
        ),
        sa.CheckConstraint(
            "parkdesk.card_number_free(place)", name=op.f("ck_trespass_notice_place_no_card_number")
        ),
        sa.CheckConstraint(
            "parkdesk.card_number_free(reason)",
            name=op.f("ck_trespass_notice_reason_no_card_number"),
        ),
        sa.CheckConstraint(
            "parkdesk.card_number_free(revoke_reason)",
            name=op.f("ck_trespass_notice_revoke_reason_no_card_number"),
        ),
        sa.ForeignKeyConstraint(
            ["parker_id"], ["parkdesk.parker.id"], name=op.f("fk_trespass_notice_parker_id_parker")
        ),
        sa.ForeignKeyConstraint(
            ["lot_id"], ["parkdesk.lot.id"], name=op.f("fk_trespass_notice_lot_id_lot")
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["parkdesk.incident.id"],
            name=op.f("fk_trespass_notice_incident_id_incident"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trespass_notice")),
        sa.UniqueConstraint("number", name=op.f("uq_trespass_notice_number")),
        schema=SCHEMA,
    )
    index("trespass_notice", "parker_id")
    op.add_column(
        "watchlist_entry",
        sa.Column("trespass_notice_id", sa.BigInteger(), nullable=True),
        schema=SCHEMA,
    )
    op.create_foreign_key(
        op.f("fk_watchlist_entry_trespass_notice_id_trespass_notice"),
        "watchlist_entry",
        "trespass_notice",
        ["trespass_notice_id"],
        ["id"],
        source_schema=SCHEMA,
        referent_schema=SCHEMA,
    )
    index("watchlist_entry", "trespass_notice_id")
    op.execute("RESET ROLE")


def downgrade() -> None:
    raise RuntimeError("Trespass notices cannot be downgraded; restore a backup instead.")
