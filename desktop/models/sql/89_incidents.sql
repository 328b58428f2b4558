-- Security incidents (SPEC "Security"): numbered, stamped, their status moved by who and
-- when, locked once closed, their dispatch log append-only, a confidential one read only
-- by its reporter, its investigators and managers (row security, 90_privileges.sql).
--
-- Dispatchers and managers write with column grants; these triggers hold the rules,
-- whoever writes. Each runs as the writer (no SECURITY DEFINER) unless it says so.
--
-- The current definition: edit here, never in a migration (docs/ARCHITECTURE.md).

-- An incident's investigators: dispatchers' logins, each once, in order.
CREATE OR REPLACE FUNCTION parkdesk.checked_investigators(p_logins text[]) RETURNS text[]
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_logins text[];
    v_login text;
BEGIN
    -- Runs as the writer (from the incident's triggers): refusals raised here, in words.
    IF cardinality(p_logins) > 20 THEN
        RAISE EXCEPTION 'An incident has at most 20 investigators.'
            USING ERRCODE = 'PD002', DETAIL = 'investigators';
    END IF;
    IF EXISTS (SELECT 1 FROM unnest(p_logins) x WHERE octet_length(x) > 63) THEN
        RAISE EXCEPTION 'That is far longer than a login.'
            USING ERRCODE = 'PD002', DETAIL = 'investigators';
    END IF;
    v_logins := ARRAY(SELECT DISTINCT btrim(x) FROM unnest(coalesce(p_logins, '{}')) x
                      WHERE btrim(x) <> '' ORDER BY 1);
    -- A person's own login, never a group (every login may SET ROLE to its group).
    FOREACH v_login IN ARRAY v_logins LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = v_login AND r.rolcanlogin)
           OR NOT pg_has_role(v_login, 'parkdesk_dispatcher', 'USAGE') THEN
            RAISE EXCEPTION '% is not a dispatcher''s login.', v_login
                USING ERRCODE = 'PD002', DETAIL = 'investigators';
        END IF;
    END LOOP;
    RETURN v_logins;
END
$$;

-- A new incident: its number (I, the year, a sequence), its reporter and its first status
-- are the database's, whatever the client sent.
CREATE OR REPLACE FUNCTION parkdesk.open_incident_row() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    NEW.number := 'I' || to_char(now() AT TIME ZONE (SELECT s.time_zone
                                                      FROM parkdesk.office_setting s
                                                      WHERE s.id = 1), 'YYYY')
                  || '-' || lpad(NEW.id::text, 5, '0');
    NEW.reported_by := session_user;
    NEW.status := 'new';
    NEW.status_at := now();
    NEW.status_by := session_user;
    NEW.closed_at := NULL;
    NEW.closed_by := NULL;
    NEW.investigators := parkdesk.checked_investigators(NEW.investigators);
    RETURN NEW;
END
$$;

-- An incident's changes: a closed one is locked (reopen_incident opens it again, with a
-- reason); its status moves new → in progress → resolved → closed (resolved may go back to
-- in progress), recording who and when; only its reporter or a manager makes it
-- confidential or not, or names its investigators, who must be dispatchers.
CREATE OR REPLACE FUNCTION parkdesk.guard_incident() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_manager boolean := pg_has_role(session_user, 'parkdesk_manager', 'USAGE');
BEGIN
    IF TG_OP IN ('DELETE', 'TRUNCATE') THEN
        RAISE EXCEPTION 'incidents are never removed (% refused): close one instead', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF current_setting('parkdesk.reopening', true) = 'on' THEN
        RETURN NEW;  -- reopen_incident, which checked who asks (and alone sets this)
    END IF;
    IF OLD.status = 'closed' THEN
        RAISE EXCEPTION 'Incident % is closed: reopen it, saying why, to change it.', OLD.number
            USING ERRCODE = 'PD002', DETAIL = 'status';
    END IF;
    NEW.number := OLD.number;
    NEW.reported_by := OLD.reported_by;
    NEW.reported_at := OLD.reported_at;
    IF (NEW.confidential IS DISTINCT FROM OLD.confidential
        OR NEW.investigators IS DISTINCT FROM OLD.investigators)
       AND NOT v_manager AND OLD.reported_by <> session_user THEN
        RAISE EXCEPTION 'Only the dispatcher who reported incident %, or a manager, decides '
                        'who may read it.', OLD.number
            USING ERRCODE = 'PD002', DETAIL = 'confidential';
    END IF;
    IF NEW.investigators IS DISTINCT FROM OLD.investigators THEN
        NEW.investigators := parkdesk.checked_investigators(NEW.investigators);
    END IF;
    IF NEW.status IS DISTINCT FROM OLD.status THEN
        IF (OLD.status, NEW.status) NOT IN (('new', 'in_progress'), ('new', 'resolved'),
                                            ('in_progress', 'resolved'),
                                            ('resolved', 'in_progress'),
                                            ('resolved', 'closed')) THEN
            RAISE EXCEPTION 'Incident % is %: it cannot become % from there.', OLD.number,
                replace(OLD.status, '_', ' '), replace(NEW.status, '_', ' ')
                USING ERRCODE = 'PD002', DETAIL = 'status';
        END IF;
        NEW.status_at := now();
        NEW.status_by := session_user;
        IF NEW.status = 'closed' THEN
            NEW.closed_at := now();
            NEW.closed_by := session_user;
        END IF;
    ELSE
        NEW.status_at := OLD.status_at;
        NEW.status_by := OLD.status_by;
        NEW.closed_at := OLD.closed_at;
        NEW.closed_by := OLD.closed_by;
    END IF;
    RETURN NEW;
END
$$;

-- A closed incident's people, vehicles, tasks and log stay as they were.
CREATE OR REPLACE FUNCTION parkdesk.guard_incident_link() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_incident bigint := CASE WHEN TG_OP = 'DELETE' THEN OLD.incident_id ELSE NEW.incident_id END;
BEGIN
    IF parkdesk.incident_closed(v_incident)
       OR (TG_OP = 'UPDATE' AND parkdesk.incident_closed(OLD.incident_id)) THEN
        RAISE EXCEPTION 'The incident is closed: reopen it, saying why, to change it.'
            USING ERRCODE = 'PD002', DETAIL = 'incident';
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.incident_id <> OLD.incident_id THEN
        RAISE EXCEPTION 'A linked record stays with its incident.'
            USING ERRCODE = 'PD002', DETAIL = 'incident';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;

-- A vehicle of an incident is kept by its plate, normalised (SPEC rule 1); one on file
-- gives its own plate.
CREATE OR REPLACE FUNCTION parkdesk.normalize_incident_vehicle() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF octet_length(NEW.plate) > 40 OR octet_length(NEW.jurisdiction) > 10 THEN
        RAISE EXCEPTION 'That is far longer than a plate or jurisdiction.'
            USING ERRCODE = 'PD002', DETAIL = 'plate';
    END IF;
    NEW.plate := upper(regexp_replace(coalesce(NEW.plate, ''), '[[:space:].-]', '', 'g'));
    NEW.jurisdiction := upper(btrim(coalesce(NEW.jurisdiction, '')));
    NEW.added_by := CASE WHEN TG_OP = 'INSERT' THEN session_user ELSE OLD.added_by END;
    NEW.added_at := CASE WHEN TG_OP = 'INSERT' THEN now() ELSE OLD.added_at END;
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION parkdesk.stamp_incident_person() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    NEW.name := nullif(btrim(NEW.name), '');
    NEW.added_by := CASE WHEN TG_OP = 'INSERT' THEN session_user ELSE OLD.added_by END;
    NEW.added_at := CASE WHEN TG_OP = 'INSERT' THEN now() ELSE OLD.added_at END;
    RETURN NEW;
END
$$;

-- Reading incidents. Dispatchers do not SELECT the incident tables: a row policy hides a
-- confidential incident's rows, but EXPLAIN ANALYZE counts the rows an index found and the
-- policy then dropped ("Rows Removed by Filter"), which tells a hidden plate, person or log
-- line from none. They read through these functions instead, which return only what the
-- caller may read (incident_visible's rule, inlined) and whose plans nobody sees; they keep
-- SELECT of the ids alone, which their UPDATEs and DELETEs name. Managers read every
-- incident, so nothing is hidden from them and they read the tables too. Each function
-- takes one incident, or none for every one the caller may read.
CREATE OR REPLACE FUNCTION parkdesk.reads_incidents() RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT pg_has_role(session_user, 'parkdesk_dispatcher', 'USAGE')
           OR pg_has_role(session_user, 'parkdesk_manager', 'USAGE')
$$;

CREATE OR REPLACE FUNCTION parkdesk.visible_incidents(p_incident bigint DEFAULT NULL)
RETURNS SETOF parkdesk.incident
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_all boolean := pg_has_role(session_user, 'parkdesk_manager', 'USAGE');
BEGIN
    IF NOT parkdesk.reads_incidents() THEN
        RETURN;
    END IF;
    IF p_incident IS NOT NULL THEN
        RETURN QUERY SELECT i.* FROM parkdesk.incident i
            WHERE i.id = p_incident
              AND (v_all OR NOT i.confidential OR i.reported_by = session_user
                   OR session_user::text = ANY (i.investigators));
    ELSE
        RETURN QUERY SELECT i.* FROM parkdesk.incident i
            WHERE v_all OR NOT i.confidential OR i.reported_by = session_user
                  OR session_user::text = ANY (i.investigators);
    END IF;
END
$$;

-- The ids of the incidents the caller may read (one, or every one), for the functions
-- below: each reads its table's rows of these ids in one statement, by the incident_id
-- index for one incident.
CREATE OR REPLACE FUNCTION parkdesk.visible_incident_ids(p_incident bigint)
RETURNS TABLE (id bigint)
LANGUAGE sql STABLE ROWS 10 SET search_path = pg_catalog, pg_temp AS $$
    SELECT v.id FROM parkdesk.visible_incidents(p_incident) v
$$;

CREATE OR REPLACE FUNCTION parkdesk.visible_incident_people(p_incident bigint DEFAULT NULL)
RETURNS SETOF parkdesk.incident_person
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT x.* FROM parkdesk.incident_person x
    WHERE x.incident_id IN (SELECT v.id FROM parkdesk.visible_incident_ids(p_incident) v)
$$;

CREATE OR REPLACE FUNCTION parkdesk.visible_incident_vehicles(p_incident bigint DEFAULT NULL)
RETURNS SETOF parkdesk.incident_vehicle
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT x.* FROM parkdesk.incident_vehicle x
    WHERE x.incident_id IN (SELECT v.id FROM parkdesk.visible_incident_ids(p_incident) v)
$$;

CREATE OR REPLACE FUNCTION parkdesk.visible_incident_tasks(p_incident bigint DEFAULT NULL)
RETURNS SETOF parkdesk.incident_task
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT x.* FROM parkdesk.incident_task x
    WHERE x.incident_id IN (SELECT v.id FROM parkdesk.visible_incident_ids(p_incident) v)
$$;

CREATE OR REPLACE FUNCTION parkdesk.visible_dispatch_entries(p_incident bigint)
RETURNS SETOF parkdesk.dispatch_entry
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT x.* FROM parkdesk.dispatch_entry x
    WHERE x.incident_id IN (SELECT v.id FROM parkdesk.visible_incident_ids(p_incident) v)
$$;

CREATE OR REPLACE FUNCTION parkdesk.visible_incident_links(p_incident bigint)
RETURNS SETOF parkdesk.incident_link
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT x.* FROM parkdesk.incident_link x
    WHERE x.incident_id IN (SELECT v.id FROM parkdesk.visible_incident_ids(p_incident) v)
$$;

-- An incident's photos and documents, without their bytes (read one by its id to show it).
CREATE OR REPLACE FUNCTION parkdesk.visible_incident_evidence(p_incident bigint)
RETURNS TABLE (id bigint, media_type text, size_bytes bigint, sha256 text,
               captured_at timestamptz, recorded_at timestamptz, recorded_by text,
               description text, file_name text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT e.id, e.media_type, e.size_bytes, e.sha256, e.captured_at, e.recorded_at,
           e.recorded_by, e.description, e.file_name
    FROM parkdesk.evidence e
    WHERE e.incident_id IN (SELECT v.id FROM parkdesk.visible_incident_ids(p_incident) v)
$$;

-- Writing incidents. Dispatchers have no UPDATE or DELETE on the incident tables (an
-- UPDATE scans the table under its row policy, and EXPLAIN ANALYZE counts the hidden rows
-- it passed), and no SELECT; they insert an incident's people, vehicles, log lines and
-- tasks directly (an INSERT scans nothing; the row policy checks it) and do the rest
-- through these functions. Each refuses an incident the caller may not read exactly as
-- one that does not exist, then writes as the owner: the tables' triggers hold the same
-- rules for it as for anyone (closed incidents locked, who may make one confidential,
-- status moves), since they ask session_user.
CREATE OR REPLACE FUNCTION parkdesk.readable_incident(p_incident bigint) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF p_incident IS NULL OR NOT parkdesk.incident_visible(p_incident) THEN
        PERFORM parkdesk.refuse('incident', 'There is no such incident.');
    END IF;
    -- A flag only reopen_incident sets, never left on for these functions' writes.
    PERFORM set_config('parkdesk.reopening', 'off', true);
END
$$;

-- The fields of an incident a desk writes, from a JSON object of column: value (only
-- those named are written, so a column left out keeps its value or default).
CREATE OR REPLACE FUNCTION parkdesk.incident_columns(p_values jsonb, p_allowed text[])
RETURNS text
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_keys text[];
BEGIN
    IF p_values IS NULL OR jsonb_typeof(p_values) <> 'object' OR octet_length(p_values::text) > 50000 THEN
        PERFORM parkdesk.refuse('incident', 'Give the incident''s fields as a JSON object.');
    END IF;
    v_keys := ARRAY(SELECT k FROM jsonb_object_keys(p_values) k ORDER BY k);
    IF cardinality(v_keys) = 0 OR NOT v_keys <@ p_allowed THEN
        PERFORM parkdesk.refuse('incident', format('An incident has no field %s to write.',
            coalesce((SELECT string_agg(k, ', ') FROM unnest(v_keys) k
                      WHERE k <> ALL (p_allowed)), 'named')));
    END IF;
    RETURN (SELECT string_agg(format('%I', k), ', ') FROM unnest(v_keys) k);
END
$$;

CREATE OR REPLACE FUNCTION parkdesk.record_incident(p_values jsonb) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_columns text;
    v_id bigint;
BEGIN
    IF NOT parkdesk.reads_incidents() THEN
        RAISE EXCEPTION 'permission denied for function record_incident'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    PERFORM set_config('parkdesk.reopening', 'off', true);
    v_columns := parkdesk.incident_columns(p_values, ARRAY[
        'category_id', 'priority', 'occurred_at', 'reported_at', 'lot_id', 'zone_id',
        'location', 'latitude', 'longitude', 'narrative', 'weapon', 'injury',
        'police_service', 'police_case', 'confidential', 'investigators']);
    EXECUTE format('INSERT INTO parkdesk.incident (%s) SELECT %s '
                   'FROM jsonb_populate_record(NULL::parkdesk.incident, $1) RETURNING id',
                   v_columns, v_columns)
        INTO v_id USING p_values;
    RETURN v_id;
END
$$;

CREATE OR REPLACE FUNCTION parkdesk.change_incident(p_incident bigint, p_values jsonb)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_columns text;
BEGIN
    v_columns := parkdesk.incident_columns(p_values, ARRAY[
        'category_id', 'status', 'priority', 'occurred_at', 'lot_id', 'zone_id', 'location',
        'latitude', 'longitude', 'narrative', 'weapon', 'injury', 'police_service',
        'police_case', 'confidential', 'investigators']);
    PERFORM parkdesk.readable_incident(p_incident);
    EXECUTE format('UPDATE parkdesk.incident i SET (%s) = (SELECT %s '
                   'FROM jsonb_populate_record(NULL::parkdesk.incident, $1)) WHERE i.id = $2',
                   v_columns, v_columns)
        USING p_values, p_incident;
END
$$;

CREATE OR REPLACE FUNCTION parkdesk.remove_incident_person(p_incident bigint, p_person bigint)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM parkdesk.readable_incident(p_incident);
    DELETE FROM parkdesk.incident_person x WHERE x.id = p_person AND x.incident_id = p_incident;
END
$$;

CREATE OR REPLACE FUNCTION parkdesk.complete_incident_task(p_incident bigint, p_task bigint)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM parkdesk.readable_incident(p_incident);
    UPDATE parkdesk.incident_task x SET done_at = now()
    WHERE x.id = p_task AND x.incident_id = p_incident;
END
$$;

CREATE OR REPLACE FUNCTION parkdesk.unlink_incident(p_incident bigint, p_link bigint)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM parkdesk.readable_incident(p_incident);
    DELETE FROM parkdesk.incident_link x WHERE x.id = p_link AND x.incident_id = p_incident;
END
$$;

-- The managers' lists. A category, or a sub-category of one: two levels, no more (the
-- parent row is read FOR SHARE, so two managers cannot each hang one under the other at
-- the same moment). A name is once among its siblings however it is capitalised (the
-- unique indexes uq_incident_category_name and uq_incident_role_name).
CREATE OR REPLACE FUNCTION parkdesk.guard_incident_category() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_grandparent bigint;
BEGIN
    NEW.name := btrim(regexp_replace(NEW.name, '\s+', ' ', 'g'));
    IF NEW.parent_id IS NULL THEN
        RETURN NEW;
    END IF;
    IF NEW.parent_id = NEW.id THEN
        RAISE EXCEPTION 'A category cannot be a sub-category of itself.'
            USING ERRCODE = 'PD002', DETAIL = 'parent_id';
    END IF;
    SELECT p.parent_id INTO v_grandparent
    FROM parkdesk.incident_category p WHERE p.id = NEW.parent_id FOR SHARE;
    IF v_grandparent IS NOT NULL THEN
        RAISE EXCEPTION 'A sub-category belongs to a category, not to another sub-category.'
            USING ERRCODE = 'PD002', DETAIL = 'parent_id';
    END IF;
    IF TG_OP = 'UPDATE'
       AND EXISTS (SELECT 1 FROM parkdesk.incident_category c WHERE c.parent_id = NEW.id) THEN
        RAISE EXCEPTION 'This category has sub-categories of its own: it cannot become one.'
            USING ERRCODE = 'PD002', DETAIL = 'parent_id';
    END IF;
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION parkdesk.tidy_incident_role() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    NEW.name := btrim(regexp_replace(NEW.name, '\s+', ' ', 'g'));
    RETURN NEW;
END
$$;

-- What a manager retired is not chosen again: a new incident, or one given another
-- category, takes a category in use (under a category in use); a person added, or given
-- another role, a role in use. What was recorded before keeps what it had.
CREATE OR REPLACE FUNCTION parkdesk.check_incident_choice() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_TABLE_NAME = 'incident' THEN
        IF NOT EXISTS (SELECT 1 FROM parkdesk.incident_category c
                       LEFT JOIN parkdesk.incident_category p ON p.id = c.parent_id
                       WHERE c.id = NEW.category_id AND c.active
                         AND coalesce(p.active, true)) THEN
            RAISE EXCEPTION 'That category is no longer in use: choose another.'
                USING ERRCODE = 'PD002', DETAIL = 'category_id';
        END IF;
    ELSIF NOT EXISTS (SELECT 1 FROM parkdesk.incident_role r
                      WHERE r.id = NEW.role_id AND r.active) THEN
        RAISE EXCEPTION 'That role is no longer in use: choose another.'
            USING ERRCODE = 'PD002', DETAIL = 'role';
    END IF;
    RETURN NEW;
END
$$;

-- A dispatch log line is the database's time and the writer's login, and is never
-- changed or removed.
CREATE OR REPLACE FUNCTION parkdesk.stamp_dispatch_entry() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        RAISE EXCEPTION 'the dispatch log is never changed (% refused): add a line instead',
            TG_OP USING ERRCODE = 'insufficient_privilege';
    END IF;
    NEW.at := now();
    NEW.by := session_user;
    NEW.note := btrim(coalesce(NEW.note, ''));
    RETURN NEW;
END
$$;

-- A task goes to a dispatcher; it is marked done once, by whoever it was given to or a
-- manager, and then kept as it was.
CREATE OR REPLACE FUNCTION parkdesk.guard_incident_task() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NOT EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = NEW.assigned_to)
           OR NOT pg_has_role(NEW.assigned_to, 'parkdesk_dispatcher', 'USAGE') THEN
            RAISE EXCEPTION '% is not a dispatcher''s login.', NEW.assigned_to
                USING ERRCODE = 'PD002', DETAIL = 'assigned_to';
        END IF;
        NEW.assigned_at := now();
        NEW.assigned_by := session_user;
        NEW.done_at := NULL;
        NEW.done_by := NULL;
        RETURN NEW;
    END IF;
    IF OLD.done_at IS NOT NULL THEN
        RAISE EXCEPTION 'This task was done by % already.', OLD.done_by
            USING ERRCODE = 'PD002', DETAIL = 'task';
    END IF;
    IF NEW.done_at IS NOT NULL THEN
        IF OLD.assigned_to <> session_user
           AND NOT pg_has_role(session_user, 'parkdesk_manager', 'USAGE') THEN
            RAISE EXCEPTION 'This task is %''s to mark done.', OLD.assigned_to
                USING ERRCODE = 'PD002', DETAIL = 'task';
        END IF;
        NEW.done_at := now();
        NEW.done_by := session_user;
    END IF;
    NEW.assigned_at := OLD.assigned_at;
    NEW.assigned_by := OLD.assigned_by;
    RETURN NEW;
END
$$;

-- A dispatcher or a manager who may read a closed incident reopens it, saying why: it is
-- in progress again, and the log says who reopened it and why.
CREATE OR REPLACE FUNCTION parkdesk.reopen_incident(p_incident bigint, p_reason text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    i parkdesk.incident;
BEGIN
    PERFORM parkdesk.bound_text('reason', p_reason, 500);
    IF length(btrim(coalesce(p_reason, ''))) < 3 THEN
        PERFORM parkdesk.refuse('reason', 'Say why the incident is reopened.');
    END IF;
    IF NOT parkdesk.incident_visible(p_incident) THEN
        PERFORM parkdesk.refuse('incident', 'There is no such incident.');
    END IF;
    SELECT * INTO i FROM parkdesk.incident WHERE id = p_incident FOR UPDATE;
    IF i.status <> 'closed' THEN
        PERFORM parkdesk.refuse('status', format('Incident %s is not closed.', i.number));
    END IF;
    PERFORM set_config('parkdesk.reopening', 'on', true);
    UPDATE parkdesk.incident
    SET status = 'in_progress', status_at = now(), status_by = session_user,
        closed_at = NULL, closed_by = NULL
    WHERE id = i.id;
    PERFORM set_config('parkdesk.reopening', 'off', true);
    INSERT INTO parkdesk.dispatch_entry (incident_id, kind, note)
    VALUES (i.id, 'note', 'Reopened: ' || btrim(p_reason));
END
$$;

-- A photo or document of an incident, kept in the evidence store by the same rules as an
-- appeal's (checked_document, 87_appeals.sql): hashed by the database, its type from its
-- bytes, never changed or removed; only to an incident the caller may read, while open.
CREATE OR REPLACE FUNCTION parkdesk.attach_incident_evidence(
    p_incident bigint, p_content bytea, p_sha256 text, p_media_type text, p_description text,
    p_file_name text DEFAULT NULL, p_captured_at timestamptz DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_type text;
    v_hash text;
    v_id bigint;
BEGIN
    v_type := parkdesk.checked_document(p_content, p_sha256, p_media_type, p_description,
                                         p_file_name);
    v_hash := encode(pg_catalog.sha256(p_content), 'hex');
    IF NOT parkdesk.incident_visible(p_incident) THEN
        PERFORM parkdesk.refuse('incident', 'There is no such incident.');
    END IF;
    PERFORM 1 FROM parkdesk.incident i WHERE i.id = p_incident FOR UPDATE;
    IF parkdesk.incident_closed(p_incident) THEN
        PERFORM parkdesk.refuse('incident',
            'The incident is closed: reopen it, saying why, to add to it.');
    END IF;
    IF p_captured_at > now() + interval '10 minutes' THEN
        PERFORM parkdesk.refuse('captured_at', 'That time is still to come.');
    END IF;
    IF EXISTS (SELECT 1 FROM parkdesk.evidence e
               WHERE e.incident_id = p_incident AND e.sha256 = v_hash) THEN
        PERFORM parkdesk.refuse('content', 'This file is already attached to the incident.');
    END IF;
    INSERT INTO parkdesk.evidence (incident_id, content, sha256, media_type, captured_at,
                                   recorded_by, recorded_at, description, file_name)
    VALUES (p_incident, p_content, v_hash, v_type, coalesce(p_captured_at, now()),
            session_user, now(), btrim(p_description),
            nullif(btrim(coalesce(p_file_name, '')), ''))
    RETURNING id INTO v_id;
    RETURN v_id;
END
$$;

-- A citation or a permit linked to an incident the caller may read, by its number (the
-- number is kept with the link: dispatch reads neither table). One link of each record.
CREATE OR REPLACE FUNCTION parkdesk.link_incident(
    p_incident bigint, p_kind text, p_number text, p_note text DEFAULT '') RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_number text := upper(btrim(coalesce(p_number, '')));
    v_record bigint;
    v_id bigint;
BEGIN
    PERFORM parkdesk.bound_text('number', p_number, 40);
    PERFORM parkdesk.bound_text('note', p_note, 500);
    IF NOT parkdesk.incident_visible(p_incident) THEN
        PERFORM parkdesk.refuse('incident', 'There is no such incident.');
    END IF;
    PERFORM 1 FROM parkdesk.incident i WHERE i.id = p_incident FOR UPDATE;
    IF parkdesk.incident_closed(p_incident) THEN
        PERFORM parkdesk.refuse('incident',
            'The incident is closed: reopen it, saying why, to add to it.');
    END IF;
    IF coalesce(p_kind, '') NOT IN ('citation', 'permit') THEN
        PERFORM parkdesk.refuse('kind', 'Link a citation or a permit.');
    END IF;
    IF p_kind = 'citation' THEN
        SELECT c.id INTO v_record FROM parkdesk.citation c WHERE c.number = v_number;
    ELSE
        SELECT p.id INTO v_record FROM parkdesk.permit p WHERE p.number = v_number;
    END IF;
    IF v_record IS NULL THEN
        PERFORM parkdesk.refuse('number', format('There is no %s %s.', p_kind,
                                                  coalesce(nullif(v_number, ''), 'without a number')));
    END IF;
    IF EXISTS (SELECT 1 FROM parkdesk.incident_link l
               WHERE l.incident_id = p_incident
                 AND (l.citation_id = v_record AND p_kind = 'citation'
                      OR l.permit_id = v_record AND p_kind = 'permit')) THEN
        PERFORM parkdesk.refuse('number', format('%s %s is linked already.',
                                                  initcap(p_kind), v_number));
    END IF;
    INSERT INTO parkdesk.incident_link (incident_id, citation_id, permit_id, reference, note,
                                        added_at, added_by)
    VALUES (p_incident, CASE WHEN p_kind = 'citation' THEN v_record END,
            CASE WHEN p_kind = 'permit' THEN v_record END, v_number,
            btrim(coalesce(p_note, '')), now(), session_user)
    RETURNING id INTO v_id;
    RETURN v_id;
END
$$;

CREATE TRIGGER incident_open BEFORE INSERT ON parkdesk.incident
    FOR EACH ROW EXECUTE FUNCTION parkdesk.open_incident_row();
CREATE TRIGGER incident_guard BEFORE UPDATE OR DELETE ON parkdesk.incident
    FOR EACH ROW EXECUTE FUNCTION parkdesk.guard_incident();
CREATE TRIGGER incident_no_truncate BEFORE TRUNCATE ON parkdesk.incident
    FOR EACH STATEMENT EXECUTE FUNCTION parkdesk.guard_incident();
CREATE TRIGGER incident_person_stamp BEFORE INSERT OR UPDATE ON parkdesk.incident_person
    FOR EACH ROW EXECUTE FUNCTION parkdesk.stamp_incident_person();
CREATE TRIGGER incident_vehicle_normalize BEFORE INSERT OR UPDATE ON parkdesk.incident_vehicle
    FOR EACH ROW EXECUTE FUNCTION parkdesk.normalize_incident_vehicle();
CREATE TRIGGER dispatch_entry_stamp BEFORE INSERT OR UPDATE OR DELETE ON parkdesk.dispatch_entry
    FOR EACH ROW EXECUTE FUNCTION parkdesk.stamp_dispatch_entry();
CREATE TRIGGER dispatch_entry_no_truncate BEFORE TRUNCATE ON parkdesk.dispatch_entry
    FOR EACH STATEMENT EXECUTE FUNCTION parkdesk.stamp_dispatch_entry();
CREATE TRIGGER incident_task_guard BEFORE INSERT OR UPDATE ON parkdesk.incident_task
    FOR EACH ROW EXECUTE FUNCTION parkdesk.guard_incident_task();
CREATE TRIGGER incident_category_guard BEFORE INSERT OR UPDATE ON parkdesk.incident_category
    FOR EACH ROW EXECUTE FUNCTION parkdesk.guard_incident_category();
CREATE TRIGGER incident_role_tidy BEFORE INSERT OR UPDATE ON parkdesk.incident_role
    FOR EACH ROW EXECUTE FUNCTION parkdesk.tidy_incident_role();
CREATE TRIGGER incident_category_in_use BEFORE INSERT ON parkdesk.incident
    FOR EACH ROW EXECUTE FUNCTION parkdesk.check_incident_choice();
CREATE TRIGGER incident_category_changed BEFORE UPDATE OF category_id ON parkdesk.incident
    FOR EACH ROW WHEN (NEW.category_id IS DISTINCT FROM OLD.category_id)
    EXECUTE FUNCTION parkdesk.check_incident_choice();
CREATE TRIGGER incident_person_role_in_use BEFORE INSERT ON parkdesk.incident_person
    FOR EACH ROW EXECUTE FUNCTION parkdesk.check_incident_choice();
CREATE TRIGGER incident_person_role_changed BEFORE UPDATE OF role_id ON parkdesk.incident_person
    FOR EACH ROW WHEN (NEW.role_id IS DISTINCT FROM OLD.role_id)
    EXECUTE FUNCTION parkdesk.check_incident_choice();

DO $$
DECLARE
    v_table text;
BEGIN
    FOREACH v_table IN ARRAY ARRAY['incident_person', 'incident_vehicle', 'dispatch_entry',
                                   'incident_task', 'incident_link'] LOOP
        EXECUTE format('CREATE TRIGGER %I BEFORE INSERT OR UPDATE OR DELETE ON parkdesk.%I '
                       'FOR EACH ROW EXECUTE FUNCTION parkdesk.guard_incident_link()',
                       v_table || '_open_incident', v_table);
    END LOOP;
    FOREACH v_table IN ARRAY ARRAY['incident', 'incident_category', 'incident_role'] LOOP
        EXECUTE format('CREATE TRIGGER %I BEFORE INSERT OR UPDATE ON parkdesk.%I '
                       'FOR EACH ROW EXECUTE FUNCTION parkdesk.stamp_row()',
                       v_table || '_stamp', v_table);
    END LOOP;
    FOREACH v_table IN ARRAY ARRAY['incident', 'incident_category', 'incident_role',
                                   'incident_person', 'incident_vehicle', 'dispatch_entry',
                                   'incident_task', 'incident_link'] LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON parkdesk.%I '
                       'FOR EACH ROW EXECUTE FUNCTION parkdesk.record_change(''id'')',
                       v_table || '_audit', v_table);
    END LOOP;
END
$$;
