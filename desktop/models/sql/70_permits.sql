-- Permits: quotes, sales, renewals, transfers, cancellations, temporary permits, lot capacity.
--
-- The current definition: edit here, never in a migration (docs/ARCHITECTURE.md).

-- The dates a permit of this type bought for a start date covers, and what the whole
-- period is (for proration): [from, until) as local dates, until exclusive.
CREATE OR REPLACE FUNCTION parkdesk.permit_dates(
    p_type parkdesk.permit_type, p_start date,
    OUT valid_from date, OUT valid_until date, OUT period_from date, OUT period_until date)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF p_start IS NULL THEN
        PERFORM parkdesk.refuse('start', 'Choose the date the permit starts.');
    END IF;
    IF p_type.validity = 'term' THEN
        IF p_start > p_type.term_end THEN
            PERFORM parkdesk.refuse('start', format('The term of %s ended on %s.', p_type.name,
                                    to_char(p_type.term_end, 'FMDD Mon YYYY')));
        END IF;
        period_from := p_type.term_start;
        period_until := p_type.term_end + 1;
        valid_from := greatest(p_start, p_type.term_start);
    ELSIF p_type.validity = 'monthly' THEN
        period_from := date_trunc('month', p_start)::date;
        period_until := (date_trunc('month', p_start) + interval '1 month')::date;
        valid_from := p_start;
    ELSE
        period_from := p_start;
        period_until := p_start + p_type.days;
        valid_from := p_start;
    END IF;
    valid_until := period_until;
END
$$;

CREATE OR REPLACE FUNCTION parkdesk.permit_price(p_type parkdesk.permit_type, p_start date) RETURNS numeric
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    d record;
    v_months_total int;
    v_months_left int;
BEGIN
    d := parkdesk.permit_dates(p_type, p_start);
    IF p_type.proration = 'daily' THEN
        RETURN round(p_type.price * (d.valid_until - d.valid_from)
                     / (d.period_until - d.period_from), 2);
    ELSIF p_type.proration = 'monthly' THEN
        -- A month already started is charged in full.
        v_months_total := (extract(year FROM age(d.period_until - 1, d.period_from)) * 12
                           + extract(month FROM age(d.period_until - 1, d.period_from)))::int + 1;
        v_months_left := (extract(year FROM age(d.period_until - 1, d.valid_from)) * 12
                          + extract(month FROM age(d.period_until - 1, d.valid_from)))::int + 1;
        RETURN round(p_type.price * least(v_months_left, v_months_total) / v_months_total, 2);
    END IF;
    RETURN p_type.price;
END
$$;

-- What a sale of this type starting on this date would cover and cost.
CREATE OR REPLACE FUNCTION parkdesk.quote_permit(
    p_type bigint, p_start date,
    OUT valid_from timestamptz, OUT valid_until timestamptz, OUT full_price numeric,
    OUT price numeric)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    t parkdesk.permit_type;
    d record;
BEGIN
    SELECT * INTO t FROM parkdesk.permit_type WHERE id = p_type;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'There is no permit type %.', p_type USING ERRCODE = 'no_data_found';
    END IF;
    d := parkdesk.permit_dates(t, p_start);
    valid_from := parkdesk.local_midnight(d.valid_from);
    valid_until := parkdesk.local_midnight(d.valid_until);
    full_price := t.price;
    price := parkdesk.permit_price(t, p_start);
END
$$;

-- Spaces in a lot over a period: capacity, permits overlapping it, offers holding a space.
CREATE OR REPLACE FUNCTION parkdesk.lot_availability(
    p_lot bigint, p_period tstzrange DEFAULT NULL,
    OUT capacity int, OUT taken bigint, OUT offered bigint, OUT free bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_period tstzrange := coalesce(p_period, tstzrange(now(), now(), '[]'));
BEGIN
    SELECT l.capacity INTO capacity FROM parkdesk.lot l WHERE l.id = p_lot;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'There is no lot %.', p_lot USING ERRCODE = 'no_data_found';
    END IF;
    -- A cancelled permit gave its space back, even for the part of the day it was used.
    SELECT count(*) INTO taken FROM parkdesk.permit p
    WHERE p.lot_id = p_lot AND p.validity && v_period AND p.cancelled_at IS NULL;
    SELECT count(*) INTO offered FROM parkdesk.waitlist_entry w
    WHERE w.lot_id = p_lot AND w.status = 'offered' AND w.offer_expires_at > now();
    free := greatest(capacity - taken - offered, 0);
END
$$;

-- Lock order, everywhere: parker, then lot, then the audit chain head (taken by the first
-- audited write). A function that will touch a lot's spaces locks the lot before it writes
-- anything, or two clerks could each hold what the other waits for. NO KEY UPDATE: the
-- foreign-key checks of other inserts (KEY SHARE) pass straight through.
CREATE OR REPLACE FUNCTION parkdesk.lock_lot(p_lot bigint) RETURNS void
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    SELECT NULL::void FROM parkdesk.lot WHERE id = p_lot FOR NO KEY UPDATE
$$;

-- Capacity is held here, for every way a permit is created: the lot row is locked, so
-- twenty clerks selling the last three spaces queue, and exactly three succeed.
CREATE OR REPLACE FUNCTION parkdesk.enforce_lot_capacity() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_lot parkdesk.lot;
    a record;
BEGIN
    SELECT * INTO v_lot FROM parkdesk.lot WHERE id = NEW.lot_id FOR NO KEY UPDATE;
    IF NOT v_lot.active THEN
        PERFORM parkdesk.refuse('lot', format('%s is closed.', v_lot.name));
    END IF;
    a := parkdesk.lot_availability(NEW.lot_id, NEW.validity);
    IF a.taken + a.offered >= a.capacity THEN
        RAISE EXCEPTION '% is full: % of % spaces are taken%.', v_lot.name,
            a.taken + a.offered, a.capacity,
            CASE WHEN a.offered > 0 THEN format(' (%s held for waitlist offers)', a.offered)
                 ELSE '' END
            USING ERRCODE = 'PD001', DETAIL = NEW.lot_id::text;
    END IF;
    RETURN NEW;
END
$$;

-- Why this parker may not have this permit type for this period, or NULL.
CREATE OR REPLACE FUNCTION parkdesk.permit_refusal(
    p_parker parkdesk.parker, p_type parkdesk.permit_type, p_period tstzrange,
    p_ignore_permit bigint DEFAULT NULL) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_held int;
BEGIN
    IF NOT p_parker.active THEN
        RETURN format('%s %s is deactivated.', p_parker.first_name, p_parker.last_name);
    END IF;
    IF NOT p_type.active THEN
        RETURN format('%s is no longer sold.', p_type.name);
    END IF;
    IF NOT p_parker.affiliation = ANY (p_type.affiliations) THEN
        RETURN format('%s is for %s only; %s %s is %s.', p_type.name,
                      array_to_string(p_type.affiliations, ', '), p_parker.first_name,
                      p_parker.last_name, p_parker.affiliation);
    END IF;
    SELECT count(*) INTO v_held FROM parkdesk.permit p
    WHERE p.parker_id = p_parker.id AND p.permit_type_id = p_type.id
      AND p.validity && p_period AND p.cancelled_at IS NULL
      AND p.id IS DISTINCT FROM p_ignore_permit;
    IF v_held >= p_type.per_parker_limit THEN
        RETURN format('%s %s already has %s %s permit%s for that period (the limit is %s).',
                      p_parker.first_name, p_parker.last_name, v_held, p_type.name,
                      CASE WHEN v_held = 1 THEN '' ELSE 's' END, p_type.per_parker_limit);
    END IF;
    RETURN NULL;
END
$$;

-- Moves a permit from one of the parker's vehicles to another, from now on.
CREATE OR REPLACE FUNCTION parkdesk.transfer_permit(p_permit bigint, p_from bigint, p_to bigint)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    o parkdesk.permit;
    v_row parkdesk.permit_vehicle;
    v_from timestamptz;
BEGIN
    SELECT * INTO o FROM parkdesk.permit WHERE id = p_permit FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'This permit no longer exists.' USING ERRCODE = 'no_data_found';
    END IF;
    IF o.cancelled_at IS NOT NULL OR upper(o.validity) <= now() THEN
        PERFORM parkdesk.refuse('permit', format('Permit %s is no longer valid.', o.number));
    END IF;
    IF o.kind <> 'term' THEN
        PERFORM parkdesk.refuse('permit', 'Temporary permits belong to one plate.');
    END IF;
    SELECT * INTO v_row FROM parkdesk.permit_vehicle pv
    WHERE pv.permit_id = p_permit AND pv.vehicle_id = p_from AND upper(pv.validity) > now()
    FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM parkdesk.refuse('from_vehicle', 'That vehicle is not on the permit.');
    END IF;
    IF NOT EXISTS (SELECT 1 FROM parkdesk.vehicle v WHERE v.id = p_to AND v.active
                   AND v.parker_id = o.parker_id) THEN
        PERFORM parkdesk.refuse('to_vehicle', 'Choose an active vehicle of the same parker.');
    END IF;
    IF EXISTS (SELECT 1 FROM parkdesk.permit_vehicle pv WHERE pv.permit_id = p_permit
               AND pv.vehicle_id = p_to AND upper(pv.validity) > now()) THEN
        PERFORM parkdesk.refuse('to_vehicle', 'That vehicle is already on the permit.');
    END IF;
    v_from := greatest(now(), lower(o.validity));
    UPDATE parkdesk.permit_vehicle
    SET validity = CASE WHEN lower(validity) >= v_from THEN 'empty'::tstzrange
                        ELSE tstzrange(lower(validity), v_from) END
    WHERE id = v_row.id;
    INSERT INTO parkdesk.permit_vehicle (permit_id, vehicle_id, lot_id, validity)
    VALUES (p_permit, p_to, o.lot_id, tstzrange(v_from, upper(o.validity)));
END
$$;

-- Sells a term permit for a lot and the parker's vehicles from a start date, and takes its
-- payment. The request key is bound to this one request first (claim_request); then
-- eligibility, capacity, overlapping permits and any waitlist offer are checked.
CREATE OR REPLACE FUNCTION parkdesk.sell_permit(
    p_key uuid, p_parker bigint, p_type bigint, p_lot bigint, p_vehicles bigint[],
    p_start date, p_tender jsonb, p_offer bigint DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_request jsonb;
    c record;
    v_result bigint;
    t parkdesk.permit_type;
    p parkdesk.parker;
    w parkdesk.waitlist_entry;
    d record;
    v_period tstzrange;
    v_price numeric;
    v_refusal text;
    v_vehicle bigint;
    v_clash text;
    v_permit parkdesk.permit;
    v_lot parkdesk.lot;
    v_pay parkdesk.payment;
BEGIN
    IF cardinality(p_vehicles) > 10 THEN
        PERFORM parkdesk.refuse('vehicles', 'A permit covers at most 10 vehicles.');
    END IF;
    PERFORM parkdesk.bound_json('tender', p_tender, 1000);
    v_request := jsonb_build_array(p_parker, p_type, p_lot, p_vehicles, p_start,
                                   parkdesk.canonical_tender(p_tender), p_offer);
    c := parkdesk.claim_request(p_key, 'sell_permit', v_request);
    IF c.done THEN
        RETURN c.result;
    END IF;
    -- The vehicles stay the parker's while the sale goes on: an owner change waiting to
    -- commit is seen, and refused, rather than racing the sale.
    PERFORM 1 FROM parkdesk.vehicle v WHERE v.id = ANY (p_vehicles) ORDER BY v.id FOR SHARE;
    SELECT * INTO t FROM parkdesk.permit_type WHERE id = p_type;
    IF NOT FOUND THEN
        PERFORM parkdesk.refuse('permit_type', 'Choose a permit type.');
    END IF;
    -- One sale per parker at a time, so two clerks cannot both sell the last allowed permit.
    SELECT * INTO p FROM parkdesk.parker WHERE id = p_parker FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'This parker no longer exists.' USING ERRCODE = 'no_data_found';
    END IF;
    PERFORM parkdesk.lock_lot(p_lot);
    SELECT * INTO v_lot FROM parkdesk.lot WHERE id = p_lot;
    IF NOT FOUND OR NOT EXISTS (SELECT 1 FROM parkdesk.permit_type_lot tl
                                WHERE tl.permit_type_id = p_type AND tl.lot_id = p_lot) THEN
        PERFORM parkdesk.refuse('lot', format('%s is not sold for that lot.', t.name));
    END IF;
    IF p_start < parkdesk.local_day(now()) THEN
        PERFORM parkdesk.refuse('start', 'A permit cannot start in the past.');
    END IF;
    d := parkdesk.permit_dates(t, p_start);
    -- Sold today, it is valid from the moment of sale: a permit this vehicle had earlier
    -- today (cancelled, transferred away) still owns the hours before.
    v_period := tstzrange(greatest(parkdesk.local_midnight(d.valid_from), now()),
                          parkdesk.local_midnight(d.valid_until));
    v_refusal := parkdesk.permit_refusal(p, t, v_period);
    IF v_refusal IS NOT NULL THEN
        PERFORM parkdesk.refuse('permit_type', v_refusal);
    END IF;
    IF coalesce(cardinality(p_vehicles), 0) = 0 THEN
        PERFORM parkdesk.refuse('vehicles', 'Choose the vehicle or vehicles the permit covers.');
    END IF;
    IF cardinality(p_vehicles) > t.max_vehicles THEN
        PERFORM parkdesk.refuse('vehicles', format('%s covers at most %s vehicle%s.', t.name,
            t.max_vehicles, CASE WHEN t.max_vehicles = 1 THEN '' ELSE 's' END));
    END IF;
    IF (SELECT count(DISTINCT x) FROM unnest(p_vehicles) x) <> cardinality(p_vehicles) THEN
        PERFORM parkdesk.refuse('vehicles', 'The same vehicle is listed twice.');
    END IF;
    FOREACH v_vehicle IN ARRAY p_vehicles LOOP
        IF NOT EXISTS (SELECT 1 FROM parkdesk.vehicle v WHERE v.id = v_vehicle
                       AND v.parker_id = p_parker AND v.active) THEN
            PERFORM parkdesk.refuse('vehicles',
                'Every vehicle on the permit must be an active vehicle of this parker.');
        END IF;
        SELECT format('%s already has permit %s for %s until %s.',
                      parkdesk.describe_plate(v_vehicle), op.number, v_lot.name,
                      parkdesk.describe_until(upper(pv.validity)))
        INTO v_clash
        FROM parkdesk.permit_vehicle pv JOIN parkdesk.permit op ON op.id = pv.permit_id
        WHERE pv.vehicle_id = v_vehicle AND pv.lot_id = p_lot AND pv.validity && v_period
        LIMIT 1;
        IF v_clash IS NOT NULL THEN
            PERFORM parkdesk.refuse('vehicles', v_clash);
        END IF;
    END LOOP;
    IF p_offer IS NOT NULL THEN
        SELECT * INTO w FROM parkdesk.waitlist_entry WHERE id = p_offer FOR UPDATE;
        IF NOT FOUND OR w.parker_id <> p_parker OR w.permit_type_id <> p_type
           OR w.lot_id <> p_lot THEN
            PERFORM parkdesk.refuse('offer', 'That waitlist offer is for another permit.');
        END IF;
        IF w.status <> 'offered' OR w.offer_expires_at <= now() THEN
            PERFORM parkdesk.refuse('offer', 'That waitlist offer is no longer open.');
        END IF;
        -- Accepted first, so the space it held is the one this permit takes.
        UPDATE parkdesk.waitlist_entry SET status = 'accepted', resolved_at = now()
        WHERE id = p_offer;
    ELSIF t.sale_mode = 'waitlist' THEN
        RAISE EXCEPTION '% is sold through its waitlist: add the parker to the waitlist, '
                        'and sell when they are offered a space.', t.name
            USING ERRCODE = 'PD005';
    END IF;
    v_price := parkdesk.permit_price(t, p_start);
    INSERT INTO parkdesk.permit (kind, permit_type_id, parker_id, lot_id, issued_validity,
                                 validity, price)
    VALUES ('term', p_type, p_parker, p_lot, v_period, v_period, v_price)
    RETURNING * INTO v_permit;
    INSERT INTO parkdesk.permit_vehicle (permit_id, vehicle_id, lot_id, validity)
    SELECT v_permit.id, x, p_lot, v_period FROM unnest(p_vehicles) x;
    IF p_offer IS NOT NULL THEN
        UPDATE parkdesk.waitlist_entry SET permit_id = v_permit.id WHERE id = p_offer;
    END IF;
    PERFORM parkdesk.post_line('sale', v_price, p_parker, v_permit.id,
        format('%s %s, %s', t.name, v_permit.number, v_lot.name));
    v_pay := parkdesk.take_payment(p_key, 'in', p_parker, v_permit.id, v_price, p_tender,
        format('%s %s, %s, %s to %s', t.name, v_permit.number, v_lot.name,
               to_char(d.valid_from, 'FMDD Mon YYYY'), to_char(d.valid_until - 1, 'FMDD Mon YYYY')));
    v_result := v_pay.id;
    PERFORM parkdesk.remember_request(p_key, 'sell_permit', v_request, v_result);
    RETURN v_result;
END
$$;

-- Renews a term permit for its type's next period, for the vehicles on it now, and
-- takes the payment.
CREATE OR REPLACE FUNCTION parkdesk.renew_permit(p_key uuid, p_permit bigint, p_tender jsonb)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_request jsonb;
    c record;
    v_result bigint;
    o parkdesk.permit;
    t parkdesk.permit_type;
    p parkdesk.parker;
    v_lot parkdesk.lot;
    v_old_end date;
    v_start date;
    d record;
    v_period tstzrange;
    v_price numeric;
    v_refusal text;
    v_vehicles bigint[];
    v_clash text;
    v_permit parkdesk.permit;
    v_pay parkdesk.payment;
BEGIN
    PERFORM parkdesk.bound_json('tender', p_tender, 1000);
    v_request := jsonb_build_array(p_permit, parkdesk.canonical_tender(p_tender));
    c := parkdesk.claim_request(p_key, 'renew_permit', v_request);
    IF c.done THEN
        RETURN c.result;
    END IF;
    SELECT * INTO o FROM parkdesk.permit WHERE id = p_permit;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'This permit no longer exists.' USING ERRCODE = 'no_data_found';
    END IF;
    IF o.kind <> 'term' THEN
        PERFORM parkdesk.refuse('permit', 'Temporary, visitor and event permits are not renewed.');
    END IF;
    IF o.cancelled_at IS NOT NULL THEN
        PERFORM parkdesk.refuse('permit', format('Permit %s was cancelled; sell a new one.', o.number));
    END IF;
    SELECT * INTO p FROM parkdesk.parker WHERE id = o.parker_id FOR NO KEY UPDATE;
    PERFORM parkdesk.lock_lot(o.lot_id);
    SELECT * INTO t FROM parkdesk.permit_type WHERE id = o.permit_type_id;
    SELECT * INTO v_lot FROM parkdesk.lot WHERE id = o.lot_id;
    IF EXISTS (SELECT 1 FROM parkdesk.permit r WHERE r.renewed_from_id = o.id
               AND r.cancelled_at IS NULL) THEN
        PERFORM parkdesk.refuse('permit', format('Permit %s has already been renewed.', o.number));
    END IF;
    v_old_end := parkdesk.local_day(upper(o.issued_validity));
    IF t.validity = 'term' THEN
        IF t.term_start < v_old_end THEN
            PERFORM parkdesk.refuse('permit', format(
                'The next term of %s has not been set yet (the current term starts %s). '
                'A manager sets the new term dates.', t.name,
                to_char(t.term_start, 'FMDD Mon YYYY')));
        END IF;
        v_start := t.term_start;
    ELSE
        v_start := v_old_end;
    END IF;
    d := parkdesk.permit_dates(t, v_start);
    v_period := tstzrange(parkdesk.local_midnight(d.valid_from),
                          parkdesk.local_midnight(d.valid_until));
    v_refusal := parkdesk.permit_refusal(p, t, v_period);
    IF v_refusal IS NOT NULL THEN
        PERFORM parkdesk.refuse('permit', v_refusal);
    END IF;
    SELECT array_agg(pv.vehicle_id ORDER BY pv.id) INTO v_vehicles
    FROM parkdesk.permit_vehicle pv
    WHERE pv.permit_id = o.id AND upper(pv.validity) = upper(o.validity);
    IF v_vehicles IS NULL THEN
        PERFORM parkdesk.refuse('permit', format('Permit %s has no vehicle left on it.', o.number));
    END IF;
    SELECT format('%s already has permit %s for %s until %s.',
                  parkdesk.describe_plate(pv.vehicle_id), op.number, v_lot.name,
                  parkdesk.describe_until(upper(pv.validity)))
    INTO v_clash
    FROM parkdesk.permit_vehicle pv JOIN parkdesk.permit op ON op.id = pv.permit_id
    WHERE pv.vehicle_id = ANY (v_vehicles) AND pv.lot_id = o.lot_id AND pv.validity && v_period
    LIMIT 1;
    IF v_clash IS NOT NULL THEN
        PERFORM parkdesk.refuse('permit', v_clash);
    END IF;
    v_price := parkdesk.permit_price(t, v_start);
    INSERT INTO parkdesk.permit (kind, permit_type_id, parker_id, lot_id, issued_validity,
                                 validity, price, renewed_from_id)
    VALUES ('term', t.id, p.id, o.lot_id, v_period, v_period, v_price, o.id)
    RETURNING * INTO v_permit;
    INSERT INTO parkdesk.permit_vehicle (permit_id, vehicle_id, lot_id, validity)
    SELECT v_permit.id, x, o.lot_id, v_period FROM unnest(v_vehicles) x;
    PERFORM parkdesk.post_line('renewal', v_price, p.id, v_permit.id,
        format('Renewal of %s: %s %s', o.number, t.name, v_permit.number));
    v_pay := parkdesk.take_payment(p_key, 'in', p.id, v_permit.id, v_price, p_tender,
        format('Renewal: %s %s, %s, %s to %s', t.name, v_permit.number, v_lot.name,
               to_char(d.valid_from, 'FMDD Mon YYYY'), to_char(d.valid_until - 1, 'FMDD Mon YYYY')));
    v_result := v_pay.id;
    PERFORM parkdesk.remember_request(p_key, 'renew_permit', v_request, v_result);
    RETURN v_result;
END
$$;

-- Cancels a permit from now on and refunds the unused part: back the way it was paid,
-- or pending a manager's approval above the threshold or in another tender.
CREATE OR REPLACE FUNCTION parkdesk.cancel_permit(
    p_key uuid, p_permit bigint, p_reason text, p_tender jsonb) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_request jsonb;
    c record;
    v_result bigint;
    o parkdesk.permit;
    v_today date := parkdesk.local_day(now());
    v_first date;
    v_last date;
    v_amount numeric;
    v_threshold numeric;
    v_original bigint;
    v_refund parkdesk.refund;
    v_pay parkdesk.payment;
    v_cut timestamptz;
    v_other_tender text;
    v_reason text;
BEGIN
    PERFORM parkdesk.bound_text('reason', p_reason, 500);
    PERFORM parkdesk.bound_json('tender', p_tender, 1000);
    v_request := jsonb_build_array(p_permit, btrim(p_reason), parkdesk.canonical_tender(p_tender));
    c := parkdesk.claim_request(p_key, 'cancel_permit', v_request);
    IF c.done THEN
        RETURN c.result;
    END IF;
    SELECT * INTO o FROM parkdesk.permit WHERE id = p_permit FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'This permit no longer exists.' USING ERRCODE = 'no_data_found';
    END IF;
    PERFORM parkdesk.lock_lot(o.lot_id);
    IF o.cancelled_at IS NOT NULL THEN
        PERFORM parkdesk.refuse('permit', format('Permit %s was already cancelled on %s.', o.number,
            to_char(parkdesk.local_day(o.cancelled_at), 'FMDD Mon YYYY')));
    END IF;
    IF upper(o.validity) <= now() THEN
        PERFORM parkdesk.refuse('permit', format('Permit %s has already ended.', o.number));
    END IF;
    IF length(btrim(coalesce(p_reason, ''))) < 3 THEN
        PERFORM parkdesk.refuse('reason', 'Say why the permit is cancelled.');
    END IF;
    v_first := parkdesk.local_day(lower(o.issued_validity));
    v_last := parkdesk.local_day(upper(o.issued_validity));
    IF v_today < v_first THEN
        v_amount := o.price;
    ELSE
        v_amount := round(o.price * greatest(v_last - (v_today + 1), 0)
                          / greatest(v_last - v_first, 1), 2);
    END IF;
    v_cut := greatest(now(), lower(o.validity));
    UPDATE parkdesk.permit
    SET validity = CASE WHEN lower(validity) >= v_cut THEN 'empty'::tstzrange
                        ELSE tstzrange(lower(validity), v_cut) END,
        cancelled_at = now(), cancel_reason = btrim(p_reason)
    WHERE id = o.id;
    UPDATE parkdesk.permit_vehicle
    SET validity = CASE WHEN lower(validity) >= v_cut THEN 'empty'::tstzrange
                        ELSE tstzrange(lower(validity), least(upper(validity), v_cut)) END
    WHERE permit_id = o.id AND upper(validity) > v_cut;
    PERFORM parkdesk.offer_spaces(o.lot_id);
    IF v_amount > 0 THEN
        SELECT s.refund_approval_threshold INTO v_threshold FROM parkdesk.office_setting s
        WHERE s.id = 1;
        -- A manager sets the threshold, so a manager's own refund is above any: it waits
        -- for another manager (threat 25), whatever the threshold was just set to.
        IF pg_has_role(session_user, 'parkdesk_manager', 'USAGE') THEN
            v_threshold := 0;
        END IF;
        SELECT pay.id INTO v_original FROM parkdesk.payment pay
        WHERE pay.permit_id = o.id AND pay.direction = 'in' ORDER BY pay.id DESC LIMIT 1;
        -- A refund goes back the way it was paid; another tender needs a manager, whatever
        -- the amount (a card sale refunded in cash is money out of the drawer).
        -- (Above the threshold the desk sends no tender yet: "none" is chosen at payout.)
        IF coalesce(p_tender ->> 'kind', 'none') <> 'none' THEN
            v_other_tender := parkdesk.tender_refusal(v_original, p_tender);
        END IF;
        v_reason := CASE WHEN v_other_tender IS NOT NULL THEN 'tender'
                         WHEN v_amount > v_threshold THEN 'amount' END;
        -- The other tender is kept with the refund for the manager to approve, before
        -- take_payment has read it: a reference with a card number's digits is refused
        -- here as there (threat 8).
        IF v_reason = 'tender'
           AND (regexp_replace(coalesce(p_tender ->> 'reference', ''), '[^0-9]', '', 'g')
                    ~ '[0-9]{12}'
                OR NOT parkdesk.card_number_free(parkdesk.tender_signature(p_tender))) THEN
            PERFORM parkdesk.refuse('reference',
                'That looks like a card number. Enter the account''s reference instead.');
        END IF;
        -- A refund that needs a manager waits for one other than whoever asked for it: a
        -- login that is a clerk and a manager too does not approve its own (threat 25).
        INSERT INTO parkdesk.refund (permit_id, parker_id, original_payment_id, amount, status, reason,
                                     approval_reason, requested_tender)
        VALUES (o.id, o.parker_id, v_original, v_amount,
                CASE WHEN v_reason IS NOT NULL THEN 'pending' ELSE 'approved' END,
                btrim(p_reason), v_reason,
                CASE WHEN v_reason = 'tender' THEN parkdesk.tender_signature(p_tender) END)
        RETURNING * INTO v_refund;
        IF v_refund.status <> 'pending' THEN
            PERFORM parkdesk.post_line('refund', -v_amount, o.parker_id, o.id,
                format('Refund for cancelled %s', o.number), p_refund => v_refund.id);
            v_pay := parkdesk.take_payment(p_key, 'out', o.parker_id, o.id, v_amount, p_tender,
                format('Refund for cancelled permit %s', o.number), v_refund.id);
            UPDATE parkdesk.refund SET status = 'paid', paid_payment_id = v_pay.id WHERE id = v_refund.id;
        END IF;
        v_result := v_refund.id;
    END IF;
    PERFORM parkdesk.remember_request(p_key, 'cancel_permit', v_request, v_result);
    RETURN v_result;
END
$$;

-- Temporary, visitor and event permits: a plate, a lot, a start and an end. Free ones
-- are limited per plate over a rolling window (office settings); beyond it only a
-- manager issues one.
CREATE OR REPLACE FUNCTION parkdesk.issue_temporary_permit(
    p_key uuid, p_kind text, p_jurisdiction text, p_plate text, p_lot bigint,
    p_from timestamptz, p_until timestamptz, p_price numeric, p_free_reason text,
    p_tender jsonb, p_parker bigint DEFAULT NULL, p_note text DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_request jsonb;
    c record;
    s parkdesk.office_setting;
    v_plate text;
    v_jurisdiction text;
    v_used numeric;
    v_asked numeric;
    v_result bigint;
    v_vehicle bigint;
    v_lot parkdesk.lot;
    v_period tstzrange;
    v_clash text;
    v_permit parkdesk.permit;
    v_pay parkdesk.payment;
    v_label text := CASE p_kind WHEN 'visitor' THEN 'Visitor permit'
                                WHEN 'event' THEN 'Event permit' ELSE 'Temporary permit' END;
BEGIN
    PERFORM parkdesk.bound_text('kind', p_kind, 20);
    PERFORM parkdesk.bound_text('jurisdiction', p_jurisdiction, 10);
    PERFORM parkdesk.bound_text('plate', p_plate, 20);
    PERFORM parkdesk.bound_text('free_reason', p_free_reason, 300);
    PERFORM parkdesk.bound_text('note', p_note, 500);
    PERFORM parkdesk.bound_json('tender', p_tender, 1000);
    PERFORM parkdesk.check_amount('price', p_price, 0, 10000, 'The price');
    v_request := jsonb_build_array(p_kind, p_jurisdiction, p_plate, p_lot, p_from, p_until,
                                   round(p_price, 2), btrim(p_free_reason),
                                   parkdesk.canonical_tender(p_tender), p_parker, btrim(p_note));
    c := parkdesk.claim_request(p_key, 'issue_temporary_permit', v_request);
    IF c.done THEN
        RETURN c.result;
    END IF;
    v_plate := upper(regexp_replace(coalesce(p_plate, ''), '[[:space:].-]', '', 'g'));
    v_jurisdiction := upper(btrim(coalesce(p_jurisdiction, '')));
    IF p_price = 0 AND p_from IS NOT NULL AND p_until > p_from
       AND NOT pg_has_role(session_user, 'parkdesk_manager', 'USAGE') THEN
        SELECT * INTO s FROM parkdesk.office_setting WHERE id = 1;
        -- One plate at a time, so two clerks cannot both give the last free days away: the
        -- vehicle's row (an advisory lock would be one any login could hold).
        PERFORM 1 FROM parkdesk.vehicle v WHERE v.plate_normalized = v_plate
        ORDER BY v.id FOR NO KEY UPDATE;
        -- Free days of the last window and any booked ahead: a chain of free permits adds
        -- up however it is cut.
        SELECT coalesce(sum(extract(epoch FROM upper(pv.validity) - greatest(lower(pv.validity),
                   least(p_from, now()) - make_interval(days => s.free_days_window))) / 86400), 0)
        INTO v_used
        FROM parkdesk.permit_vehicle pv
        JOIN parkdesk.permit p ON p.id = pv.permit_id
        JOIN parkdesk.vehicle v ON v.id = pv.vehicle_id
        -- The plate's whole history: a vehicle that carried it before a plate correction
        -- still counts (a correction is no way to start the count again).
        -- In any jurisdiction: a made-up region code is no new allowance.
        WHERE (v.plate_normalized = v_plate
               OR EXISTS (SELECT 1 FROM parkdesk.plate_correction pc WHERE pc.vehicle_id = v.id
                          AND (upper(regexp_replace(pc.old_plate_raw, '[[:space:].-]', '',
                                                    'g')) = v_plate
                               OR upper(regexp_replace(pc.new_plate_raw, '[[:space:].-]', '',
                                                       'g')) = v_plate)))
          AND p.kind <> 'term' AND p.price = 0 AND NOT isempty(pv.validity)
          AND upper(pv.validity) > least(p_from, now()) - make_interval(days => s.free_days_window);
        v_asked := extract(epoch FROM p_until - p_from) / 86400;
        IF v_used + v_asked > s.free_days_per_plate THEN
            PERFORM parkdesk.refuse('free_reason', format(
                '%s (%s) already has %s free day%s in the last %s days or booked ahead; the '
                'office allows %s. A manager can issue more.', v_plate, v_jurisdiction,
                trim(to_char(ceil(v_used), 'FM999990')),
                CASE WHEN ceil(v_used) = 1 THEN '' ELSE 's' END, s.free_days_window,
                s.free_days_per_plate));
        END IF;
    END IF;
    IF p_kind IS NULL OR p_kind NOT IN ('temporary', 'visitor', 'event') THEN
        PERFORM parkdesk.refuse('kind', 'Choose temporary, visitor or event.');
    END IF;
    IF v_jurisdiction !~ '^[A-Z]{2}(-[A-Z0-9]{1,3})?$' THEN
        PERFORM parkdesk.refuse('jurisdiction', 'Jurisdiction is a two-letter code such as ON or NY.');
    END IF;
    IF v_plate !~ '^[A-Z0-9]{1,10}$' THEN
        PERFORM parkdesk.refuse('plate',
            'A plate is 1 to 10 letters and digits (spaces, dashes and dots are ignored).');
    END IF;
    PERFORM parkdesk.lock_lot(p_lot);
    SELECT * INTO v_lot FROM parkdesk.lot WHERE id = p_lot;
    IF NOT FOUND THEN
        PERFORM parkdesk.refuse('lot', 'Choose the lot.');
    END IF;
    IF p_from IS NULL OR p_until IS NULL OR p_until <= p_from THEN
        PERFORM parkdesk.refuse('until', 'The end must come after the start.');
    END IF;
    IF p_until - p_from > interval '31 days' THEN
        PERFORM parkdesk.refuse('until', 'A temporary permit lasts at most 31 days.');
    END IF;
    IF p_until <= now() THEN
        PERFORM parkdesk.refuse('until', 'The permit would already have ended.');
    END IF;
    IF p_from < now() - interval '1 hour' THEN
        PERFORM parkdesk.refuse('from', 'A permit cannot start in the past.');
    END IF;
    IF p_price IS NULL OR p_price < 0 OR p_price > 10000 THEN
        PERFORM parkdesk.refuse('price', 'The price is an amount from 0 to 10000.');
    END IF;
    IF p_price = 0 AND length(btrim(coalesce(p_free_reason, ''))) < 3 THEN
        PERFORM parkdesk.refuse('free_reason', 'Say why the permit is issued free.');
    END IF;
    IF p_parker IS NOT NULL AND NOT EXISTS (SELECT 1 FROM parkdesk.parker WHERE id = p_parker) THEN
        RAISE EXCEPTION 'This parker no longer exists.' USING ERRCODE = 'no_data_found';
    END IF;
    -- The plate's vehicle, registered here if it is new. Another counter may be
    -- registering the same plate for another lot at this moment: its row is waited for
    -- and used, rather than refused as a duplicate.
    SELECT v.id INTO v_vehicle FROM parkdesk.vehicle v
    WHERE v.jurisdiction = v_jurisdiction AND v.plate_normalized = v_plate;
    IF v_vehicle IS NULL THEN
        INSERT INTO parkdesk.vehicle (parker_id, jurisdiction, plate_raw)
        VALUES (p_parker, v_jurisdiction, btrim(p_plate))
        ON CONFLICT (jurisdiction, plate_normalized) DO NOTHING
        RETURNING id INTO v_vehicle;
        IF v_vehicle IS NULL THEN
            SELECT v.id INTO v_vehicle FROM parkdesk.vehicle v
            WHERE v.jurisdiction = v_jurisdiction AND v.plate_normalized = v_plate;
        END IF;
    END IF;
    v_period := tstzrange(p_from, p_until);
    SELECT format('%s already has permit %s for %s until %s.', parkdesk.describe_plate(v_vehicle),
                  op.number, v_lot.name, parkdesk.describe_until(upper(pv.validity)))
    INTO v_clash
    FROM parkdesk.permit_vehicle pv JOIN parkdesk.permit op ON op.id = pv.permit_id
    WHERE pv.vehicle_id = v_vehicle AND pv.lot_id = p_lot AND pv.validity && v_period LIMIT 1;
    IF v_clash IS NOT NULL THEN
        PERFORM parkdesk.refuse('plate', v_clash);
    END IF;
    INSERT INTO parkdesk.permit (kind, parker_id, lot_id, issued_validity, validity, price,
                                 free_reason, note)
    VALUES (p_kind, p_parker, p_lot, v_period, v_period, p_price,
            CASE WHEN p_price = 0 THEN btrim(p_free_reason) END, nullif(btrim(p_note), ''))
    RETURNING * INTO v_permit;
    INSERT INTO parkdesk.permit_vehicle (permit_id, vehicle_id, lot_id, validity)
    VALUES (v_permit.id, v_vehicle, p_lot, v_period);
    PERFORM parkdesk.post_line('temporary', p_price, p_parker, v_permit.id,
        format('%s %s for %s, %s', v_label, v_permit.number,
               parkdesk.describe_plate(v_vehicle), v_lot.name));
    v_pay := parkdesk.take_payment(p_key, 'in', p_parker, v_permit.id, p_price, p_tender,
        format('%s %s for %s, %s, until %s%s', v_label, v_permit.number,
               parkdesk.describe_plate(v_vehicle), v_lot.name,
               parkdesk.describe_until(p_until),
               CASE WHEN p_price = 0 THEN ' (issued free: ' || btrim(p_free_reason) || ')'
                    ELSE '' END));
    v_result := v_pay.id;
    PERFORM parkdesk.remember_request(p_key, 'issue_temporary_permit', v_request, v_result);
    RETURN v_result;
END
$$;

-- Checked at commit, on the final state: a parker's affiliation cannot be changed while
-- they hold a permit the new affiliation may not have, whatever order the statements of
-- the transaction came in.
CREATE OR REPLACE FUNCTION parkdesk.check_holder_eligible() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p parkdesk.parker;
    v_permits text;
BEGIN
    SELECT * INTO p FROM parkdesk.parker WHERE id = NEW.id;
    SELECT string_agg(format('%s (%s, for %s)', pm.number, t.name,
                             array_to_string(t.affiliations, ', ')), '; ' ORDER BY pm.id)
    INTO v_permits
    FROM parkdesk.permit pm JOIN parkdesk.permit_type t ON t.id = pm.permit_type_id
    WHERE pm.parker_id = p.id AND pm.cancelled_at IS NULL AND upper(pm.validity) > now()
      AND NOT (p.affiliation = ANY (t.affiliations));
    IF v_permits IS NOT NULL THEN
        RAISE EXCEPTION '% % cannot become % while holding %. Cancel or let those permits end first.',
            p.first_name, p.last_name, p.affiliation, v_permits
            USING ERRCODE = 'PD002', DETAIL = 'affiliation';
    END IF;
    RETURN NULL;
END
$$;

-- The office's time zone is a named zone of the time-zone database (America/Toronto): the
-- clock every desk reads times on. PostgreSQL also takes POSIX rules such as UTC+5 (five
-- hours behind UTC, despite the sign) and offsets a desk cannot read a clock from; one
-- typed in psql by a manager would have stopped every desk showing a time.
CREATE OR REPLACE FUNCTION parkdesk.check_office_zone() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF octet_length(NEW.time_zone) > 64
       OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_timezone_names z WHERE z.name = NEW.time_zone)
    THEN
        RAISE EXCEPTION 'Choose a time zone by its name, such as America/Toronto or Europe/Paris.'
            USING ERRCODE = 'PD002', DETAIL = 'time_zone';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER office_setting_zone BEFORE INSERT OR UPDATE OF time_zone ON parkdesk.office_setting
    FOR EACH ROW EXECUTE FUNCTION parkdesk.check_office_zone();

CREATE TRIGGER permit_capacity BEFORE INSERT ON parkdesk.permit
    FOR EACH ROW EXECUTE FUNCTION parkdesk.enforce_lot_capacity();

CREATE CONSTRAINT TRIGGER parker_holder_eligible AFTER UPDATE OF affiliation ON parkdesk.parker DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (OLD.affiliation IS DISTINCT FROM NEW.affiliation) EXECUTE FUNCTION parkdesk.check_holder_eligible();
