-- Staff logins: created, listed and disabled by administrators only.
--
-- The current definition: edit here, never in a migration (docs/ARCHITECTURE.md).

CREATE OR REPLACE FUNCTION parkdesk.staff_logins()
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

-- The client computes the SCRAM-SHA-256 verifier (as psql's \password does): a failing
-- CREATE ROLE in the server log shows the verifier, never the password.
CREATE OR REPLACE FUNCTION parkdesk.create_staff_login(
    p_login text, p_full_name text, p_roles text[], p_password text
) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_role text;
BEGIN
    IF octet_length(p_login) > 40 OR octet_length(p_full_name) > 400
       OR cardinality(p_roles) > 6 OR octet_length(p_password) > 400 THEN
        RAISE EXCEPTION 'login, name, roles or verifier too long' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_password IS NULL
       OR p_password !~ '^SCRAM-SHA-256\$[0-9]{4,7}:[A-Za-z0-9+/=]{16,64}\$[A-Za-z0-9+/=]{44}:[A-Za-z0-9+/=]{44}$' THEN
        RAISE EXCEPTION 'a staff login takes the SCRAM-SHA-256 verifier of its password, never '
                        'the password itself' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF split_part(split_part(p_password, '$', 2), ':', 1)::int < 4096 THEN
        RAISE EXCEPTION 'the verifier needs at least 4096 iterations'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_login IS NULL OR p_login !~ '^[a-z][a-z0-9_]{1,39}$'
       OR p_login LIKE 'pg\_%' OR p_login LIKE 'parkdesk\_%' OR p_login = 'postgres' THEN
        RAISE EXCEPTION 'invalid login name "%"', p_login USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_roles IS NULL OR cardinality(p_roles) = 0 THEN
        RAISE EXCEPTION 'a login needs at least one role' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOREACH v_role IN ARRAY p_roles LOOP
        IF v_role IS NULL OR v_role NOT IN ('clerk', 'adjudicator', 'dispatcher', 'manager',
                                            'officer', 'admin') THEN
            RAISE EXCEPTION 'unknown role "%"', v_role USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END LOOP;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = p_login) THEN
        RAISE EXCEPTION 'login "%" already exists', p_login USING ERRCODE = 'duplicate_object';
    END IF;
    IF NOT parkdesk.card_number_free(p_login) THEN
        RAISE EXCEPTION 'a login name may not hold a card number'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS '
                   'INHERIT CONNECTION LIMIT 20 PASSWORD %L', p_login, p_password);
    FOREACH v_role IN ARRAY p_roles LOOP
        EXECUTE format('GRANT %I TO %I', 'parkdesk_' || v_role, p_login);
    END LOOP;
    INSERT INTO parkdesk.staff_member (login, full_name) VALUES (p_login, coalesce(p_full_name, ''));
END
$$;

CREATE OR REPLACE FUNCTION parkdesk.disable_staff_login(p_login text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF octet_length(p_login) > 40 OR NOT EXISTS (SELECT 1 FROM parkdesk.staff_member
                                                 WHERE login = p_login) THEN
        RAISE EXCEPTION 'no staff login "%"', left(p_login, 40) USING ERRCODE = 'no_data_found';
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

-- Settings a staff login saved for itself (ALTER ROLE CURRENT_USER SET …), which
-- PostgreSQL lets every login do and no trigger sees: cleared by the clock work
-- (`parkdesk jobs run`). They are kept in a catalog every login reads, so they could carry
-- a card number from one login to another, and they could switch a protection off for
-- every session of that login (an idle-transaction timeout of 0). Staff logins need none;
-- the count of logins cleared is returned.
CREATE OR REPLACE FUNCTION parkdesk.clear_staff_settings() RETURNS int
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r record;
    v_cleared int := 0;
BEGIN
    FOR r IN SELECT DISTINCT s.login, d.datname
             FROM parkdesk.staff_member s
             JOIN pg_roles ro ON ro.rolname = s.login
             JOIN pg_db_role_setting rs ON rs.setrole = ro.oid
             LEFT JOIN pg_database d ON d.oid = rs.setdatabase
             WHERE NOT ro.rolsuper
             ORDER BY s.login LOOP
        BEGIN
            IF r.datname IS NULL THEN
                EXECUTE format('ALTER ROLE %I RESET ALL', r.login);
            ELSE
                EXECUTE format('ALTER ROLE %I IN DATABASE %I RESET ALL', r.login, r.datname);
            END IF;
            RAISE LOG 'parkdesk: cleared the settings the login % saved for itself', r.login;
            v_cleared := v_cleared + 1;
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE WARNING 'The settings of login % could not be cleared: %', r.login, SQLERRM;
        END;
    END LOOP;
    RETURN v_cleared;
END
$$;
