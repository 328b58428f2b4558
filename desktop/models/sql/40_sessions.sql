-- No session may stall the others (SPEC rule 18).
--
-- The current definition: edit here, never in a migration (docs/ARCHITECTURE.md).

-- The other staff sessions of this database, never a superuser's or the server's own
-- processes; with p_waiting_too, those waiting for a lock as well (end_watchlist_holders
-- ends exactly the holders of what a device waits for, even while they wait themselves).
CREATE OR REPLACE FUNCTION parkdesk.staff_sessions(p_waiting_too boolean)
RETURNS SETOF pg_stat_activity
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT a.*
    FROM pg_stat_activity a
    JOIN parkdesk.staff_member s ON s.login = a.usename
    JOIN pg_roles ro ON ro.rolname = a.usename
    WHERE a.datname = current_database()
      AND a.backend_type = 'client backend'
      AND a.pid <> pg_backend_pid()
      AND NOT ro.rolsuper
      AND (p_waiting_too OR a.wait_event_type IS DISTINCT FROM 'Lock')
$$;

-- The other staff sessions not waiting for a lock themselves: only the root of a wait
-- chain is ever ended by the watchdogs, never an honest writer queued behind it.
CREATE OR REPLACE FUNCTION parkdesk.staff_backends() RETURNS SETOF pg_stat_activity
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT * FROM parkdesk.staff_sessions(false)
$$;

-- Ends one staff session and says so in the server's log: 1 if it was ended.
CREATE OR REPLACE FUNCTION parkdesk.end_session(p_pid int, p_login text, p_why text)
RETURNS int
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF pg_terminate_backend(p_pid) THEN
        RAISE LOG 'parkdesk: ended the session of % (pid %) %', p_login, p_pid, p_why;
        RETURN 1;
    END IF;
    RETURN 0;
END
$$;

-- Ends staff sessions that stall the others (SPEC rule 18): a session that another has
-- waited for more than 5 s, or whose transaction (or, outside one, whose idle
-- spell) is older than that while another waits for it;
-- a session that others wait for while it waits itself, once its own transaction is
-- older than 15 s, if what it waits for is not waiting too (an honest writer queued
-- behind a holder is left the time it takes to end that holder; one that holds the audit
-- chain and keeps finding a new lock to wait for is not left for ever; one made to wait
-- behind such a session is not the one ended: docs/SECURITY.md, threats 23 and 27);
-- and, while the notification queue is more than 1% full (it never is in normal use),
-- sessions that pin it (a transaction older than 5 s, or blocked writing
-- notifications to a client that does not read them).
-- Only staff logins are ended: never a superuser, never the server's own processes.
-- Every desk's live connection calls this every two seconds, and a writer kept waiting
-- for the audit chain calls it itself, so the bound holds with no job server.
CREATE OR REPLACE FUNCTION parkdesk.end_overdue_sessions() RETURNS int
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_now timestamptz := clock_timestamp();
    v_queue_full boolean := pg_notification_queue_usage() > 0.01;
    v_ended int := 0;
    r record;
BEGIN
    PERFORM pg_stat_clear_snapshot();  -- as it is now, not as at the transaction's start
    FOR r IN
        SELECT a.pid, a.usename, a.state, a.wait_event,
               v_now - coalesce(a.xact_start, a.state_change) AS held
        FROM parkdesk.staff_sessions(true) a
        -- not waiting itself, it holds what another session has waited for longer than
        -- the limit, or has held it longer than the limit itself (short statements in a
        -- row do not make a holder look new). The wait is the lock's own (waitstart),
        -- never the waiting statement's age: a statement that slept before it queued
        -- behind an honest writer must not make that writer look overdue.
        WHERE (a.wait_event_type IS DISTINCT FROM 'Lock'
               AND EXISTS (SELECT 1 FROM pg_stat_activity w
                           WHERE w.wait_event_type = 'Lock'
                             AND a.pid = ANY (pg_blocking_pids(w.pid))
                             AND (EXISTS (SELECT 1 FROM pg_locks l
                                          WHERE l.pid = w.pid AND NOT l.granted
                                            AND l.waitstart < v_now - interval '5 seconds')
                                  OR coalesce(a.xact_start, a.state_change)
                                     < v_now - interval '5 seconds')))
           -- waiting itself, others wait for it, and its transaction is older than 15 s;
           -- only the waiter nearest the root (all it waits for are not waiting): a desk
           -- made to wait behind such a session is not the one ended
           OR (a.wait_event_type = 'Lock'
               AND a.xact_start < v_now - interval '15 seconds'
               AND EXISTS (SELECT 1 FROM pg_stat_activity w
                           WHERE w.wait_event_type = 'Lock'
                             AND a.pid = ANY (pg_blocking_pids(w.pid)))
               AND NOT EXISTS (SELECT 1 FROM pg_stat_activity b
                               WHERE b.pid = ANY (pg_blocking_pids(a.pid))
                                 AND b.wait_event_type = 'Lock'))
           OR (v_queue_full AND a.wait_event_type IS DISTINCT FROM 'Lock'
               AND (a.xact_start < v_now - interval '5 seconds'
                    OR (a.state = 'idle' AND a.wait_event = 'ClientWrite')))
    LOOP
        v_ended := v_ended + parkdesk.end_session(r.pid, r.usename,
            format('(%s, %s held) that stalled others', r.state, r.held));
    END LOOP;
    RETURN v_ended;
END
$$;

-- A writer kept waiting for the audit chain ends whoever holds it too long. Every table is
-- audited, so a transaction that has written anything holds the chain until it ends: a
-- staff session with a transaction id older than 5 s is the holder (or a
-- session holding row locks as long, which end_overdue_sessions ends anyway).
CREATE OR REPLACE FUNCTION parkdesk.end_chain_holders() RETURNS int
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_ended int := 0;
    r record;
BEGIN
    PERFORM pg_stat_clear_snapshot();  -- as it is now, not as at the transaction's start
    FOR r IN
        SELECT a.pid, a.usename, a.state
        FROM parkdesk.staff_backends() a
        WHERE a.backend_xid IS NOT NULL
          AND a.xact_start < clock_timestamp() - interval '5 seconds'
    LOOP
        v_ended := v_ended + parkdesk.end_session(r.pid, r.usename,
            format('(%s) holding the audit chain', r.state));
    END LOOP;
    RETURN v_ended;
END
$$;

-- The slow way to the audit chain head, when another transaction holds it: wait a
-- second at a time, ending overdue holders in between, and give up with a message after
-- eight (a holder is ended after 5 s, so an honest writer is never refused).
CREATE OR REPLACE FUNCTION parkdesk.wait_for_audit_chain() RETURNS parkdesk.audit_chain
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp SET lock_timeout = '1s' AS $$
DECLARE
    v_head parkdesk.audit_chain;
    v_deadline timestamptz := clock_timestamp() + interval '8 seconds';
BEGIN
    LOOP
        BEGIN
            SELECT * INTO v_head FROM parkdesk.audit_chain WHERE id = 1 FOR UPDATE;
            RETURN v_head;
        EXCEPTION WHEN lock_not_available THEN
            PERFORM parkdesk.end_chain_holders();
            PERFORM parkdesk.end_overdue_sessions();
            IF clock_timestamp() > v_deadline THEN
                RAISE EXCEPTION 'Another desk is saving a change; try again in a moment.'
                    USING ERRCODE = 'PD006';
            END IF;
        END;
    END LOOP;
END
$$;
