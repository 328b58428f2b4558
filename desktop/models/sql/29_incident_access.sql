-- Who reads a security incident (SPEC "Security"): the question the incident tables' row
-- policies, the audit trail's hints and the incident functions all ask (89_incidents.sql,
-- 90_privileges.sql). Here, before the audit trail's functions that ask it too.
--
-- The current definition: edit here, never in a migration (docs/ARCHITECTURE.md).

-- May the calling person read this incident? Managers read every one; dispatchers every
-- one that is not confidential, and a confidential one they reported or investigate.
-- Nobody else reads incidents. SECURITY DEFINER so the row policies of the incident's
-- people, vehicles, log, tasks and evidence can ask it without recursing into the
-- incident's own policy; it answers only for the caller (session_user).
CREATE OR REPLACE FUNCTION parkdesk.incident_visible(p_incident bigint) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE
        WHEN pg_has_role(session_user, 'parkdesk_manager', 'USAGE') THEN
            EXISTS (SELECT 1 FROM parkdesk.incident i WHERE i.id = p_incident)
        WHEN pg_has_role(session_user, 'parkdesk_dispatcher', 'USAGE') THEN
            EXISTS (SELECT 1 FROM parkdesk.incident i
                    WHERE i.id = p_incident
                      AND (NOT i.confidential OR i.reported_by = session_user
                           OR session_user::text = ANY (i.investigators)))
        ELSE false END
$$;

-- Whether the incident is closed (read as the owner: a trigger on a linked row asks). It
-- answers false for an incident the caller may not read, as for one that does not exist:
-- the row policy then refuses the write alike, and nothing tells a hidden incident apart.
CREATE OR REPLACE FUNCTION parkdesk.incident_closed(p_incident bigint) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce((SELECT i.status = 'closed' FROM parkdesk.incident i
                     WHERE i.id = p_incident AND parkdesk.incident_visible(p_incident)),
                    false)
$$;

-- Whether the caller may see a file: an incident's if they may read the incident; a
-- parker's paper on an appeal if they read appeals; an officer's photo of a citation if
-- theirs is a desk that deals with citations or with security.
CREATE OR REPLACE FUNCTION parkdesk.may_see_evidence(p_incident bigint, p_appeal bigint)
RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE
        WHEN p_incident IS NOT NULL THEN parkdesk.incident_visible(p_incident)
        WHEN p_appeal IS NOT NULL
            THEN has_table_privilege(session_user, 'parkdesk.appeal', 'SELECT')
        ELSE pg_has_role(session_user, 'parkdesk_clerk', 'USAGE')
             OR pg_has_role(session_user, 'parkdesk_adjudicator', 'USAGE')
             OR pg_has_role(session_user, 'parkdesk_dispatcher', 'USAGE')
             OR pg_has_role(session_user, 'parkdesk_manager', 'USAGE')
    END
$$;
