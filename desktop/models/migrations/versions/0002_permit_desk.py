"""Permit desk: permit types, permits, waitlists, payments, the ledger and the cash drawer.

Clerks write none of these tables directly: every sale, renewal, refund, payment and
shift change is a ``SECURITY DEFINER`` function (``desktop/models/sql/``) that checks
eligibility, capacity, tenders and idempotency in the transaction that writes the rows.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from desktop.models.migrations.columns import index, stamped

revision = "0002"
down_revision = "0001"


SETTINGS_SQL = """
-- Installation settings: the one row a manager keeps. Times are shown and days end in its zone.
INSERT INTO parkdesk.office_setting (id, office_name, time_zone, currency, refund_approval_threshold)
VALUES (1, 'Parking Office', current_setting('TimeZone'), 'USD', 100.00);
"""


def upgrade() -> None:
    # Exclusion constraints over (vehicle, lot, validity) need btree_gist's equality
    # operator classes; it is a trusted extension, so a database owner may create it.
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist WITH SCHEMA public")
    op.execute("SET LOCAL ROLE parkdesk_owner")
    op.create_table(
        "cash_shift",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("clerk", sa.Text(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opening_float", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("count_detail", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("counted", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("expected", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("variance", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("signed_off_by", sa.Text(), nullable=True),
        sa.Column("signed_off_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sign_off_note", sa.Text(), nullable=True),
        *stamped(),
        sa.CheckConstraint(
            "(closed_at IS NULL AND counted IS NULL AND expected IS NULL AND variance IS NULL) OR (closed_at IS NOT NULL AND counted IS NOT NULL AND expected IS NOT NULL AND variance = counted - expected)",
            name=op.f("ck_cash_shift_close_complete"),
        ),
        sa.CheckConstraint("opening_float >= 0", name=op.f("ck_cash_shift_float_not_negative")),
        sa.CheckConstraint(
            "signed_off_at IS NULL OR (closed_at IS NOT NULL AND signed_off_by IS NOT NULL)",
            name=op.f("ck_cash_shift_sign_off_after_close"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cash_shift")),
        schema="parkdesk",
    )
    index("cash_shift", "clerk")
    op.create_index(
        "uq_cash_shift_one_open_per_clerk",
        "cash_shift",
        ["clerk"],
        unique=True,
        schema="parkdesk",
        postgresql_where=sa.text("closed_at IS NULL"),
    )
    op.create_table(
        "office_setting",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("office_name", sa.Text(), nullable=False),
        sa.Column("time_zone", sa.Text(), nullable=False),
        sa.Column("currency", sa.Text(), server_default="USD", nullable=False),
        sa.Column("refund_approval_threshold", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("receipt_footer", sa.Text(), server_default="", nullable=False),
        *stamped(),
        sa.CheckConstraint("id = 1", name=op.f("ck_office_setting_single_row")),
        sa.CheckConstraint(
            "length(office_name) BETWEEN 1 AND 100",
            name=op.f("ck_office_setting_office_name_length"),
        ),
        sa.CheckConstraint(
            "length(receipt_footer) <= 300", name=op.f("ck_office_setting_receipt_footer_length")
        ),
        sa.CheckConstraint(
            "refund_approval_threshold >= 0", name=op.f("ck_office_setting_threshold_not_negative")
        ),
        sa.CheckConstraint(
            "('2000-01-01 00:00+00'::timestamptz AT TIME ZONE time_zone) IS NOT NULL",
            name=op.f("ck_office_setting_time_zone_known"),
        ),
        sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name=op.f("ck_office_setting_currency_code")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_office_setting")),
        schema="parkdesk",
    )
    op.create_table(
        "permit_type",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("price", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("validity", sa.Text(), nullable=False),
        sa.Column("term_start", sa.Date(), nullable=True),
        sa.Column("term_end", sa.Date(), nullable=True),
        sa.Column("days", sa.Integer(), nullable=True),
        sa.Column("affiliations", sa.ARRAY(sa.Text()), nullable=False),
        sa.Column("per_parker_limit", sa.Integer(), server_default="1", nullable=False),
        sa.Column("max_vehicles", sa.Integer(), server_default="2", nullable=False),
        sa.Column("sale_mode", sa.Text(), server_default="first_come", nullable=False),
        sa.Column("proration", sa.Text(), server_default="none", nullable=False),
        sa.Column("offer_hours", sa.Integer(), server_default="48", nullable=False),
        sa.Column("active", sa.Boolean(), server_default="true", nullable=False),
        *stamped(),
        sa.CheckConstraint(
            "(validity = 'term' AND term_start IS NOT NULL AND term_end >= term_start) OR (validity = 'monthly') OR (validity = 'days' AND days BETWEEN 1 AND 730)",
            name=op.f("ck_permit_type_validity_complete"),
        ),
        sa.CheckConstraint(
            "cardinality(affiliations) >= 1 AND affiliations <@ ARRAY['student', 'faculty', 'staff', 'resident', 'visitor', 'contractor']",
            name=op.f("ck_permit_type_affiliations_known"),
        ),
        sa.CheckConstraint("code ~ '^[A-Z0-9-]{1,12}$'", name=op.f("ck_permit_type_code_format")),
        sa.CheckConstraint(
            "proration IN ('none', 'daily', 'monthly')", name=op.f("ck_permit_type_proration_known")
        ),
        sa.CheckConstraint(
            "sale_mode IN ('first_come', 'waitlist')", name=op.f("ck_permit_type_sale_mode_known")
        ),
        sa.CheckConstraint(
            "validity IN ('term', 'monthly', 'days')", name=op.f("ck_permit_type_validity_known")
        ),
        sa.CheckConstraint(
            "length(btrim(name)) BETWEEN 1 AND 100", name=op.f("ck_permit_type_name_length")
        ),
        sa.CheckConstraint(
            "max_vehicles BETWEEN 1 AND 5", name=op.f("ck_permit_type_max_vehicles_range")
        ),
        sa.CheckConstraint(
            "offer_hours BETWEEN 1 AND 720", name=op.f("ck_permit_type_offer_hours_range")
        ),
        sa.CheckConstraint(
            "per_parker_limit BETWEEN 1 AND 10", name=op.f("ck_permit_type_per_parker_limit_range")
        ),
        sa.CheckConstraint(
            "price >= 0 AND price <= 100000", name=op.f("ck_permit_type_price_range")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_permit_type")),
        sa.UniqueConstraint("code", name=op.f("uq_permit_type_code")),
        schema="parkdesk",
    )
    op.create_table(
        "permit",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column(
            "number",
            sa.Text(),
            sa.Computed("'P-' || lpad(id::text, 7, '0')", persisted=True),
            nullable=False,
        ),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("permit_type_id", sa.BigInteger(), nullable=True),
        sa.Column("parker_id", sa.BigInteger(), nullable=True),
        sa.Column("lot_id", sa.BigInteger(), nullable=False),
        sa.Column("issued_validity", postgresql.TSTZRANGE(), nullable=False),
        sa.Column("validity", postgresql.TSTZRANGE(), nullable=False),
        sa.Column("price", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("free_reason", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("renewed_from_id", sa.BigInteger(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        *stamped(),
        sa.CheckConstraint(
            "(kind = 'term') = (permit_type_id IS NOT NULL AND parker_id IS NOT NULL)",
            name=op.f("ck_permit_term_has_type_and_parker"),
        ),
        sa.CheckConstraint(
            "kind IN ('term', 'temporary', 'visitor', 'event')", name=op.f("ck_permit_kind_known")
        ),
        sa.CheckConstraint(
            "price > 0 OR kind = 'term' OR length(btrim(free_reason)) >= 3",
            name=op.f("ck_permit_free_needs_reason"),
        ),
        sa.CheckConstraint(
            "(cancelled_at IS NULL) = (cancel_reason IS NULL)",
            name=op.f("ck_permit_cancel_has_reason"),
        ),
        sa.CheckConstraint(
            "NOT isempty(issued_validity)", name=op.f("ck_permit_validity_not_empty")
        ),
        sa.CheckConstraint("price >= 0", name=op.f("ck_permit_price_not_negative")),
        sa.ForeignKeyConstraint(["lot_id"], ["parkdesk.lot.id"], name=op.f("fk_permit_lot_id_lot")),
        sa.ForeignKeyConstraint(
            ["parker_id"], ["parkdesk.parker.id"], name=op.f("fk_permit_parker_id_parker")
        ),
        sa.ForeignKeyConstraint(
            ["permit_type_id"],
            ["parkdesk.permit_type.id"],
            name=op.f("fk_permit_permit_type_id_permit_type"),
        ),
        sa.ForeignKeyConstraint(
            ["renewed_from_id"],
            ["parkdesk.permit.id"],
            name=op.f("fk_permit_renewed_from_id_permit"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_permit")),
        schema="parkdesk",
    )
    op.create_index(
        "ix_permit_lot_validity",
        "permit",
        ["lot_id", "validity"],
        unique=False,
        schema="parkdesk",
        postgresql_using="gist",
    )
    index("permit", "parker_id")
    op.create_table(
        "permit_type_lot",
        sa.Column("permit_type_id", sa.BigInteger(), nullable=False),
        sa.Column("lot_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lot_id"], ["parkdesk.lot.id"], name=op.f("fk_permit_type_lot_lot_id_lot")
        ),
        sa.ForeignKeyConstraint(
            ["permit_type_id"],
            ["parkdesk.permit_type.id"],
            name=op.f("fk_permit_type_lot_permit_type_id_permit_type"),
        ),
        sa.PrimaryKeyConstraint("permit_type_id", "lot_id", name=op.f("pk_permit_type_lot")),
        schema="parkdesk",
    )
    index("permit_type_lot", "lot_id")
    op.create_table(
        "payment",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column(
            "receipt_number",
            sa.Text(),
            sa.Computed("'R-' || lpad(id::text, 7, '0')", persisted=True),
            nullable=False,
        ),
        sa.Column("idempotency_key", sa.UUID(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_by", sa.Text(), nullable=False),
        sa.Column("direction", sa.Text(), nullable=False),
        sa.Column("parker_id", sa.BigInteger(), nullable=True),
        sa.Column("permit_id", sa.BigInteger(), nullable=True),
        sa.Column("shift_id", sa.BigInteger(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("tender", sa.Text(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("cash_tendered", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("change_given", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("card_brand", sa.Text(), nullable=True),
        sa.Column("card_last4", sa.Text(), nullable=True),
        sa.Column("processor_ref", sa.Text(), nullable=True),
        sa.Column("cheque_number", sa.Text(), nullable=True),
        sa.Column("account_kind", sa.Text(), nullable=True),
        sa.Column("account_ref", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "(tender = 'none') = (amount = 0)", name=op.f("ck_payment_none_only_for_nothing")
        ),
        sa.CheckConstraint(
            "account_kind IN ('payroll', 'student')", name=op.f("ck_payment_account_kind_known")
        ),
        sa.CheckConstraint(
            "account_ref ~ '^[A-Z0-9-]{3,20}$' AND replace(account_ref, '-', '') !~ '[0-9]{12}'",
            name=op.f("ck_payment_account_ref_format"),
        ),
        sa.CheckConstraint("card_last4 ~ '^[0-9]{4}$'", name=op.f("ck_payment_card_last4_format")),
        sa.CheckConstraint(
            "cheque_number ~ '^[0-9]{1,10}$'", name=op.f("ck_payment_cheque_number_format")
        ),
        sa.CheckConstraint("direction IN ('in', 'out')", name=op.f("ck_payment_direction_known")),
        sa.CheckConstraint(
            "length(processor_ref) <= 64"
            " AND regexp_replace(processor_ref, '[[:space:].-]', '', 'g') !~ '[0-9]{12}'",
            name=op.f("ck_payment_processor_ref_not_a_card"),
        ),
        sa.CheckConstraint(
            "tender <> 'account' OR (account_kind IS NOT NULL AND account_ref IS NOT NULL)",
            name=op.f("ck_payment_account_complete"),
        ),
        sa.CheckConstraint(
            "tender <> 'card' OR (card_last4 IS NOT NULL AND card_brand IS NOT NULL AND processor_ref IS NOT NULL)",
            name=op.f("ck_payment_card_complete"),
        ),
        sa.CheckConstraint(
            "tender <> 'cash' OR direction = 'out' OR (cash_tendered >= amount AND change_given = cash_tendered - amount)",
            name=op.f("ck_payment_cash_covers_amount"),
        ),
        sa.CheckConstraint(
            "tender <> 'cash' OR shift_id IS NOT NULL", name=op.f("ck_payment_cash_needs_shift")
        ),
        sa.CheckConstraint(
            "tender <> 'cheque' OR cheque_number IS NOT NULL",
            name=op.f("ck_payment_cheque_has_number"),
        ),
        sa.CheckConstraint(
            "tender IN ('cash', 'card', 'cheque', 'account', 'none')",
            name=op.f("ck_payment_tender_known"),
        ),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_payment_amount_not_negative")),
        sa.CheckConstraint(
            "card_brand ~ '^[A-Za-z][A-Za-z &.-]{0,19}$'", name=op.f("ck_payment_card_brand_words")
        ),
        sa.CheckConstraint(
            "length(description) BETWEEN 1 AND 200", name=op.f("ck_payment_description_length")
        ),
        sa.ForeignKeyConstraint(
            ["parker_id"], ["parkdesk.parker.id"], name=op.f("fk_payment_parker_id_parker")
        ),
        sa.ForeignKeyConstraint(
            ["permit_id"], ["parkdesk.permit.id"], name=op.f("fk_payment_permit_id_permit")
        ),
        sa.ForeignKeyConstraint(
            ["shift_id"], ["parkdesk.cash_shift.id"], name=op.f("fk_payment_shift_id_cash_shift")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_payment_idempotency_key")),
        schema="parkdesk",
    )
    index("payment", "parker_id")
    index("payment", "permit_id")
    index("payment", "shift_id")
    op.create_table(
        "permit_vehicle",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("permit_id", sa.BigInteger(), nullable=False),
        sa.Column("vehicle_id", sa.BigInteger(), nullable=False),
        sa.Column("lot_id", sa.BigInteger(), nullable=False),
        sa.Column("validity", postgresql.TSTZRANGE(), nullable=False),
        *stamped(),
        postgresql.ExcludeConstraint(
            (sa.column("vehicle_id"), "="),
            (sa.column("lot_id"), "="),
            (sa.column("validity"), "&&"),
            using="gist",
            name="ex_permit_vehicle_no_overlap",
        ),
        sa.ForeignKeyConstraint(
            ["lot_id"], ["parkdesk.lot.id"], name=op.f("fk_permit_vehicle_lot_id_lot")
        ),
        sa.ForeignKeyConstraint(
            ["permit_id"], ["parkdesk.permit.id"], name=op.f("fk_permit_vehicle_permit_id_permit")
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["parkdesk.vehicle.id"],
            name=op.f("fk_permit_vehicle_vehicle_id_vehicle"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_permit_vehicle")),
        schema="parkdesk",
    )
    index("permit_vehicle", "permit_id")
    index("permit_vehicle", "vehicle_id")
    op.create_table(
        "waitlist_entry",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("permit_type_id", sa.BigInteger(), nullable=False),
        sa.Column("lot_id", sa.BigInteger(), nullable=False),
        sa.Column("parker_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.Text(), server_default="waiting", nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("offered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("offer_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("permit_id", sa.BigInteger(), nullable=True),
        *stamped(),
        sa.CheckConstraint(
            "status <> 'offered' OR offer_expires_at IS NOT NULL",
            name=op.f("ck_waitlist_entry_offer_has_expiry"),
        ),
        sa.CheckConstraint(
            "status IN ('waiting', 'offered', 'accepted', 'declined', 'expired', 'left')",
            name=op.f("ck_waitlist_entry_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["lot_id"], ["parkdesk.lot.id"], name=op.f("fk_waitlist_entry_lot_id_lot")
        ),
        sa.ForeignKeyConstraint(
            ["parker_id"], ["parkdesk.parker.id"], name=op.f("fk_waitlist_entry_parker_id_parker")
        ),
        sa.ForeignKeyConstraint(
            ["permit_id"], ["parkdesk.permit.id"], name=op.f("fk_waitlist_entry_permit_id_permit")
        ),
        sa.ForeignKeyConstraint(
            ["permit_type_id"],
            ["parkdesk.permit_type.id"],
            name=op.f("fk_waitlist_entry_permit_type_id_permit_type"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waitlist_entry")),
        schema="parkdesk",
    )
    index("waitlist_entry", "parker_id")
    op.create_index(
        "uq_waitlist_entry_one_active",
        "waitlist_entry",
        ["permit_type_id", "lot_id", "parker_id"],
        unique=True,
        schema="parkdesk",
        postgresql_where=sa.text("status IN ('waiting', 'offered')"),
    )
    op.create_table(
        "refund",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("permit_id", sa.BigInteger(), nullable=False),
        sa.Column("parker_id", sa.BigInteger(), nullable=True),
        sa.Column("original_payment_id", sa.BigInteger(), nullable=True),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("paid_payment_id", sa.BigInteger(), nullable=True),
        *stamped(),
        sa.CheckConstraint(
            "status <> 'paid' OR paid_payment_id IS NOT NULL",
            name=op.f("ck_refund_paid_has_payment"),
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'paid', 'rejected')",
            name=op.f("ck_refund_status_known"),
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_refund_amount_positive")),
        sa.ForeignKeyConstraint(
            ["original_payment_id"],
            ["parkdesk.payment.id"],
            name=op.f("fk_refund_original_payment_id_payment"),
        ),
        sa.ForeignKeyConstraint(
            ["paid_payment_id"],
            ["parkdesk.payment.id"],
            name=op.f("fk_refund_paid_payment_id_payment"),
        ),
        sa.ForeignKeyConstraint(
            ["parker_id"], ["parkdesk.parker.id"], name=op.f("fk_refund_parker_id_parker")
        ),
        sa.ForeignKeyConstraint(
            ["permit_id"], ["parkdesk.permit.id"], name=op.f("fk_refund_permit_id_permit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refund")),
        schema="parkdesk",
    )
    index("refund", "permit_id")
    op.create_table(
        "ledger_entry",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("posted_by", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("parker_id", sa.BigInteger(), nullable=True),
        sa.Column("permit_id", sa.BigInteger(), nullable=True),
        sa.Column("payment_id", sa.BigInteger(), nullable=True),
        sa.Column("refund_id", sa.BigInteger(), nullable=True),
        sa.Column("memo", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "(kind IN ('sale', 'renewal', 'temporary', 'fee', 'payout') AND amount >= 0) OR (kind IN ('payment', 'refund') AND amount < 0) OR kind = 'adjustment'",
            name=op.f("ck_ledger_entry_sign_matches_kind"),
        ),
        sa.CheckConstraint(
            "amount <> 0 OR kind IN ('sale', 'temporary')",
            name=op.f("ck_ledger_entry_amount_not_zero"),
        ),
        sa.CheckConstraint(
            "kind IN ('sale', 'renewal', 'temporary', 'fee', 'adjustment', 'payment', 'refund', 'payout')",
            name=op.f("ck_ledger_entry_kind_known"),
        ),
        sa.CheckConstraint(
            "length(memo) BETWEEN 1 AND 200", name=op.f("ck_ledger_entry_memo_length")
        ),
        sa.ForeignKeyConstraint(
            ["parker_id"], ["parkdesk.parker.id"], name=op.f("fk_ledger_entry_parker_id_parker")
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["parkdesk.payment.id"], name=op.f("fk_ledger_entry_payment_id_payment")
        ),
        sa.ForeignKeyConstraint(
            ["permit_id"], ["parkdesk.permit.id"], name=op.f("fk_ledger_entry_permit_id_permit")
        ),
        sa.ForeignKeyConstraint(
            ["refund_id"], ["parkdesk.refund.id"], name=op.f("fk_ledger_entry_refund_id_refund")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entry")),
        schema="parkdesk",
    )
    index("ledger_entry", "parker_id")
    index("ledger_entry", "payment_id")
    index("ledger_entry", "permit_id")
    op.execute(SETTINGS_SQL)
    op.execute("RESET ROLE")


def downgrade() -> None:
    # Dropping the permit desk would drop the ledger, which nobody may delete.
    raise RuntimeError("The permit desk cannot be downgraded; restore a backup instead.")
