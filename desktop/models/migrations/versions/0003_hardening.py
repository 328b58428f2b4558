"""Hardening: what a staff login with psql could do that its desk does not allow.

No session may stall the others: the audit chain head is taken without waiting when
free, a writer that does wait ends sessions that have held what it needs for too long,
and every desk's live connection runs the same check. Notifications are sent once per
transaction, at commit, only while the queue has room, and carry nothing but a hint.
Every function a role can call bounds its inputs before working; money requests are
bound to one fingerprint per key; refunds go back to the tender they came from; a
clerk cannot total another clerk's drawer; no text column can hold a card number;
the audit trail is readable only where the audited table is; passwords reach the
server as SCRAM verifiers only; a permit holder stays eligible; plate corrections and
free temporary permits are recorded and limited. (The functions, triggers and grants
that do it are in ``desktop/models/sql/``; this migration adds what holds data.)
"""

import sqlalchemy as sa
from alembic import op

from desktop.models import definitions
from desktop.models.migrations.columns import index

revision = "0003"
down_revision = "0002"


#: Connections one staff login may hold: a desk window uses at most eight.
CONNECTION_LIMIT = 20

ROLES_SQL = f"""
-- end_overdue_sessions must see how long other logins' transactions have lasted and
-- what they wait for; without this pg_stat_activity hides it from the owner.
GRANT pg_read_all_stats TO parkdesk_owner;
-- One login cannot take every connection slot of the server and lock the other desks out
-- (create_staff_login sets the same limit on new logins).
DO $$
DECLARE
    v_login text;
BEGIN
    FOR v_login IN SELECT s.login FROM parkdesk.staff_member s
                   JOIN pg_roles r ON r.rolname = s.login AND NOT r.rolsuper LOOP
        EXECUTE format('ALTER ROLE %I CONNECTION LIMIT {CONNECTION_LIMIT}', v_login);
    END LOOP;
    -- Nor fill the disk with temporary files (a setting only a superuser may change).
    EXECUTE format('ALTER DATABASE %I SET temp_file_limit = %L', current_database(), '2GB');
END
$$;
"""

#: table -> free-text columns that must never hold a card number.
CARD_FREE_COLUMNS: dict[str, tuple[str, ...]] = {
    "lot": ("name",),
    "zone": ("name",),
    "parker": (
        "first_name",
        "last_name",
        "campus_id",
        "email",
        "phone",
        "address",
        "notes",
        "deactivation_reason",
    ),
    "vehicle": ("make", "model", "colour", "deactivation_reason"),
    "staff_member": ("login", "full_name"),
    "office_setting": ("office_name", "receipt_footer", "time_zone"),
    "permit_type": ("name",),
    "permit": ("free_reason", "note", "cancel_reason"),
    "refund": ("reason", "decision_note"),
    "payment": ("description", "processor_ref", "account_ref", "card_brand"),
    "ledger_entry": ("memo",),
    "cash_shift": ("sign_off_note",),
    "plate_correction": ("reason",),
}


def upgrade() -> None:
    op.execute(ROLES_SQL)
    op.execute("SET LOCAL ROLE parkdesk_owner")
    op.create_table(
        "request_key",
        sa.Column("key", sa.Uuid(), nullable=False),
        sa.Column("operation", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.LargeBinary(), nullable=False),
        sa.Column("result", sa.BigInteger(), nullable=True),
        sa.Column("login", sa.Text(), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_request_key")),
        schema="parkdesk",
    )
    op.create_table(
        "plate_correction",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("vehicle_id", sa.BigInteger(), nullable=False),
        sa.Column("old_jurisdiction", sa.Text(), nullable=False),
        sa.Column("old_plate_raw", sa.Text(), nullable=False),
        sa.Column("old_plate_status", sa.Text(), nullable=False),
        sa.Column("new_jurisdiction", sa.Text(), nullable=False),
        sa.Column("new_plate_raw", sa.Text(), nullable=False),
        sa.Column("new_plate_status", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("corrected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("corrected_by", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "length(reason) BETWEEN 5 AND 500", name=op.f("ck_plate_correction_reason_length")
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["parkdesk.vehicle.id"],
            name=op.f("fk_plate_correction_vehicle_id_vehicle"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plate_correction")),
        schema="parkdesk",
    )
    index("plate_correction", "vehicle_id")
    op.add_column(
        "refund", sa.Column("approval_reason", sa.Text(), nullable=True), schema="parkdesk"
    )
    op.add_column(
        "refund", sa.Column("requested_tender", sa.Text(), nullable=True), schema="parkdesk"
    )
    op.create_check_constraint(
        op.f("ck_refund_requested_tender_known"),
        "refund",
        "requested_tender ~ '^(cash|cheque|card:[a-z &.-]{1,20}:[0-9]{4}"
        "|account:(payroll|student):[A-Z0-9-]{3,20})$'",
        schema="parkdesk",
    )
    op.create_check_constraint(
        op.f("ck_office_setting_time_zone_name"),
        "office_setting",
        "time_zone ~ '^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$'",
        schema="parkdesk",
    )
    op.create_check_constraint(
        op.f("ck_refund_approval_reason_known"),
        "refund",
        "approval_reason IN ('amount', 'tender')",
        schema="parkdesk",
    )
    for column, default, check in (
        ("free_days_per_plate", "7", "free_days_per_plate BETWEEN 0 AND 366"),
        ("free_days_window", "90", "free_days_window BETWEEN 1 AND 730"),
    ):
        op.add_column(
            "office_setting",
            sa.Column(column, sa.Integer(), server_default=sa.text(default), nullable=False),
            schema="parkdesk",
        )
        op.create_check_constraint(
            op.f(f"ck_office_setting_{column}_range"), "office_setting", check, schema="parkdesk"
        )

    # The constraints below call card_number_free: the one definition a migration runs.
    op.execute(definitions.render(definitions.SQL_DIR / definitions.CARD_NUMBERS).sql)
    for table, columns in CARD_FREE_COLUMNS.items():
        for column in columns:
            op.execute(
                f"ALTER TABLE parkdesk.{table} ADD CONSTRAINT ck_{table}_{column}_no_card_number "
                f"CHECK (parkdesk.card_number_free({column}))"
            )
    # Changed its result; the new one comes with the definitions (70_permits.sql).
    op.execute("DROP FUNCTION IF EXISTS parkdesk.cancel_permit(uuid, bigint, text, jsonb)")
    op.execute("RESET ROLE")


def downgrade() -> None:
    raise RuntimeError("The hardening cannot be downgraded; restore a backup instead.")
