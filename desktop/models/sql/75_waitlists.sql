-- Waitlists: joining, leaving, and offering spaces as they free up.
--
-- The current definition: edit here, never in a migration (docs/ARCHITECTURE.md).

-- Offers free spaces in a lot to the next parkers waiting for it, oldest first.
CREATE OR REPLACE FUNCTION parkdesk.offer_spaces(p_lot bigint) RETURNS int
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    a record;
    v_made int := 0;
    e record;
BEGIN
    PERFORM parkdesk.lock_lot(p_lot);
    a := parkdesk.lot_availability(p_lot);
    IF a.free <= 0 THEN
        RETURN 0;
    END IF;
    FOR e IN
        SELECT w.id, t.offer_hours FROM parkdesk.waitlist_entry w
        JOIN parkdesk.permit_type t ON t.id = w.permit_type_id
        WHERE w.lot_id = p_lot AND w.status = 'waiting' AND t.active
        ORDER BY w.id
        LIMIT a.free
        FOR UPDATE OF w
    LOOP
        UPDATE parkdesk.waitlist_entry SET status = 'offered', offered_at = now(),
            offer_expires_at = now() + make_interval(hours => e.offer_hours)
        WHERE id = e.id;
        v_made := v_made + 1;
    END LOOP;
    RETURN v_made;
END
$$;

-- Expires overdue offers and offers the spaces that are free now. Every open permit desk
-- calls this on a timer, and the functions that free a space call offer_spaces at once.
CREATE OR REPLACE FUNCTION parkdesk.refresh_waitlists() RETURNS int
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_lot bigint;
    v_made int := 0;
BEGIN
    PERFORM 1 FROM parkdesk.lot l
    WHERE l.id IN (SELECT w.lot_id FROM parkdesk.waitlist_entry w
                   WHERE w.status IN ('waiting', 'offered'))
    ORDER BY l.id FOR NO KEY UPDATE;
    UPDATE parkdesk.waitlist_entry SET status = 'expired', resolved_at = now()
    WHERE status = 'offered' AND offer_expires_at <= now();
    FOR v_lot IN SELECT DISTINCT w.lot_id FROM parkdesk.waitlist_entry w
                 WHERE w.status = 'waiting' ORDER BY 1 LOOP
        v_made := v_made + parkdesk.offer_spaces(v_lot);
    END LOOP;
    RETURN v_made;
END
$$;

CREATE OR REPLACE FUNCTION parkdesk.offer_spaces_on_capacity() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NEW.capacity > OLD.capacity THEN
        PERFORM parkdesk.offer_spaces(NEW.id);
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION parkdesk.join_waitlist(p_type bigint, p_lot bigint, p_parker bigint)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t parkdesk.permit_type;
    p parkdesk.parker;
    v_refusal text;
    v_id bigint;
BEGIN
    SELECT * INTO t FROM parkdesk.permit_type WHERE id = p_type;
    IF NOT FOUND THEN
        PERFORM parkdesk.refuse('permit_type', 'Choose a permit type.');
    END IF;
    SELECT * INTO p FROM parkdesk.parker WHERE id = p_parker;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'This parker no longer exists.' USING ERRCODE = 'no_data_found';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM parkdesk.permit_type_lot tl
                   WHERE tl.permit_type_id = p_type AND tl.lot_id = p_lot) THEN
        PERFORM parkdesk.refuse('lot', format('%s is not sold for that lot.', t.name));
    END IF;
    PERFORM parkdesk.lock_lot(p_lot);
    v_refusal := parkdesk.permit_refusal(p, t, tstzrange(now(), now(), '[]'));
    IF v_refusal IS NOT NULL THEN
        PERFORM parkdesk.refuse('permit_type', v_refusal);
    END IF;
    IF EXISTS (SELECT 1 FROM parkdesk.waitlist_entry w WHERE w.permit_type_id = p_type
               AND w.lot_id = p_lot AND w.parker_id = p_parker
               AND w.status IN ('waiting', 'offered')) THEN
        PERFORM parkdesk.refuse('permit_type', format('%s %s is already on this waitlist.',
                                p.first_name, p.last_name));
    END IF;
    INSERT INTO parkdesk.waitlist_entry (permit_type_id, lot_id, parker_id, status, joined_at)
    VALUES (p_type, p_lot, p_parker, 'waiting', now()) RETURNING id INTO v_id;
    IF t.sale_mode = 'waitlist' THEN
        PERFORM parkdesk.offer_spaces(p_lot);
    END IF;
    RETURN v_id;
END
$$;

-- Leave the list, or decline an offer: the space goes to the next in line at once.
CREATE OR REPLACE FUNCTION parkdesk.leave_waitlist(p_entry bigint, p_decline boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    w parkdesk.waitlist_entry;
BEGIN
    SELECT * INTO w FROM parkdesk.waitlist_entry WHERE id = p_entry;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'This waitlist entry no longer exists.' USING ERRCODE = 'no_data_found';
    END IF;
    PERFORM parkdesk.lock_lot(w.lot_id);
    SELECT * INTO w FROM parkdesk.waitlist_entry WHERE id = p_entry FOR UPDATE;
    IF p_decline AND w.status <> 'offered' THEN
        PERFORM parkdesk.refuse('entry', 'There is no open offer to decline.');
    END IF;
    IF w.status NOT IN ('waiting', 'offered') THEN
        PERFORM parkdesk.refuse('entry', format('This waitlist entry is already %s.', w.status));
    END IF;
    UPDATE parkdesk.waitlist_entry
    SET status = CASE WHEN p_decline THEN 'declined' ELSE 'left' END, resolved_at = now()
    WHERE id = w.id;
    IF w.status = 'offered' THEN
        PERFORM parkdesk.offer_spaces(w.lot_id);
    END IF;
END
$$;

CREATE TRIGGER lot_capacity_raised AFTER UPDATE OF capacity ON parkdesk.lot
    FOR EACH ROW EXECUTE FUNCTION parkdesk.offer_spaces_on_capacity();
