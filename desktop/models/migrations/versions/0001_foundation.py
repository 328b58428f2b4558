"""Foundation: roles, audit trail, live changes, lots, parkers and vehicles.

A NOLOGIN owner role owns every object and NOLOGIN group roles receive exactly the
privileges their desk needs. The functions, triggers, policies and grants that make
that so live in ``desktop/models/sql/`` (:mod:`desktop.models.definitions`).
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from desktop.models.migrations.columns import created, index, stamped

revision = "0001"
down_revision = None


ROLES_SQL = """
DO $$
DECLARE
    g text;
BEGIN
    IF current_setting('server_version_num')::int < 160000 THEN
        RAISE EXCEPTION 'ParkDesk needs PostgreSQL 16 or newer (this server is %)',
            current_setting('server_version');
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'parkdesk_owner') THEN
        CREATE ROLE parkdesk_owner NOLOGIN CREATEROLE;
    END IF;
    FOREACH g IN ARRAY ARRAY['clerk', 'adjudicator', 'dispatcher', 'manager', 'officer',
                             'admin'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'parkdesk_' || g) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', 'parkdesk_' || g);
        END IF;
        -- The owner hands out group membership (through create_staff_login) but
        -- neither inherits the groups' privileges nor can become them.
        EXECUTE format('GRANT %I TO parkdesk_owner WITH ADMIN OPTION, INHERIT FALSE, SET FALSE',
                       'parkdesk_' || g);
    END LOOP;
    -- disable_staff_login ends the sessions a disabled login still has open.
    GRANT pg_signal_backend TO parkdesk_owner;
    -- Every audited write waits for the audit chain head, held until commit: a transaction
    -- left open (a psql session at lunch) would stop every desk from saving. End those.
    EXECUTE format('ALTER DATABASE %I SET idle_in_transaction_session_timeout = %L',
                   current_database(), '1min');
    EXECUTE format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO %s', current_database(),
                   'parkdesk_clerk, parkdesk_adjudicator, parkdesk_dispatcher, '
                   'parkdesk_manager, parkdesk_officer, parkdesk_admin');
END
$$;
ALTER SCHEMA parkdesk OWNER TO parkdesk_owner;
REVOKE ALL ON SCHEMA parkdesk FROM PUBLIC;
ALTER TABLE parkdesk.alembic_version OWNER TO parkdesk_owner;
"""

CHAIN_SQL = """
-- The head of the audit chain: one row, moved at commit by seal_audit_chain (30_audit.sql).
CREATE TABLE parkdesk.audit_chain (
    id int PRIMARY KEY CHECK (id = 1),
    last_id bigint,
    last_hash bytea
);
INSERT INTO parkdesk.audit_chain VALUES (1, NULL, NULL);
"""

PRIVILEGES_SQL = """
-- Functions created from here on are not executable by everyone. (Only the global form
-- can take away PUBLIC's default; a per-schema default can only add.)
ALTER DEFAULT PRIVILEGES FOR ROLE parkdesk_owner REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
"""


def upgrade() -> None:
    op.execute(ROLES_SQL)
    # Everything created from here on belongs to the owner role, not to the administrator.
    op.execute("SET LOCAL ROLE parkdesk_owner")
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("login", sa.Text(), nullable=False),
        sa.Column("table_name", sa.Text(), nullable=False),
        sa.Column("row_key", sa.Text(), nullable=False),
        sa.Column("operation", sa.Text(), nullable=False),
        sa.Column("old_row", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("new_row", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("prev_hash", sa.LargeBinary(), nullable=True),
        sa.Column("row_hash", sa.LargeBinary(), nullable=False),
        sa.CheckConstraint(
            "operation IN ('INSERT', 'UPDATE', 'DELETE')", name=op.f("ck_audit_log_operation_known")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
        schema="parkdesk",
    )
    op.create_table(
        "lot",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default="true", nullable=False),
        *stamped(),
        sa.CheckConstraint("code ~ '^[A-Z0-9-]{1,12}$'", name=op.f("ck_lot_code_format")),
        sa.CheckConstraint("capacity >= 0", name=op.f("ck_lot_capacity_not_negative")),
        sa.CheckConstraint("length(name) BETWEEN 1 AND 100", name=op.f("ck_lot_name_length")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lot")),
        sa.UniqueConstraint("code", name=op.f("uq_lot_code")),
        schema="parkdesk",
    )
    op.create_table(
        "parker",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("first_name", sa.Text(), nullable=False),
        sa.Column("last_name", sa.Text(), nullable=False),
        sa.Column("affiliation", sa.Text(), nullable=False),
        sa.Column("campus_id", sa.Text(), nullable=True),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("deactivated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deactivation_reason", sa.Text(), nullable=True),
        *stamped(),
        sa.CheckConstraint(
            "affiliation IN ('student', 'faculty', 'staff', 'resident', 'visitor', 'contractor')",
            name=op.f("ck_parker_affiliation_known"),
        ),
        sa.CheckConstraint(
            "campus_id ~ '^[A-Z0-9-]{3,20}$'", name=op.f("ck_parker_campus_id_format")
        ),
        sa.CheckConstraint(
            "length(email) <= 254 AND email ~ '^[^@[:space:]]+@[^@[:space:]]+\\.[^@[:space:]]+$'",
            name=op.f("ck_parker_email_format"),
        ),
        sa.CheckConstraint(
            "length(phone) <= 30 AND phone ~ '^[0-9+() .x-]+$'", name=op.f("ck_parker_phone_format")
        ),
        sa.CheckConstraint(
            "active OR deactivation_reason IS NOT NULL",
            name=op.f("ck_parker_deactivation_has_reason"),
        ),
        sa.CheckConstraint("length(address) <= 300", name=op.f("ck_parker_address_length")),
        sa.CheckConstraint(
            "length(btrim(first_name)) BETWEEN 1 AND 100", name=op.f("ck_parker_first_name_length")
        ),
        sa.CheckConstraint(
            "length(btrim(last_name)) BETWEEN 1 AND 100", name=op.f("ck_parker_last_name_length")
        ),
        sa.CheckConstraint("length(notes) <= 2000", name=op.f("ck_parker_notes_length")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parker")),
        sa.UniqueConstraint("campus_id", name=op.f("uq_parker_campus_id")),
        schema="parkdesk",
    )
    for name, expression in [
        ("ix_parker_last_name_search", "lower(last_name) text_pattern_ops"),
        ("ix_parker_first_name_search", "lower(first_name) text_pattern_ops"),
        ("ix_parker_email_search", "lower(email) text_pattern_ops"),
        ("ix_parker_campus_id_search", "campus_id text_pattern_ops"),
    ]:
        op.create_index(name, "parker", [sa.text(expression)], schema="parkdesk")
    op.create_table(
        "staff_member",
        sa.Column("login", sa.Text(), nullable=False),
        sa.Column("full_name", sa.Text(), server_default="", nullable=False),
        *created(),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "login ~ '^[a-z][a-z0-9_]{1,39}$'", name=op.f("ck_staff_member_login_format")
        ),
        sa.CheckConstraint(
            "length(full_name) <= 100", name=op.f("ck_staff_member_full_name_length")
        ),
        sa.PrimaryKeyConstraint("login", name=op.f("pk_staff_member")),
        schema="parkdesk",
    )
    op.create_table(
        "vehicle",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("parker_id", sa.BigInteger(), nullable=True),
        sa.Column("jurisdiction", sa.Text(), nullable=False),
        sa.Column("plate_raw", sa.Text(), server_default="", nullable=False),
        sa.Column("plate_status", sa.Text(), server_default="readable", nullable=False),
        sa.Column(
            "plate_normalized",
            sa.Text(),
            sa.Computed(
                "CASE WHEN plate_status = 'readable' THEN upper(regexp_replace(plate_raw, '[[:space:].-]', '', 'g')) END",
                persisted=True,
            ),
            nullable=True,
        ),
        sa.Column(
            "plate_skeleton",
            sa.Text(),
            sa.Computed(
                "translate(CASE WHEN plate_status = 'readable' THEN upper(regexp_replace(plate_raw, '[[:space:].-]', '', 'g')) END, 'OQDILZSBG', '000112586')",
                persisted=True,
            ),
            nullable=True,
        ),
        sa.Column("make", sa.Text(), nullable=True),
        sa.Column("model", sa.Text(), nullable=True),
        sa.Column("colour", sa.Text(), nullable=True),
        sa.Column("model_year", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("deactivated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deactivation_reason", sa.Text(), nullable=True),
        *stamped(),
        sa.CheckConstraint(
            "(plate_status = 'readable' AND plate_normalized ~ '^[A-Z0-9]{1,10}$') OR (plate_status <> 'readable' AND plate_raw = '')",
            name=op.f("ck_vehicle_plate_valid"),
        ),
        sa.CheckConstraint(
            "jurisdiction ~ '^[A-Z]{2}(-[A-Z0-9]{1,3})?$'",
            name=op.f("ck_vehicle_jurisdiction_format"),
        ),
        sa.CheckConstraint(
            "plate_status IN ('readable', 'unreadable', 'none')",
            name=op.f("ck_vehicle_plate_status_known"),
        ),
        sa.CheckConstraint(
            "active OR deactivation_reason IS NOT NULL",
            name=op.f("ck_vehicle_deactivation_has_reason"),
        ),
        sa.CheckConstraint("length(colour) <= 30", name=op.f("ck_vehicle_colour_length")),
        sa.CheckConstraint("length(make) <= 40", name=op.f("ck_vehicle_make_length")),
        sa.CheckConstraint("length(model) <= 40", name=op.f("ck_vehicle_model_length")),
        sa.CheckConstraint("length(plate_raw) <= 20", name=op.f("ck_vehicle_plate_raw_length")),
        sa.CheckConstraint(
            "model_year BETWEEN 1900 AND 2100", name=op.f("ck_vehicle_model_year_range")
        ),
        sa.ForeignKeyConstraint(
            ["parker_id"], ["parkdesk.parker.id"], name=op.f("fk_vehicle_parker_id_parker")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vehicle")),
        sa.UniqueConstraint(
            "jurisdiction",
            "plate_normalized",
            name=op.f("uq_vehicle_jurisdiction_plate_normalized"),
        ),
        schema="parkdesk",
    )
    index("vehicle", "parker_id")
    op.create_index(
        "ix_vehicle_plate_prefix",
        "vehicle",
        ["plate_normalized"],
        unique=False,
        schema="parkdesk",
        postgresql_ops={"plate_normalized": "text_pattern_ops"},
    )
    op.create_index(
        "ix_vehicle_plate_skeleton", "vehicle", ["plate_skeleton"], unique=False, schema="parkdesk"
    )
    op.create_table(
        "zone",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("lot_id", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        *stamped(),
        sa.CheckConstraint("code ~ '^[A-Z0-9-]{1,12}$'", name=op.f("ck_zone_code_format")),
        sa.CheckConstraint("length(name) BETWEEN 1 AND 100", name=op.f("ck_zone_name_length")),
        sa.ForeignKeyConstraint(["lot_id"], ["parkdesk.lot.id"], name=op.f("fk_zone_lot_id_lot")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_zone")),
        sa.UniqueConstraint("lot_id", "code", name=op.f("uq_zone_lot_id_code")),
        schema="parkdesk",
    )
    index("zone", "lot_id")

    op.execute(CHAIN_SQL)
    op.execute(PRIVILEGES_SQL)
    op.execute("RESET ROLE")


def downgrade() -> None:
    # Undoing the foundation would drop the audit trail, which nobody may delete.
    raise RuntimeError("The foundation cannot be downgraded; restore a backup instead.")
