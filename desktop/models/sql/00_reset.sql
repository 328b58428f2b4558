-- Clears what the files after this one create and cannot replace in place, so that they
-- are the whole truth: every trigger and row-security policy on ParkDesk's tables, and
-- every privilege of the desks' groups and of PUBLIC. The files run in one transaction,
-- so no desk ever sees the database without them.
--
-- Functions and views are replaced in place (CREATE OR REPLACE): constraints and views
-- depend on some of them. A function whose arguments or result change, or that goes away,
-- is dropped by the migration that makes that change.
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT policyname, tablename FROM pg_policies WHERE schemaname = 'parkdesk' LOOP
        EXECUTE format('DROP POLICY %I ON parkdesk.%I', r.policyname, r.tablename);
    END LOOP;
    FOR r IN SELECT t.tgname, c.relname
             FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
             WHERE c.relnamespace = 'parkdesk'::regnamespace AND NOT t.tgisinternal
               AND t.tgparentid = 0 LOOP  -- a partition's copy goes with its table's
        EXECUTE format('DROP TRIGGER %I ON parkdesk.%I', r.tgname, r.relname);
    END LOOP;
END
$$;

-- The owner gets back what 90_privileges.sql takes from it (it may need it to make the
-- triggers above); the groups and PUBLIC lose everything, and get back what that file says.
GRANT ALL ON ALL TABLES IN SCHEMA parkdesk TO parkdesk_owner;
REVOKE ALL ON ALL TABLES IN SCHEMA parkdesk FROM PUBLIC, parkdesk_clerk, parkdesk_adjudicator,
    parkdesk_dispatcher, parkdesk_manager, parkdesk_officer, parkdesk_admin;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA parkdesk FROM PUBLIC, parkdesk_clerk,
    parkdesk_adjudicator, parkdesk_dispatcher, parkdesk_manager, parkdesk_officer, parkdesk_admin;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA parkdesk FROM PUBLIC, parkdesk_clerk,
    parkdesk_adjudicator, parkdesk_dispatcher, parkdesk_manager, parkdesk_officer, parkdesk_admin;
REVOKE ALL ON SCHEMA parkdesk FROM PUBLIC, parkdesk_clerk, parkdesk_adjudicator,
    parkdesk_dispatcher, parkdesk_manager, parkdesk_officer, parkdesk_admin;
