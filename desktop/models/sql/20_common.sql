-- Small helpers every desk's functions share: refusals, input bounds, office-local days.
--
-- The current definition: edit here, never in a migration (docs/ARCHITECTURE.md).

-- Raised by ParkDesk's functions: PD001 lot full (DETAIL = lot id), PD002 a field is wrong
-- (DETAIL = field name), PD003 a cash drawer shift is needed, PD005 sold through a waitlist.

-- Midnight at the start of a local date, in the installation's time zone (SPEC rule 3).
CREATE OR REPLACE FUNCTION parkdesk.local_midnight(p_day date) RETURNS timestamptz
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT p_day::timestamp AT TIME ZONE (SELECT s.time_zone FROM parkdesk.office_setting s
                                           WHERE s.id = 1)
$$;

CREATE OR REPLACE FUNCTION parkdesk.local_day(p_at timestamptz) RETURNS date
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT (p_at AT TIME ZONE (SELECT s.time_zone FROM parkdesk.office_setting s
                               WHERE s.id = 1))::date
$$;

-- "31 May 2027" for a permit ending at local midnight, else "31 May 2027 17:00".
CREATE OR REPLACE FUNCTION parkdesk.describe_until(p_until timestamptz) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE
        WHEN p_until IS NULL THEN 'further notice'
        WHEN p_until = parkdesk.local_midnight(parkdesk.local_day(p_until))
            THEN 'the end of ' || to_char(parkdesk.local_day(p_until) - 1, 'FMDD Mon YYYY')
        ELSE to_char(p_until AT TIME ZONE (SELECT s.time_zone FROM parkdesk.office_setting s
                                           WHERE s.id = 1), 'FMDD Mon YYYY HH24:MI')
    END
$$;

CREATE OR REPLACE FUNCTION parkdesk.describe_plate(p_vehicle bigint) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN v.plate_status = 'readable' THEN v.plate_normalized || ' (' || v.jurisdiction || ')'
                ELSE 'vehicle ' || v.id || ' (no readable plate)' END
    FROM parkdesk.vehicle v WHERE v.id = p_vehicle
$$;

CREATE OR REPLACE FUNCTION parkdesk.refuse(p_field text, p_message text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RAISE EXCEPTION '%', p_message USING ERRCODE = 'PD002', DETAIL = p_field;
END
$$;

-- Refuses text longer than p_max characters before anything else looks at it: the byte
-- length is known without reading the text.
CREATE OR REPLACE FUNCTION parkdesk.bound_text(p_field text, p_value text, p_max int) RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF octet_length(p_value) > p_max * 4 OR length(p_value) > p_max THEN
        RAISE EXCEPTION 'At most % characters, please.', p_max
            USING ERRCODE = 'PD002', DETAIL = p_field;
    END IF;
END
$$;

CREATE OR REPLACE FUNCTION parkdesk.bound_json(p_field text, p_value jsonb, p_max_bytes int) RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    -- Its text, not its stored size: a repetitive value compresses to almost nothing.
    IF octet_length(p_value::text) > p_max_bytes THEN
        RAISE EXCEPTION 'That is far more than this field takes.'
            USING ERRCODE = 'PD002', DETAIL = p_field;
    END IF;
END
$$;

-- An amount in cents exactly, within bounds: 0.005 is refused, never rounded.
CREATE OR REPLACE FUNCTION parkdesk.check_amount(
    p_field text, p_value numeric, p_min numeric, p_max numeric, p_what text)
RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF p_value IS NULL OR p_value < p_min OR p_value > p_max THEN
        RAISE EXCEPTION '% is an amount from % to %.', p_what,
            to_char(p_min, 'FM999,999,990.00'), to_char(p_max, 'FM999,999,990.00')
            USING ERRCODE = 'PD002', DETAIL = p_field;
    END IF;
    IF p_value <> round(p_value, 2) THEN
        RAISE EXCEPTION '% has at most two decimals (cents).', p_what
            USING ERRCODE = 'PD002', DETAIL = p_field;
    END IF;
END
$$;
