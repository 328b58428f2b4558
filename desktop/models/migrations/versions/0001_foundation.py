"""Foundation: roles, audit trail, live changes, lots, parkers and vehicles.

The security model lives here as SQL: a NOLOGIN owner role owns every object,
NOLOGIN group roles receive exactly the privileges their desk needs, and
``SECURITY DEFINER`` functions (search_path pinned, EXECUTE revoked from PUBLIC)
do what a plain grant cannot. Every table gets the audit/notify trigger.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GROUPS = ("clerk", "adjudicator", "dispatcher", "manager", "officer", "admin")
ALL_GROUPS = ", ".join(f"parkdesk_{g}" for g in GROUPS)

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

FUNCTIONS_SQL = r"""
-- Who and when, from the server; clients cannot forge them. Version drives optimistic locking.
CREATE FUNCTION parkdesk.stamp_row() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.version := 1;
        NEW.created_at := now();
        NEW.created_by := session_user;
    ELSE
        NEW.version := OLD.version + 1;
        NEW.created_at := OLD.created_at;
        NEW.created_by := OLD.created_by;
    END IF;
    NEW.updated_at := now();
    NEW.updated_by := session_user;
    RETURN NEW;
END
$$;

CREATE TABLE parkdesk.audit_chain (
    id int PRIMARY KEY CHECK (id = 1),
    last_id bigint,
    last_hash bytea
);
INSERT INTO parkdesk.audit_chain VALUES (1, NULL, NULL);

CREATE FUNCTION parkdesk.audit_digest(
    p_id bigint, p_at timestamptz, p_login text, p_table text, p_key text, p_operation text,
    p_old jsonb, p_new jsonb, p_prev bytea
) RETURNS bytea
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT sha256(convert_to(concat_ws(E'',
        p_id::text,
        to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
        p_login, p_table, p_key, p_operation,
        coalesce(p_old::text, ''), coalesce(p_new::text, ''),
        coalesce(encode(p_prev, 'hex'), '')), 'UTF8'))
$$;

-- One trigger for every table: append to the hash-chained audit trail and announce
-- the change. The chain head row is locked until commit, so concurrent writers
-- queue behind each other instead of forking the chain (and a REPEATABLE READ
-- writer that would fork it gets a serialization failure instead). The head is
-- moved once, at commit, by seal_audit_chain: updating it for every row would make
-- a large transaction quadratic (each update adds a row version to walk past).
CREATE FUNCTION parkdesk.record_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_old jsonb;
    v_new jsonb;
    v_key text;
    v_prev bytea;
    v_id bigint;
    v_at timestamptz := clock_timestamp();
    v_hash bytea;
    v_head parkdesk.audit_chain;
    v_last_id bigint;
    v_last_hash bytea;
BEGIN
    IF TG_OP <> 'INSERT' THEN v_old := to_jsonb(OLD); END IF;
    IF TG_OP <> 'DELETE' THEN v_new := to_jsonb(NEW); END IF;
    v_key := coalesce(v_new, v_old) ->> TG_ARGV[0];
    SELECT * INTO v_head FROM parkdesk.audit_chain WHERE id = 1 FOR UPDATE;
    -- A new snapshot after the lock: every committed row, and this transaction's own.
    SELECT id, row_hash INTO v_last_id, v_last_hash
    FROM parkdesk.audit_log ORDER BY id DESC LIMIT 1;
    IF v_last_id > coalesce(v_head.last_id, 0) THEN
        v_prev := v_last_hash;       -- this transaction already wrote rows after the head
    ELSE
        v_prev := v_head.last_hash;  -- first row of this transaction (or rows went missing)
    END IF;
    v_id := nextval(pg_get_serial_sequence('parkdesk.audit_log', 'id'));
    v_hash := parkdesk.audit_digest(v_id, v_at, session_user, TG_TABLE_NAME, v_key, TG_OP,
                                    v_old, v_new, v_prev);
    INSERT INTO parkdesk.audit_log
        (id, at, login, table_name, row_key, operation, old_row, new_row, prev_hash, row_hash)
    OVERRIDING SYSTEM VALUE
    VALUES (v_id, v_at, session_user, TG_TABLE_NAME, v_key, TG_OP, v_old, v_new, v_prev, v_hash);
    -- NOTIFY is visible to every connected login: table, operation and key only.
    PERFORM pg_notify('parkdesk_changes', json_build_object(
        't', TG_TABLE_NAME, 'op', left(TG_OP, 1), 'k', v_key, 'id', v_id)::text);
    RETURN NULL;
END
$$;

-- Deferred to commit: the newest audit row of the transaction becomes the chain head.
CREATE FUNCTION parkdesk.seal_audit_chain() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NEW.id = (SELECT max(id) FROM parkdesk.audit_log) THEN
        UPDATE parkdesk.audit_chain SET last_id = NEW.id, last_hash = NEW.row_hash WHERE id = 1;
    END IF;
    RETURN NULL;
END
$$;

-- Audit rows come from record_change only (a trigger inside a trigger): a direct
-- INSERT, even a superuser's, would otherwise be sealed into the chain at commit.
CREATE FUNCTION parkdesk.forbid_audit_forgery() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF pg_trigger_depth() < 2 THEN
        RAISE EXCEPTION 'audit rows are written only by the audit trigger'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;

CREATE FUNCTION parkdesk.forbid_audit_rewrite() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail cannot be changed (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON parkdesk.audit_log
    FOR EACH ROW EXECUTE FUNCTION parkdesk.forbid_audit_rewrite();
CREATE TRIGGER audit_log_no_direct_insert BEFORE INSERT ON parkdesk.audit_log
    FOR EACH ROW EXECUTE FUNCTION parkdesk.forbid_audit_forgery();
CREATE CONSTRAINT TRIGGER audit_log_seal AFTER INSERT ON parkdesk.audit_log
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION parkdesk.seal_audit_chain();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON parkdesk.audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION parkdesk.forbid_audit_rewrite();
CREATE TRIGGER audit_chain_no_delete BEFORE DELETE OR TRUNCATE ON parkdesk.audit_chain
    FOR EACH STATEMENT EXECUTE FUNCTION parkdesk.forbid_audit_rewrite();
REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON parkdesk.audit_log FROM parkdesk_owner;

CREATE FUNCTION parkdesk.verify_audit_chain(
    OUT rows_checked bigint, OUT broken_id bigint, OUT reason text
)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r parkdesk.audit_log;
    v_expected_prev bytea := NULL;
    v_last_id bigint := NULL;
    v_head parkdesk.audit_chain;
BEGIN
    -- A STABLE function sees one snapshot: the head and the trail agree unless tampered with.
    SELECT * INTO v_head FROM parkdesk.audit_chain WHERE id = 1;
    rows_checked := 0;
    FOR r IN SELECT * FROM parkdesk.audit_log ORDER BY id LOOP
        rows_checked := rows_checked + 1;
        IF r.prev_hash IS DISTINCT FROM v_expected_prev THEN
            broken_id := r.id;
            reason := 'its link to the previous row does not match '
                      '(a row before it was altered, removed or inserted)';
            RETURN;
        END IF;
        IF r.row_hash IS DISTINCT FROM parkdesk.audit_digest(r.id, r.at, r.login, r.table_name,
                r.row_key, r.operation, r.old_row, r.new_row, r.prev_hash) THEN
            broken_id := r.id;
            reason := 'its contents do not match its hash (the row was altered)';
            RETURN;
        END IF;
        IF v_head.last_id IS NULL OR r.id > v_head.last_id THEN
            broken_id := r.id;
            reason := format('it comes after the newest recorded change (%s), so it was added '
                             'without the audit trigger', coalesce(v_head.last_id::text, 'none'));
            RETURN;
        END IF;
        v_expected_prev := r.row_hash;
        v_last_id := r.id;
    END LOOP;
    IF v_head.last_hash IS DISTINCT FROM v_expected_prev THEN
        broken_id := v_head.last_id;
        reason := format('the newest rows are missing (the chain ends at %s, the trail at %s)',
                         v_head.last_id, coalesce(v_last_id::text, 'nothing'));
    END IF;
END
$$;

-- What changed after a given audit row: table, operation and key, as NOTIFY says.
-- A client that lost its connection replays these to resynchronise.
CREATE FUNCTION parkdesk.changes_since(p_after bigint, p_limit int DEFAULT 5000)
RETURNS TABLE (id bigint, table_name text, operation text, row_key text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT a.id, a.table_name, left(a.operation, 1), a.row_key
    FROM parkdesk.audit_log a
    WHERE a.id > p_after
    ORDER BY a.id
    LIMIT least(greatest(p_limit, 1), 50000)
$$;

CREATE FUNCTION parkdesk.last_change_id() RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(max(id), 0) FROM parkdesk.audit_log
$$;

-- How many positions two plates of equal length differ in (look-alike search, SPEC rule 2).
CREATE FUNCTION parkdesk.plate_differences(a text, b text) RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN length(a) <> length(b) THEN greatest(length(a), length(b))
           ELSE (SELECT count(*)::int FROM generate_series(1, length(a)) AS i
                 WHERE substr(a, i, 1) <> substr(b, i, 1)) END
$$;

CREATE FUNCTION parkdesk.create_staff_login(
    p_login text, p_full_name text, p_roles text[], p_password text
) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_role text;
BEGIN
    IF p_login IS NULL OR p_login !~ '^[a-z][a-z0-9_]{1,39}$'
       OR p_login LIKE 'pg\_%' OR p_login LIKE 'parkdesk\_%' OR p_login = 'postgres' THEN
        RAISE EXCEPTION 'invalid login name "%"', p_login USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_roles IS NULL OR cardinality(p_roles) = 0 THEN
        RAISE EXCEPTION 'a login needs at least one role' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOREACH v_role IN ARRAY p_roles LOOP
        IF v_role NOT IN ('clerk', 'adjudicator', 'dispatcher', 'manager', 'officer',
                          'admin') THEN
            RAISE EXCEPTION 'unknown role "%"', v_role USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END LOOP;
    IF p_password IS NULL OR length(p_password) < 8 THEN
        RAISE EXCEPTION 'a password has at least 8 characters'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = p_login) THEN
        RAISE EXCEPTION 'login "%" already exists', p_login USING ERRCODE = 'duplicate_object';
    END IF;
    EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS '
                   'INHERIT PASSWORD %L', p_login, p_password);
    FOREACH v_role IN ARRAY p_roles LOOP
        EXECUTE format('GRANT %I TO %I', 'parkdesk_' || v_role, p_login);
    END LOOP;
    INSERT INTO parkdesk.staff_member (login, full_name) VALUES (p_login, coalesce(p_full_name, ''));
END
$$;

CREATE FUNCTION parkdesk.disable_staff_login(p_login text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM parkdesk.staff_member WHERE login = p_login) THEN
        RAISE EXCEPTION 'no staff login "%"', p_login USING ERRCODE = 'no_data_found';
    END IF;
    IF p_login = session_user THEN
        RAISE EXCEPTION 'you cannot disable your own login' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    EXECUTE format('ALTER ROLE %I NOLOGIN', p_login);
    UPDATE parkdesk.staff_member SET disabled_at = now()
    WHERE login = p_login AND disabled_at IS NULL;
    -- NOLOGIN only stops new connections: a dismissed person's open window would keep
    -- working until it reconnected. End those sessions now.
    PERFORM pg_terminate_backend(a.pid) FROM pg_stat_activity a
    WHERE a.usename = p_login AND a.pid <> pg_backend_pid();
END
$$;

CREATE FUNCTION parkdesk.staff_logins()
RETURNS TABLE (login text, full_name text, roles text[], can_login boolean,
               created_at timestamptz, disabled_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT s.login, s.full_name,
           coalesce((SELECT array_agg(substr(g.rolname, 10) ORDER BY g.rolname)
                     FROM pg_auth_members m
                     JOIN pg_roles g ON g.oid = m.roleid
                     WHERE m.member = r.oid AND g.rolname LIKE 'parkdesk\_%'), '{}'),
           coalesce(r.rolcanlogin, false), s.created_at, s.disabled_at
    FROM parkdesk.staff_member s
    LEFT JOIN pg_roles r ON r.rolname = s.login
$$;
"""

SECURITY_SQL = f"""
ALTER TABLE parkdesk.staff_member ENABLE ROW LEVEL SECURITY;
-- Everyone sees their own row; administrators and managers see everyone.
CREATE POLICY staff_member_visible ON parkdesk.staff_member FOR SELECT
    USING (login = current_user
           OR pg_has_role(current_user, 'parkdesk_admin', 'USAGE')
           OR pg_has_role(current_user, 'parkdesk_manager', 'USAGE'));

GRANT USAGE ON SCHEMA parkdesk TO {ALL_GROUPS};
GRANT SELECT ON parkdesk.alembic_version, parkdesk.lot, parkdesk.zone, parkdesk.staff_member
    TO {ALL_GROUPS};
GRANT INSERT (code, name, capacity, active), UPDATE (code, name, capacity, active)
    ON parkdesk.lot TO parkdesk_manager;
GRANT INSERT (lot_id, code, name), UPDATE (code, name) ON parkdesk.zone TO parkdesk_manager;

GRANT SELECT ON parkdesk.parker, parkdesk.vehicle
    TO parkdesk_clerk, parkdesk_adjudicator, parkdesk_dispatcher, parkdesk_manager;
GRANT INSERT (first_name, last_name, affiliation, campus_id, email, phone, address, notes)
    ON parkdesk.parker TO parkdesk_clerk;
GRANT UPDATE (first_name, last_name, affiliation, campus_id, email, phone, address, notes,
              active, deactivated_at, deactivation_reason)
    ON parkdesk.parker TO parkdesk_clerk;
GRANT INSERT (parker_id, jurisdiction, plate_raw, plate_status, make, model, colour, model_year)
    ON parkdesk.vehicle TO parkdesk_clerk;
GRANT UPDATE (parker_id, jurisdiction, plate_raw, plate_status, make, model, colour, model_year,
              active, deactivated_at, deactivation_reason)
    ON parkdesk.vehicle TO parkdesk_clerk;

GRANT SELECT ON parkdesk.audit_log TO parkdesk_manager, parkdesk_admin;

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA parkdesk FROM PUBLIC;
-- Functions later migrations create are not executable by everyone either. (Only the
-- global form can take away PUBLIC's default; a per-schema default can only add.)
ALTER DEFAULT PRIVILEGES FOR ROLE parkdesk_owner REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
GRANT EXECUTE ON FUNCTION parkdesk.changes_since(bigint, int), parkdesk.last_change_id()
    TO {ALL_GROUPS};
GRANT EXECUTE ON FUNCTION parkdesk.plate_differences(text, text)
    TO parkdesk_clerk, parkdesk_adjudicator, parkdesk_dispatcher, parkdesk_manager;
GRANT EXECUTE ON FUNCTION parkdesk.verify_audit_chain() TO parkdesk_manager, parkdesk_admin;
GRANT EXECUTE ON FUNCTION parkdesk.staff_logins() TO parkdesk_manager, parkdesk_admin;
GRANT EXECUTE ON FUNCTION parkdesk.create_staff_login(text, text, text[], text),
                          parkdesk.disable_staff_login(text)
    TO parkdesk_admin;
"""

#: table -> key column given to the audit trigger
AUDITED = {"lot": "id", "zone": "id", "parker": "id", "vehicle": "id", "staff_member": "login"}
STAMPED = ("lot", "zone", "parker", "vehicle")


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
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("created_by", sa.Text(), server_default=sa.text("session_user"), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("updated_by", sa.Text(), server_default=sa.text("session_user"), nullable=False),
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
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("created_by", sa.Text(), server_default=sa.text("session_user"), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("updated_by", sa.Text(), server_default=sa.text("session_user"), nullable=False),
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
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("created_by", sa.Text(), server_default=sa.text("session_user"), nullable=False),
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
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("created_by", sa.Text(), server_default=sa.text("session_user"), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("updated_by", sa.Text(), server_default=sa.text("session_user"), nullable=False),
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
    op.create_index(
        op.f("ix_vehicle_parker_id"), "vehicle", ["parker_id"], unique=False, schema="parkdesk"
    )
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
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("created_by", sa.Text(), server_default=sa.text("session_user"), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("updated_by", sa.Text(), server_default=sa.text("session_user"), nullable=False),
        sa.CheckConstraint("code ~ '^[A-Z0-9-]{1,12}$'", name=op.f("ck_zone_code_format")),
        sa.CheckConstraint("length(name) BETWEEN 1 AND 100", name=op.f("ck_zone_name_length")),
        sa.ForeignKeyConstraint(["lot_id"], ["parkdesk.lot.id"], name=op.f("fk_zone_lot_id_lot")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_zone")),
        sa.UniqueConstraint("lot_id", "code", name=op.f("uq_zone_lot_id_code")),
        schema="parkdesk",
    )
    op.create_index(op.f("ix_zone_lot_id"), "zone", ["lot_id"], unique=False, schema="parkdesk")

    op.execute(FUNCTIONS_SQL)
    for table in STAMPED:
        op.execute(
            f"CREATE TRIGGER {table}_stamp BEFORE INSERT OR UPDATE ON parkdesk.{table} "
            "FOR EACH ROW EXECUTE FUNCTION parkdesk.stamp_row()"
        )
    for table, key in AUDITED.items():
        op.execute(
            f"CREATE TRIGGER {table}_audit AFTER INSERT OR UPDATE OR DELETE ON parkdesk.{table} "
            f"FOR EACH ROW EXECUTE FUNCTION parkdesk.record_change('{key}')"
        )
    op.execute(SECURITY_SQL)
    op.execute("RESET ROLE")


def downgrade() -> None:
    # Undoing the foundation would drop the audit trail, which nobody may delete.
    raise RuntimeError("The foundation cannot be downgraded; restore a backup instead.")
