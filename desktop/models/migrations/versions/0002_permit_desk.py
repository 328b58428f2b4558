"""Permit desk: permit types, permits, waitlists, payments, the ledger and the cash drawer.

Clerks write none of these tables directly. Every sale, renewal, refund, payment and
shift change is a ``SECURITY DEFINER`` function that checks eligibility, capacity,
tenders and idempotency in the transaction that writes the rows; ``psql`` with a
clerk's login meets the same rules as the desk. Payments and ledger entries are
append-only for every role, the owner included. The plate check is one function
every desk, and enforcement devices through ``parkdesk_officer``, may run.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GROUPS = ("clerk", "adjudicator", "dispatcher", "manager", "officer", "admin")
ALL_GROUPS = ", ".join(f"parkdesk_{g}" for g in GROUPS)
#: The desks that work with people and their permits (not the officer's field devices).
PEOPLE_DESKS = "parkdesk_clerk, parkdesk_adjudicator, parkdesk_dispatcher, parkdesk_manager"

FUNCTIONS_SQL = r"""
-- Installation settings: the one row a manager keeps. Times are shown and days end in its zone.
INSERT INTO parkdesk.office_setting (id, office_name, time_zone, currency, refund_approval_threshold)
VALUES (1, 'Parking Office', current_setting('TimeZone'), 'USD', 100.00);

-- Raised by ParkDesk's functions: PD001 lot full (DETAIL = lot id), PD002 a field is wrong
-- (DETAIL = field name), PD003 a cash drawer shift is needed, PD005 sold through a waitlist.

-- Midnight at the start of a local date, in the installation's time zone (SPEC rule 3).
CREATE FUNCTION parkdesk.local_midnight(p_day date) RETURNS timestamptz
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT p_day::timestamp AT TIME ZONE (SELECT s.time_zone FROM parkdesk.office_setting s
                                           WHERE s.id = 1)
$$;

CREATE FUNCTION parkdesk.local_day(p_at timestamptz) RETURNS date
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT (p_at AT TIME ZONE (SELECT s.time_zone FROM parkdesk.office_setting s
                               WHERE s.id = 1))::date
$$;

-- "31 May 2027" for a permit ending at local midnight, else "31 May 2027 17:00".
CREATE FUNCTION parkdesk.describe_until(p_until timestamptz) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE
        WHEN p_until IS NULL THEN 'further notice'
        WHEN p_until = parkdesk.local_midnight(parkdesk.local_day(p_until))
            THEN 'the end of ' || to_char(parkdesk.local_day(p_until) - 1, 'FMDD Mon YYYY')
        ELSE to_char(p_until AT TIME ZONE (SELECT s.time_zone FROM parkdesk.office_setting s
                                           WHERE s.id = 1), 'FMDD Mon YYYY HH24:MI')
    END
$$;

CREATE FUNCTION parkdesk.describe_plate(p_vehicle bigint) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN v.plate_status = 'readable' THEN v.plate_normalized || ' (' || v.jurisdiction || ')'
                ELSE 'vehicle ' || v.id || ' (no readable plate)' END
    FROM parkdesk.vehicle v WHERE v.id = p_vehicle
$$;

CREATE FUNCTION parkdesk.refuse(p_field text, p_message text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RAISE EXCEPTION '%', p_message USING ERRCODE = 'PD002', DETAIL = p_field;
END
$$;

-- The dates a permit of this type bought for a start date covers, and what the whole
-- period is (for proration): [from, until) as local dates, until exclusive.
CREATE FUNCTION parkdesk.permit_dates(
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

CREATE FUNCTION parkdesk.permit_price(p_type parkdesk.permit_type, p_start date) RETURNS numeric
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
CREATE FUNCTION parkdesk.quote_permit(
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
CREATE FUNCTION parkdesk.lot_availability(
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
CREATE FUNCTION parkdesk.lock_lot(p_lot bigint) RETURNS void
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    SELECT NULL::void FROM parkdesk.lot WHERE id = p_lot FOR NO KEY UPDATE
$$;

-- Capacity is held here, for every way a permit is created: the lot row is locked, so
-- twenty clerks selling the last three spaces queue, and exactly three succeed.
CREATE FUNCTION parkdesk.enforce_lot_capacity() RETURNS trigger
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
CREATE FUNCTION parkdesk.permit_refusal(
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

-- Checks a tender, records the payment and posts it to the ledger. Cash needs the
-- clerk's open shift, which stays locked (FOR SHARE) so it cannot close mid-payment.
CREATE FUNCTION parkdesk.take_payment(
    p_key uuid, p_direction text, p_parker bigint, p_permit bigint, p_amount numeric,
    p_tender jsonb, p_description text, p_refund bigint DEFAULT NULL)
RETURNS parkdesk.payment
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_tender jsonb := coalesce(p_tender, '{}'::jsonb);
    v_kind text := CASE WHEN p_amount = 0 THEN 'none' ELSE v_tender ->> 'kind' END;
    v_allowed text[];
    v_extra text;
    v_shift bigint;
    v_tendered numeric;
    v_pay parkdesk.payment;
    v_currency text;
BEGIN
    IF p_amount IS NULL OR p_amount < 0 THEN
        PERFORM parkdesk.refuse('amount', 'The amount must be zero or more.');
    END IF;
    IF jsonb_typeof(v_tender) <> 'object' THEN
        PERFORM parkdesk.refuse('tender', 'Choose how the money is paid.');
    END IF;
    v_allowed := CASE v_kind
        WHEN 'cash' THEN ARRAY['kind', 'tendered']
        WHEN 'card' THEN ARRAY['kind', 'brand', 'last4', 'reference']
        WHEN 'cheque' THEN ARRAY['kind', 'number']
        WHEN 'account' THEN ARRAY['kind', 'account', 'reference']
        WHEN 'none' THEN ARRAY['kind', 'tendered', 'brand', 'last4', 'reference', 'number',
                               'account']
    END;
    IF v_allowed IS NULL THEN
        PERFORM parkdesk.refuse('tender',
            'Choose how the money is paid: cash, card, cheque or charge to account.');
    END IF;
    -- Nothing else may ride along: a full card number or CVV has nowhere to go.
    SELECT string_agg(k, ', ') INTO v_extra FROM jsonb_object_keys(v_tender) k
    WHERE k <> ALL (v_allowed);
    IF v_extra IS NOT NULL THEN
        PERFORM parkdesk.refuse('tender', format('A %s payment does not take: %s.', v_kind, v_extra));
    END IF;
    SELECT s.currency INTO v_currency FROM parkdesk.office_setting s WHERE s.id = 1;
    SELECT c.id INTO v_shift FROM parkdesk.cash_shift c
    WHERE c.clerk = session_user AND c.closed_at IS NULL FOR SHARE;
    IF v_kind = 'cash' THEN
        IF v_shift IS NULL THEN
            RAISE EXCEPTION 'Open a cash drawer shift (with its counted float) before taking or paying out cash.'
                USING ERRCODE = 'PD003';
        END IF;
        IF p_direction = 'in' THEN
            IF coalesce(v_tender ->> 'tendered', '') !~ '^[0-9]{1,7}(\.[0-9]{1,2})?$' THEN
                PERFORM parkdesk.refuse('tendered', 'Enter the cash handed over, such as 40 or 40.00.');
            END IF;
            v_tendered := (v_tender ->> 'tendered')::numeric;
            IF v_tendered < p_amount THEN
                PERFORM parkdesk.refuse('tendered', format(
                    'Cash tendered (%s %s) is short of the %s %s due.',
                    v_currency, to_char(v_tendered, 'FM9999990.00'),
                    v_currency, to_char(p_amount, 'FM9999990.00')));
            END IF;
        END IF;
    ELSIF v_kind = 'card' THEN
        IF coalesce(v_tender ->> 'last4', '') !~ '^[0-9]{4}$' THEN
            PERFORM parkdesk.refuse('last4', 'Enter the last 4 digits of the card, nothing more.');
        END IF;
        IF btrim(coalesce(v_tender ->> 'brand', '')) !~ '^[A-Za-z][A-Za-z &.-]{0,19}$' THEN
            PERFORM parkdesk.refuse('brand', 'Choose the card brand.');
        END IF;
        IF length(btrim(coalesce(v_tender ->> 'reference', ''))) NOT BETWEEN 4 AND 64 THEN
            PERFORM parkdesk.refuse('reference', 'Enter the card terminal''s approval reference.');
        END IF;
        IF regexp_replace(v_tender ->> 'reference', '[[:space:].-]', '', 'g') ~ '[0-9]{12}' THEN
            PERFORM parkdesk.refuse('reference',
                'That looks like a card number. Enter the terminal''s approval reference instead.');
        END IF;
    ELSIF v_kind = 'cheque' THEN
        IF coalesce(v_tender ->> 'number', '') !~ '^[0-9]{1,10}$' THEN
            PERFORM parkdesk.refuse('number', 'Enter the cheque number (digits only).');
        END IF;
    ELSIF v_kind = 'account' THEN
        IF coalesce(v_tender ->> 'account', '') NOT IN ('payroll', 'student') THEN
            PERFORM parkdesk.refuse('account', 'Choose payroll or student account.');
        END IF;
        IF upper(coalesce(v_tender ->> 'reference', '')) !~ '^[A-Z0-9-]{3,20}$'
           OR replace(v_tender ->> 'reference', '-', '') ~ '[0-9]{12}' THEN
            PERFORM parkdesk.refuse('reference',
                'Enter the employee or student number the charge goes to.');
        END IF;
    END IF;
    INSERT INTO parkdesk.payment AS pay (
        idempotency_key, received_at, received_by, direction, parker_id, permit_id, shift_id,
        description, tender, amount, cash_tendered, change_given, card_brand, card_last4,
        processor_ref, cheque_number, account_kind, account_ref)
    VALUES (
        p_key, now(), session_user, p_direction, p_parker, p_permit, v_shift,
        left(p_description, 200), v_kind, p_amount,
        CASE WHEN v_kind = 'cash' AND p_direction = 'in' THEN v_tendered END,
        CASE WHEN v_kind = 'cash' AND p_direction = 'in' THEN v_tendered - p_amount END,
        CASE WHEN v_kind = 'card' THEN btrim(v_tender ->> 'brand') END,
        CASE WHEN v_kind = 'card' THEN v_tender ->> 'last4' END,
        CASE WHEN v_kind = 'card' THEN btrim(v_tender ->> 'reference') END,
        CASE WHEN v_kind = 'cheque' THEN v_tender ->> 'number' END,
        CASE WHEN v_kind = 'account' THEN v_tender ->> 'account' END,
        CASE WHEN v_kind = 'account' THEN upper(v_tender ->> 'reference') END)
    RETURNING * INTO v_pay;
    IF p_amount > 0 THEN
        INSERT INTO parkdesk.ledger_entry (posted_at, posted_by, kind, amount, parker_id, permit_id,
                                           payment_id, refund_id, memo)
        VALUES (now(), session_user, CASE p_direction WHEN 'in' THEN 'payment' ELSE 'payout' END,
                CASE p_direction WHEN 'in' THEN -p_amount ELSE p_amount END, p_parker, p_permit,
                v_pay.id, p_refund,
                left(format('%s %s %s', CASE p_direction WHEN 'in' THEN 'Payment' ELSE 'Refund paid' END,
                            v_pay.receipt_number, v_kind), 200));
    END IF;
    RETURN v_pay;
END
$$;

-- A retried payment (double-click, dropped connection) finds the first one and stops.
CREATE FUNCTION parkdesk.payment_for_key(p_key uuid) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_id bigint;
BEGIN
    IF p_key IS NULL THEN
        PERFORM parkdesk.refuse('key', 'A payment needs its idempotency key.');
    END IF;
    PERFORM pg_advisory_xact_lock(hashtextextended(p_key::text, 2026));
    SELECT p.id INTO v_id FROM parkdesk.payment p WHERE p.idempotency_key = p_key;
    RETURN v_id;
END
$$;

-- Offers free spaces in a lot to the next parkers waiting for it, oldest first.
CREATE FUNCTION parkdesk.offer_spaces(p_lot bigint) RETURNS int
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
CREATE FUNCTION parkdesk.refresh_waitlists() RETURNS int
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

CREATE FUNCTION parkdesk.offer_spaces_on_capacity() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NEW.capacity > OLD.capacity THEN
        PERFORM parkdesk.offer_spaces(NEW.id);
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION parkdesk.sell_permit(
    p_key uuid, p_parker bigint, p_type bigint, p_lot bigint, p_vehicles bigint[],
    p_start date, p_tender jsonb, p_offer bigint DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_existing bigint := parkdesk.payment_for_key(p_key);
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
    IF v_existing IS NOT NULL THEN
        RETURN v_existing;
    END IF;
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
    INSERT INTO parkdesk.ledger_entry (posted_at, posted_by, kind, amount, parker_id, permit_id,
                                       memo)
    VALUES (now(), session_user, 'sale', v_price, p_parker, v_permit.id,
            left(format('%s %s, %s', t.name, v_permit.number, v_lot.name), 200));
    v_pay := parkdesk.take_payment(p_key, 'in', p_parker, v_permit.id, v_price, p_tender,
        format('%s %s, %s, %s to %s', t.name, v_permit.number, v_lot.name,
               to_char(d.valid_from, 'FMDD Mon YYYY'), to_char(d.valid_until - 1, 'FMDD Mon YYYY')));
    RETURN v_pay.id;
END
$$;

CREATE FUNCTION parkdesk.renew_permit(p_key uuid, p_permit bigint, p_tender jsonb)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_existing bigint := parkdesk.payment_for_key(p_key);
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
    IF v_existing IS NOT NULL THEN
        RETURN v_existing;
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
    INSERT INTO parkdesk.ledger_entry (posted_at, posted_by, kind, amount, parker_id, permit_id,
                                       memo)
    VALUES (now(), session_user, 'renewal', v_price, p.id, v_permit.id,
            left(format('Renewal of %s: %s %s', o.number, t.name, v_permit.number), 200));
    v_pay := parkdesk.take_payment(p_key, 'in', p.id, v_permit.id, v_price, p_tender,
        format('Renewal: %s %s, %s, %s to %s', t.name, v_permit.number, v_lot.name,
               to_char(d.valid_from, 'FMDD Mon YYYY'), to_char(d.valid_until - 1, 'FMDD Mon YYYY')));
    RETURN v_pay.id;
END
$$;

-- Moves a permit from one of the parker's vehicles to another, from now on.
CREATE FUNCTION parkdesk.transfer_permit(p_permit bigint, p_from bigint, p_to bigint)
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

-- Cancels from now on. The unused part is refunded by the day (the current day counts as
-- used); above the office's threshold a manager approves the refund before it is paid.
CREATE FUNCTION parkdesk.cancel_permit(
    p_key uuid, p_permit bigint, p_reason text, p_tender jsonb) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    o parkdesk.permit;
    v_paid bigint := parkdesk.payment_for_key(p_key);
    v_today date := parkdesk.local_day(now());
    v_first date;
    v_last date;
    v_amount numeric;
    v_threshold numeric;
    v_original bigint;
    v_refund parkdesk.refund;
    v_pay parkdesk.payment;
    v_cut timestamptz;
BEGIN
    IF v_paid IS NOT NULL THEN
        RETURN (SELECT r.id FROM parkdesk.refund r WHERE r.paid_payment_id = v_paid);
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
    IF v_amount <= 0 THEN
        RETURN NULL;
    END IF;
    SELECT s.refund_approval_threshold INTO v_threshold FROM parkdesk.office_setting s
    WHERE s.id = 1;
    SELECT pay.id INTO v_original FROM parkdesk.payment pay
    WHERE pay.permit_id = o.id AND pay.direction = 'in' ORDER BY pay.id DESC LIMIT 1;
    INSERT INTO parkdesk.refund (permit_id, parker_id, original_payment_id, amount, status, reason)
    VALUES (o.id, o.parker_id, v_original, v_amount,
            CASE WHEN v_amount > v_threshold
                      AND NOT pg_has_role(session_user, 'parkdesk_manager', 'USAGE')
                 THEN 'pending' ELSE 'approved' END,
            btrim(p_reason))
    RETURNING * INTO v_refund;
    IF v_refund.status = 'pending' THEN
        RETURN v_refund.id;
    END IF;
    INSERT INTO parkdesk.ledger_entry (posted_at, posted_by, kind, amount, parker_id, permit_id,
                                       refund_id, memo)
    VALUES (now(), session_user, 'refund', -v_amount, o.parker_id, o.id, v_refund.id,
            left(format('Refund for cancelled %s', o.number), 200));
    v_pay := parkdesk.take_payment(p_key, 'out', o.parker_id, o.id, v_amount, p_tender,
        format('Refund for cancelled permit %s', o.number), v_refund.id);
    UPDATE parkdesk.refund SET status = 'paid', paid_payment_id = v_pay.id WHERE id = v_refund.id;
    RETURN v_refund.id;
END
$$;

CREATE FUNCTION parkdesk.decide_refund(p_refund bigint, p_approve boolean, p_note text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r parkdesk.refund;
    v_number text;
BEGIN
    SELECT * INTO r FROM parkdesk.refund WHERE id = p_refund FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'This refund no longer exists.' USING ERRCODE = 'no_data_found';
    END IF;
    IF r.status <> 'pending' THEN
        PERFORM parkdesk.refuse('refund', format('This refund was already %s.', r.status));
    END IF;
    IF NOT p_approve AND length(btrim(coalesce(p_note, ''))) < 3 THEN
        PERFORM parkdesk.refuse('note', 'Say why the refund is refused.');
    END IF;
    UPDATE parkdesk.refund SET status = CASE WHEN p_approve THEN 'approved' ELSE 'rejected' END,
        decided_by = session_user, decided_at = now(), decision_note = nullif(btrim(p_note), '')
    WHERE id = r.id;
    IF p_approve THEN
        SELECT number INTO v_number FROM parkdesk.permit WHERE id = r.permit_id;
        INSERT INTO parkdesk.ledger_entry (posted_at, posted_by, kind, amount, parker_id,
                                           permit_id, refund_id, memo)
        VALUES (now(), session_user, 'refund', -r.amount, r.parker_id, r.permit_id, r.id,
                left(format('Refund for cancelled %s (approved)', v_number), 200));
    END IF;
END
$$;

CREATE FUNCTION parkdesk.pay_refund(p_key uuid, p_refund bigint, p_tender jsonb) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_existing bigint := parkdesk.payment_for_key(p_key);
    r parkdesk.refund;
    v_pay parkdesk.payment;
    v_number text;
BEGIN
    IF v_existing IS NOT NULL THEN
        RETURN v_existing;
    END IF;
    SELECT * INTO r FROM parkdesk.refund WHERE id = p_refund FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'This refund no longer exists.' USING ERRCODE = 'no_data_found';
    END IF;
    IF r.status = 'pending' THEN
        PERFORM parkdesk.refuse('refund', 'A manager has not approved this refund yet.');
    ELSIF r.status <> 'approved' THEN
        PERFORM parkdesk.refuse('refund', format('This refund is %s.', r.status));
    END IF;
    SELECT number INTO v_number FROM parkdesk.permit WHERE id = r.permit_id;
    v_pay := parkdesk.take_payment(p_key, 'out', r.parker_id, r.permit_id, r.amount, p_tender,
        format('Refund for cancelled permit %s', v_number), r.id);
    UPDATE parkdesk.refund SET status = 'paid', paid_payment_id = v_pay.id WHERE id = r.id;
    RETURN v_pay.id;
END
$$;

-- Temporary, visitor and event permits: a plate, a lot, a start and an end.
CREATE FUNCTION parkdesk.issue_temporary_permit(
    p_key uuid, p_kind text, p_jurisdiction text, p_plate text, p_lot bigint,
    p_from timestamptz, p_until timestamptz, p_price numeric, p_free_reason text,
    p_tender jsonb, p_parker bigint DEFAULT NULL, p_note text DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_existing bigint := parkdesk.payment_for_key(p_key);
    v_plate text := upper(regexp_replace(coalesce(p_plate, ''), '[[:space:].-]', '', 'g'));
    v_jurisdiction text := upper(btrim(coalesce(p_jurisdiction, '')));
    v_vehicle bigint;
    v_lot parkdesk.lot;
    v_period tstzrange;
    v_clash text;
    v_permit parkdesk.permit;
    v_pay parkdesk.payment;
    v_label text := CASE p_kind WHEN 'visitor' THEN 'Visitor permit'
                                WHEN 'event' THEN 'Event permit' ELSE 'Temporary permit' END;
BEGIN
    IF v_existing IS NOT NULL THEN
        RETURN v_existing;
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
    SELECT v.id INTO v_vehicle FROM parkdesk.vehicle v
    WHERE v.jurisdiction = v_jurisdiction AND v.plate_normalized = v_plate;
    IF v_vehicle IS NULL THEN
        INSERT INTO parkdesk.vehicle (parker_id, jurisdiction, plate_raw)
        VALUES (p_parker, v_jurisdiction, btrim(p_plate)) RETURNING id INTO v_vehicle;
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
    INSERT INTO parkdesk.ledger_entry (posted_at, posted_by, kind, amount, parker_id, permit_id,
                                       memo)
    VALUES (now(), session_user, 'temporary', p_price, p_parker, v_permit.id,
            left(format('%s %s for %s, %s', v_label, v_permit.number,
                        parkdesk.describe_plate(v_vehicle), v_lot.name), 200));
    v_pay := parkdesk.take_payment(p_key, 'in', p_parker, v_permit.id, p_price, p_tender,
        format('%s %s for %s, %s, until %s%s', v_label, v_permit.number,
               parkdesk.describe_plate(v_vehicle), v_lot.name,
               parkdesk.describe_until(p_until),
               CASE WHEN p_price = 0 THEN ' (issued free: ' || btrim(p_free_reason) || ')'
                    ELSE '' END));
    RETURN v_pay.id;
END
$$;

CREATE FUNCTION parkdesk.charge_fee(
    p_key uuid, p_parker bigint, p_amount numeric, p_memo text, p_tender jsonb) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_existing bigint := parkdesk.payment_for_key(p_key);
    v_pay parkdesk.payment;
BEGIN
    IF v_existing IS NOT NULL THEN
        RETURN v_existing;
    END IF;
    IF p_amount IS NULL OR p_amount <= 0 OR p_amount > 10000 THEN
        PERFORM parkdesk.refuse('amount', 'A fee is an amount above 0 and at most 10000.');
    END IF;
    IF length(btrim(coalesce(p_memo, ''))) NOT BETWEEN 3 AND 200 THEN
        PERFORM parkdesk.refuse('memo', 'Say what the fee is for.');
    END IF;
    IF NOT EXISTS (SELECT 1 FROM parkdesk.parker WHERE id = p_parker) THEN
        RAISE EXCEPTION 'This parker no longer exists.' USING ERRCODE = 'no_data_found';
    END IF;
    INSERT INTO parkdesk.ledger_entry (posted_at, posted_by, kind, amount, parker_id, memo)
    VALUES (now(), session_user, 'fee', p_amount, p_parker, btrim(p_memo));
    v_pay := parkdesk.take_payment(p_key, 'in', p_parker, NULL, p_amount, p_tender, btrim(p_memo));
    RETURN v_pay.id;
END
$$;

CREATE FUNCTION parkdesk.post_adjustment(p_parker bigint, p_amount numeric, p_memo text)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_id bigint;
BEGIN
    IF p_amount IS NULL OR p_amount = 0 OR abs(p_amount) > 10000 THEN
        PERFORM parkdesk.refuse('amount', 'An adjustment is a non-zero amount of at most 10000.');
    END IF;
    IF length(btrim(coalesce(p_memo, ''))) NOT BETWEEN 3 AND 200 THEN
        PERFORM parkdesk.refuse('memo', 'Say why the account is adjusted.');
    END IF;
    IF NOT EXISTS (SELECT 1 FROM parkdesk.parker WHERE id = p_parker) THEN
        RAISE EXCEPTION 'This parker no longer exists.' USING ERRCODE = 'no_data_found';
    END IF;
    INSERT INTO parkdesk.ledger_entry (posted_at, posted_by, kind, amount, parker_id, memo)
    VALUES (now(), session_user, 'adjustment', p_amount, p_parker, btrim(p_memo))
    RETURNING id INTO v_id;
    RETURN v_id;
END
$$;

CREATE FUNCTION parkdesk.join_waitlist(p_type bigint, p_lot bigint, p_parker bigint)
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
CREATE FUNCTION parkdesk.leave_waitlist(p_entry bigint, p_decline boolean DEFAULT false)
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

CREATE FUNCTION parkdesk.open_shift(p_float numeric) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_id bigint;
    v_open parkdesk.cash_shift;
BEGIN
    IF p_float IS NULL OR p_float < 0 OR p_float > 10000 OR scale(p_float) > 2 THEN
        PERFORM parkdesk.refuse('float', 'The float is the counted cash, from 0 to 10000.00.');
    END IF;
    SELECT * INTO v_open FROM parkdesk.cash_shift c
    WHERE c.clerk = session_user AND c.closed_at IS NULL;
    IF FOUND THEN
        PERFORM parkdesk.refuse('float', format('Your shift %s, opened %s, is still open.',
            v_open.id, to_char(v_open.opened_at AT TIME ZONE (SELECT s.time_zone
                FROM parkdesk.office_setting s WHERE s.id = 1), 'FMDD Mon YYYY HH24:MI')));
    END IF;
    INSERT INTO parkdesk.cash_shift (clerk, opened_at, opening_float)
    VALUES (session_user, now(), p_float) RETURNING id INTO v_id;
    RETURN v_id;
END
$$;

-- The blind count: the clerk counts by denomination before seeing what is expected.
CREATE FUNCTION parkdesk.close_shift(p_shift bigint, p_counts jsonb) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c parkdesk.cash_shift;
    v_key text;
    v_value jsonb;
    v_counted numeric := 0;
    v_expected numeric;
BEGIN
    SELECT * INTO c FROM parkdesk.cash_shift WHERE id = p_shift FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'There is no shift %.', p_shift USING ERRCODE = 'no_data_found';
    END IF;
    IF c.clerk <> session_user THEN
        RAISE EXCEPTION 'Shift % belongs to %; only they can close it.', c.id, c.clerk
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF c.closed_at IS NOT NULL THEN
        PERFORM parkdesk.refuse('shift', format('Shift %s was already closed at %s.', c.id,
            to_char(c.closed_at AT TIME ZONE (SELECT s.time_zone FROM parkdesk.office_setting s
                                               WHERE s.id = 1), 'FMDD Mon YYYY HH24:MI')));
    END IF;
    IF p_counts IS NULL OR jsonb_typeof(p_counts) <> 'object' THEN
        PERFORM parkdesk.refuse('counts', 'Count the drawer by denomination.');
    END IF;
    FOR v_key, v_value IN SELECT * FROM jsonb_each(p_counts) LOOP
        IF v_key !~ '^[0-9]{1,4}(\.[0-9]{1,2})?$' OR v_key::numeric <= 0 THEN
            PERFORM parkdesk.refuse('counts', format('%s is not a denomination.', v_key));
        END IF;
        IF jsonb_typeof(v_value) <> 'number' OR v_value::text !~ '^[0-9]{1,6}$' THEN
            PERFORM parkdesk.refuse('counts', format('The count of %s must be a whole number.', v_key));
        END IF;
        v_counted := v_counted + v_key::numeric * v_value::text::int;
    END LOOP;
    SELECT c.opening_float
           + coalesce(sum(p.amount) FILTER (WHERE p.direction = 'in'), 0)
           - coalesce(sum(p.amount) FILTER (WHERE p.direction = 'out'), 0)
    INTO v_expected
    FROM parkdesk.payment p WHERE p.shift_id = c.id AND p.tender = 'cash';
    UPDATE parkdesk.cash_shift
    SET closed_at = now(), count_detail = p_counts, counted = v_counted, expected = v_expected,
        variance = v_counted - v_expected
    WHERE id = c.id;
END
$$;

CREATE FUNCTION parkdesk.sign_off_shift(p_shift bigint, p_note text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    c parkdesk.cash_shift;
BEGIN
    SELECT * INTO c FROM parkdesk.cash_shift WHERE id = p_shift FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'There is no shift %.', p_shift USING ERRCODE = 'no_data_found';
    END IF;
    IF c.closed_at IS NULL THEN
        PERFORM parkdesk.refuse('shift', format('Shift %s is still open.', c.id));
    END IF;
    IF c.variance = 0 THEN
        PERFORM parkdesk.refuse('shift', format('Shift %s balanced; no sign-off is needed.', c.id));
    END IF;
    IF c.signed_off_at IS NOT NULL THEN
        PERFORM parkdesk.refuse('shift', format('Shift %s was already signed off by %s.', c.id,
                                c.signed_off_by));
    END IF;
    IF c.clerk = session_user THEN
        RAISE EXCEPTION 'A manager other than the clerk signs off a variance.'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF length(btrim(coalesce(p_note, ''))) < 3 THEN
        PERFORM parkdesk.refuse('note', 'Say what explains the variance.');
    END IF;
    UPDATE parkdesk.cash_shift SET signed_off_by = session_user, signed_off_at = now(),
        sign_off_note = btrim(p_note)
    WHERE id = c.id;
END
$$;

-- The plate check (SPEC "Plate check"): one verdict for a plate at a place and time, for
-- every desk and for enforcement devices. It reads permits and vehicles as the owner and
-- returns no personal details, so the officer role may run it without reading parkers.
CREATE FUNCTION parkdesk.check_plate(
    p_jurisdiction text, p_plate text, p_lot text DEFAULT NULL, p_at timestamptz DEFAULT NULL)
RETURNS TABLE (verdict text, jurisdiction text, plate text, permit_number text,
               permit_kind text, permit_type text, lot_code text, lot_name text,
               valid_from timestamptz, valid_until timestamptz, reason text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_at timestamptz := coalesce(p_at, now());
    v_plate text := upper(regexp_replace(coalesce(p_plate, ''), '[[:space:].-]', '', 'g'));
    v_jurisdiction text := upper(btrim(coalesce(p_jurisdiction, '')));
    v_lot parkdesk.lot;
    v_vehicle bigint;
    r record;
BEGIN
    IF v_plate !~ '^[A-Z0-9]{1,10}$' THEN
        PERFORM parkdesk.refuse('plate',
            'A plate is 1 to 10 letters and digits (spaces, dashes and dots are ignored).');
    END IF;
    IF v_jurisdiction !~ '^[A-Z]{2}(-[A-Z0-9]{1,3})?$' THEN
        PERFORM parkdesk.refuse('jurisdiction', 'Jurisdiction is a two-letter code such as ON or NY.');
    END IF;
    IF nullif(btrim(p_lot), '') IS NOT NULL THEN
        SELECT * INTO v_lot FROM parkdesk.lot l WHERE l.code = upper(btrim(p_lot));
        IF NOT FOUND THEN
            PERFORM parkdesk.refuse('lot', format('There is no lot %s.', upper(btrim(p_lot))));
        END IF;
    END IF;
    jurisdiction := v_jurisdiction;
    plate := v_plate;
    SELECT v.id INTO v_vehicle FROM parkdesk.vehicle v
    WHERE v.jurisdiction = v_jurisdiction AND v.plate_normalized = v_plate;
    IF v_vehicle IS NULL THEN
        verdict := 'no_permit';
        reason := format('No permit: %s (%s) is not registered and has no temporary permit.',
                         v_plate, v_jurisdiction);
        RETURN NEXT;
        RETURN;
    END IF;
    -- Valid now: in this lot first, term permits before temporary ones.
    SELECT p.number, p.kind, t.name AS type_name, l.code, l.name AS lname, pv.validity
    INTO r
    FROM parkdesk.permit_vehicle pv
    JOIN parkdesk.permit p ON p.id = pv.permit_id
    JOIN parkdesk.lot l ON l.id = pv.lot_id
    LEFT JOIN parkdesk.permit_type t ON t.id = p.permit_type_id
    WHERE pv.vehicle_id = v_vehicle AND pv.validity @> v_at
    ORDER BY (pv.lot_id = v_lot.id) DESC NULLS LAST, (p.kind = 'term') DESC, upper(pv.validity) DESC
    LIMIT 1;
    IF FOUND THEN
        permit_number := r.number;
        permit_kind := r.kind;
        permit_type := coalesce(r.type_name, initcap(r.kind) || ' permit');
        lot_code := r.code;
        lot_name := r.lname;
        valid_from := lower(r.validity);
        valid_until := upper(r.validity);
        IF v_lot.id IS NOT NULL AND r.code <> v_lot.code THEN
            verdict := 'wrong_lot';
            reason := format('Wrong lot: permit %s (%s) is for %s, not %s.', r.number,
                             permit_type, r.lname, v_lot.name);
        ELSIF r.kind = 'term' THEN
            verdict := 'valid';
            reason := format('Valid: permit %s (%s) for %s until %s.', r.number, permit_type,
                             r.lname, parkdesk.describe_until(upper(r.validity)));
        ELSE
            verdict := 'temporary';
            reason := format('Valid temporary permit: %s (%s) for %s until %s.', r.number,
                             permit_type, r.lname, parkdesk.describe_until(upper(r.validity)));
        END IF;
        RETURN NEXT;
        RETURN;
    END IF;
    -- Nothing valid: the most recent that ended, in this lot if one is given.
    SELECT p.number, p.kind, t.name AS type_name, l.code, l.name AS lname, pv.validity,
           p.cancelled_at, upper(pv.validity) < upper(p.validity) AS transferred
    INTO r
    FROM parkdesk.permit_vehicle pv
    JOIN parkdesk.permit p ON p.id = pv.permit_id
    JOIN parkdesk.lot l ON l.id = pv.lot_id
    LEFT JOIN parkdesk.permit_type t ON t.id = p.permit_type_id
    WHERE pv.vehicle_id = v_vehicle AND NOT isempty(pv.validity) AND upper(pv.validity) <= v_at
      AND (v_lot.id IS NULL OR pv.lot_id = v_lot.id)
    ORDER BY upper(pv.validity) DESC
    LIMIT 1;
    IF FOUND THEN
        verdict := 'expired';
        permit_number := r.number;
        permit_kind := r.kind;
        permit_type := coalesce(r.type_name, initcap(r.kind) || ' permit');
        lot_code := r.code;
        lot_name := r.lname;
        valid_from := lower(r.validity);
        valid_until := upper(r.validity);
        reason := format('%s: permit %s (%s) for %s %s.',
            CASE WHEN r.cancelled_at IS NOT NULL THEN 'Cancelled'
                 WHEN r.transferred THEN 'Transferred' ELSE 'Expired' END,
            r.number, permit_type, r.lname,
            CASE WHEN r.cancelled_at IS NOT NULL OR r.transferred
                 THEN 'ended ' || to_char(upper(r.validity) AT TIME ZONE (SELECT s.time_zone
                     FROM parkdesk.office_setting s WHERE s.id = 1), 'FMDD Mon YYYY HH24:MI')
                 ELSE 'ended at ' || parkdesk.describe_until(upper(r.validity)) END);
        RETURN NEXT;
        RETURN;
    END IF;
    verdict := 'no_permit';
    reason := format('No permit: %s (%s) has no permit%s.', v_plate, v_jurisdiction,
                     CASE WHEN v_lot.id IS NULL THEN '' ELSE ' for ' || v_lot.name END);
    RETURN NEXT;
END
$$;

-- Plates an officer may have misread (SPEC rule 2): look-alikes in the same jurisdiction,
-- and the same plate registered elsewhere. Offered to the person, never substituted.
CREATE FUNCTION parkdesk.plate_near_matches(p_jurisdiction text, p_plate text)
RETURNS TABLE (jurisdiction text, plate text, differences int)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    WITH q AS (
        SELECT upper(btrim(coalesce(p_jurisdiction, ''))) AS j,
               upper(regexp_replace(coalesce(p_plate, ''), '[[:space:].-]', '', 'g')) AS p
    )
    SELECT v.jurisdiction, v.plate_normalized,
           parkdesk.plate_differences(v.plate_normalized, q.p)
    FROM parkdesk.vehicle v, q
    WHERE v.plate_skeleton = translate(q.p, 'OQDILZSBG', '000112586')
      AND v.plate_normalized IS NOT NULL
      AND NOT (v.jurisdiction = q.j AND v.plate_normalized = q.p)
      AND (v.jurisdiction = q.j AND parkdesk.plate_differences(v.plate_normalized, q.p) <= 2
           OR v.plate_normalized = q.p)
    ORDER BY 3, 1, 2
    LIMIT 10
$$;

CREATE FUNCTION parkdesk.forbid_money_rewrite() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RAISE EXCEPTION '% rows are never changed or removed (% refused); post a new entry instead',
        TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
"""

SECURITY_SQL = rf"""
CREATE TRIGGER permit_capacity BEFORE INSERT ON parkdesk.permit
    FOR EACH ROW EXECUTE FUNCTION parkdesk.enforce_lot_capacity();
CREATE TRIGGER lot_capacity_raised AFTER UPDATE OF capacity ON parkdesk.lot
    FOR EACH ROW EXECUTE FUNCTION parkdesk.offer_spaces_on_capacity();
CREATE TRIGGER payment_append_only BEFORE UPDATE OR DELETE ON parkdesk.payment
    FOR EACH ROW EXECUTE FUNCTION parkdesk.forbid_money_rewrite();
CREATE TRIGGER payment_no_truncate BEFORE TRUNCATE ON parkdesk.payment
    FOR EACH STATEMENT EXECUTE FUNCTION parkdesk.forbid_money_rewrite();
CREATE TRIGGER ledger_entry_append_only BEFORE UPDATE OR DELETE ON parkdesk.ledger_entry
    FOR EACH ROW EXECUTE FUNCTION parkdesk.forbid_money_rewrite();
CREATE TRIGGER ledger_entry_no_truncate BEFORE TRUNCATE ON parkdesk.ledger_entry
    FOR EACH STATEMENT EXECUTE FUNCTION parkdesk.forbid_money_rewrite();
-- Not even the owner's own functions may rewrite money. Foreign-key checks lock rows
-- FOR KEY SHARE, which needs UPDATE on one column: the owner keeps it on the key,
-- and the trigger above refuses every UPDATE anyway.
REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON parkdesk.payment, parkdesk.ledger_entry
    FROM parkdesk_owner;
GRANT UPDATE (id) ON parkdesk.payment, parkdesk.ledger_entry TO parkdesk_owner;

ALTER TABLE parkdesk.cash_shift ENABLE ROW LEVEL SECURITY;
-- A clerk sees their own drawer; managers see every drawer.
CREATE POLICY cash_shift_visible ON parkdesk.cash_shift FOR SELECT
    USING (clerk = current_user OR pg_has_role(current_user, 'parkdesk_manager', 'USAGE'));

GRANT SELECT ON parkdesk.office_setting TO {ALL_GROUPS};
GRANT UPDATE (office_name, time_zone, currency, refund_approval_threshold, receipt_footer)
    ON parkdesk.office_setting TO parkdesk_manager;
GRANT SELECT ON parkdesk.permit_type, parkdesk.permit_type_lot TO {PEOPLE_DESKS};
GRANT INSERT (code, name, price, validity, term_start, term_end, days, affiliations,
              per_parker_limit, max_vehicles, sale_mode, proration, offer_hours, active),
      UPDATE (code, name, price, validity, term_start, term_end, days, affiliations,
              per_parker_limit, max_vehicles, sale_mode, proration, offer_hours, active)
    ON parkdesk.permit_type TO parkdesk_manager;
GRANT INSERT, DELETE ON parkdesk.permit_type_lot TO parkdesk_manager;
GRANT SELECT ON parkdesk.permit, parkdesk.permit_vehicle, parkdesk.waitlist_entry,
                parkdesk.payment, parkdesk.refund, parkdesk.ledger_entry
    TO {PEOPLE_DESKS};
GRANT SELECT ON parkdesk.cash_shift TO parkdesk_clerk, parkdesk_manager;

GRANT EXECUTE ON FUNCTION
    parkdesk.sell_permit(uuid, bigint, bigint, bigint, bigint[], date, jsonb, bigint),
    parkdesk.renew_permit(uuid, bigint, jsonb),
    parkdesk.transfer_permit(bigint, bigint, bigint),
    parkdesk.cancel_permit(uuid, bigint, text, jsonb),
    parkdesk.pay_refund(uuid, bigint, jsonb),
    parkdesk.issue_temporary_permit(uuid, text, text, text, bigint, timestamptz, timestamptz,
                                    numeric, text, jsonb, bigint, text),
    parkdesk.charge_fee(uuid, bigint, numeric, text, jsonb),
    parkdesk.join_waitlist(bigint, bigint, bigint),
    parkdesk.leave_waitlist(bigint, boolean),
    parkdesk.open_shift(numeric),
    parkdesk.close_shift(bigint, jsonb)
    TO parkdesk_clerk;
GRANT EXECUTE ON FUNCTION
    parkdesk.decide_refund(bigint, boolean, text),
    parkdesk.post_adjustment(bigint, numeric, text),
    parkdesk.sign_off_shift(bigint, text)
    TO parkdesk_manager;
GRANT EXECUTE ON FUNCTION
    parkdesk.quote_permit(bigint, date),
    parkdesk.lot_availability(bigint, tstzrange),
    parkdesk.refresh_waitlists()
    TO parkdesk_clerk, parkdesk_manager;
GRANT EXECUTE ON FUNCTION
    parkdesk.local_day(timestamptz),
    parkdesk.local_midnight(date),
    parkdesk.describe_until(timestamptz),
    parkdesk.check_plate(text, text, text, timestamptz),
    parkdesk.plate_near_matches(text, text)
    TO {ALL_GROUPS};
"""

#: table -> key column given to the audit trigger
AUDITED = {
    "office_setting": "id",
    "permit_type": "id",
    "permit_type_lot": "permit_type_id",
    "cash_shift": "id",
    "permit": "id",
    "permit_vehicle": "id",
    "waitlist_entry": "id",
    "payment": "id",
    "refund": "id",
    "ledger_entry": "id",
}
STAMPED = (
    "office_setting",
    "permit_type",
    "cash_shift",
    "permit",
    "permit_vehicle",
    "waitlist_entry",
    "refund",
)


def upgrade() -> None:
    # Exclusion constraints over (vehicle, lot, validity) need btree_gist's equality
    # operator classes; it is a trusted extension, so a database owner may create it.
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist WITH SCHEMA public")
    op.execute("SET LOCAL ROLE parkdesk_owner")
    op.create_table(
        "cash_shift",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("clerk", sa.Text(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opening_float", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("count_detail", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("counted", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("expected", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("variance", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("signed_off_by", sa.Text(), nullable=True),
        sa.Column("signed_off_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sign_off_note", sa.Text(), nullable=True),
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
            "(closed_at IS NULL AND counted IS NULL AND expected IS NULL AND variance IS NULL) OR (closed_at IS NOT NULL AND counted IS NOT NULL AND expected IS NOT NULL AND variance = counted - expected)",
            name=op.f("ck_cash_shift_close_complete"),
        ),
        sa.CheckConstraint("opening_float >= 0", name=op.f("ck_cash_shift_float_not_negative")),
        sa.CheckConstraint(
            "signed_off_at IS NULL OR (closed_at IS NOT NULL AND signed_off_by IS NOT NULL)",
            name=op.f("ck_cash_shift_sign_off_after_close"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cash_shift")),
        schema="parkdesk",
    )
    op.create_index(
        op.f("ix_cash_shift_clerk"), "cash_shift", ["clerk"], unique=False, schema="parkdesk"
    )
    op.create_index(
        "uq_cash_shift_one_open_per_clerk",
        "cash_shift",
        ["clerk"],
        unique=True,
        schema="parkdesk",
        postgresql_where=sa.text("closed_at IS NULL"),
    )
    op.create_table(
        "office_setting",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("office_name", sa.Text(), nullable=False),
        sa.Column("time_zone", sa.Text(), nullable=False),
        sa.Column("currency", sa.Text(), server_default="USD", nullable=False),
        sa.Column("refund_approval_threshold", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("receipt_footer", sa.Text(), server_default="", nullable=False),
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
        sa.CheckConstraint("id = 1", name=op.f("ck_office_setting_single_row")),
        sa.CheckConstraint(
            "length(office_name) BETWEEN 1 AND 100",
            name=op.f("ck_office_setting_office_name_length"),
        ),
        sa.CheckConstraint(
            "length(receipt_footer) <= 300", name=op.f("ck_office_setting_receipt_footer_length")
        ),
        sa.CheckConstraint(
            "refund_approval_threshold >= 0", name=op.f("ck_office_setting_threshold_not_negative")
        ),
        sa.CheckConstraint(
            "('2000-01-01 00:00+00'::timestamptz AT TIME ZONE time_zone) IS NOT NULL",
            name=op.f("ck_office_setting_time_zone_known"),
        ),
        sa.CheckConstraint("currency ~ '^[A-Z]{3}$'", name=op.f("ck_office_setting_currency_code")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_office_setting")),
        schema="parkdesk",
    )
    op.create_table(
        "permit_type",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("price", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("validity", sa.Text(), nullable=False),
        sa.Column("term_start", sa.Date(), nullable=True),
        sa.Column("term_end", sa.Date(), nullable=True),
        sa.Column("days", sa.Integer(), nullable=True),
        sa.Column("affiliations", sa.ARRAY(sa.Text()), nullable=False),
        sa.Column("per_parker_limit", sa.Integer(), server_default="1", nullable=False),
        sa.Column("max_vehicles", sa.Integer(), server_default="2", nullable=False),
        sa.Column("sale_mode", sa.Text(), server_default="first_come", nullable=False),
        sa.Column("proration", sa.Text(), server_default="none", nullable=False),
        sa.Column("offer_hours", sa.Integer(), server_default="48", nullable=False),
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
        sa.CheckConstraint(
            "(validity = 'term' AND term_start IS NOT NULL AND term_end >= term_start) OR (validity = 'monthly') OR (validity = 'days' AND days BETWEEN 1 AND 730)",
            name=op.f("ck_permit_type_validity_complete"),
        ),
        sa.CheckConstraint(
            "cardinality(affiliations) >= 1 AND affiliations <@ ARRAY['student', 'faculty', 'staff', 'resident', 'visitor', 'contractor']",
            name=op.f("ck_permit_type_affiliations_known"),
        ),
        sa.CheckConstraint("code ~ '^[A-Z0-9-]{1,12}$'", name=op.f("ck_permit_type_code_format")),
        sa.CheckConstraint(
            "proration IN ('none', 'daily', 'monthly')", name=op.f("ck_permit_type_proration_known")
        ),
        sa.CheckConstraint(
            "sale_mode IN ('first_come', 'waitlist')", name=op.f("ck_permit_type_sale_mode_known")
        ),
        sa.CheckConstraint(
            "validity IN ('term', 'monthly', 'days')", name=op.f("ck_permit_type_validity_known")
        ),
        sa.CheckConstraint(
            "length(btrim(name)) BETWEEN 1 AND 100", name=op.f("ck_permit_type_name_length")
        ),
        sa.CheckConstraint(
            "max_vehicles BETWEEN 1 AND 5", name=op.f("ck_permit_type_max_vehicles_range")
        ),
        sa.CheckConstraint(
            "offer_hours BETWEEN 1 AND 720", name=op.f("ck_permit_type_offer_hours_range")
        ),
        sa.CheckConstraint(
            "per_parker_limit BETWEEN 1 AND 10", name=op.f("ck_permit_type_per_parker_limit_range")
        ),
        sa.CheckConstraint(
            "price >= 0 AND price <= 100000", name=op.f("ck_permit_type_price_range")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_permit_type")),
        sa.UniqueConstraint("code", name=op.f("uq_permit_type_code")),
        schema="parkdesk",
    )
    op.create_table(
        "permit",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column(
            "number",
            sa.Text(),
            sa.Computed("'P-' || lpad(id::text, 7, '0')", persisted=True),
            nullable=False,
        ),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("permit_type_id", sa.BigInteger(), nullable=True),
        sa.Column("parker_id", sa.BigInteger(), nullable=True),
        sa.Column("lot_id", sa.BigInteger(), nullable=False),
        sa.Column("issued_validity", postgresql.TSTZRANGE(), nullable=False),
        sa.Column("validity", postgresql.TSTZRANGE(), nullable=False),
        sa.Column("price", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("free_reason", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("renewed_from_id", sa.BigInteger(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
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
            "(kind = 'term') = (permit_type_id IS NOT NULL AND parker_id IS NOT NULL)",
            name=op.f("ck_permit_term_has_type_and_parker"),
        ),
        sa.CheckConstraint(
            "kind IN ('term', 'temporary', 'visitor', 'event')", name=op.f("ck_permit_kind_known")
        ),
        sa.CheckConstraint(
            "price > 0 OR kind = 'term' OR length(btrim(free_reason)) >= 3",
            name=op.f("ck_permit_free_needs_reason"),
        ),
        sa.CheckConstraint(
            "(cancelled_at IS NULL) = (cancel_reason IS NULL)",
            name=op.f("ck_permit_cancel_has_reason"),
        ),
        sa.CheckConstraint(
            "NOT isempty(issued_validity)", name=op.f("ck_permit_validity_not_empty")
        ),
        sa.CheckConstraint("price >= 0", name=op.f("ck_permit_price_not_negative")),
        sa.ForeignKeyConstraint(["lot_id"], ["parkdesk.lot.id"], name=op.f("fk_permit_lot_id_lot")),
        sa.ForeignKeyConstraint(
            ["parker_id"], ["parkdesk.parker.id"], name=op.f("fk_permit_parker_id_parker")
        ),
        sa.ForeignKeyConstraint(
            ["permit_type_id"],
            ["parkdesk.permit_type.id"],
            name=op.f("fk_permit_permit_type_id_permit_type"),
        ),
        sa.ForeignKeyConstraint(
            ["renewed_from_id"],
            ["parkdesk.permit.id"],
            name=op.f("fk_permit_renewed_from_id_permit"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_permit")),
        schema="parkdesk",
    )
    op.create_index(
        "ix_permit_lot_validity",
        "permit",
        ["lot_id", "validity"],
        unique=False,
        schema="parkdesk",
        postgresql_using="gist",
    )
    op.create_index(
        op.f("ix_permit_parker_id"), "permit", ["parker_id"], unique=False, schema="parkdesk"
    )
    op.create_table(
        "permit_type_lot",
        sa.Column("permit_type_id", sa.BigInteger(), nullable=False),
        sa.Column("lot_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lot_id"], ["parkdesk.lot.id"], name=op.f("fk_permit_type_lot_lot_id_lot")
        ),
        sa.ForeignKeyConstraint(
            ["permit_type_id"],
            ["parkdesk.permit_type.id"],
            name=op.f("fk_permit_type_lot_permit_type_id_permit_type"),
        ),
        sa.PrimaryKeyConstraint("permit_type_id", "lot_id", name=op.f("pk_permit_type_lot")),
        schema="parkdesk",
    )
    op.create_index(
        op.f("ix_permit_type_lot_lot_id"),
        "permit_type_lot",
        ["lot_id"],
        unique=False,
        schema="parkdesk",
    )
    op.create_table(
        "payment",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column(
            "receipt_number",
            sa.Text(),
            sa.Computed("'R-' || lpad(id::text, 7, '0')", persisted=True),
            nullable=False,
        ),
        sa.Column("idempotency_key", sa.UUID(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_by", sa.Text(), nullable=False),
        sa.Column("direction", sa.Text(), nullable=False),
        sa.Column("parker_id", sa.BigInteger(), nullable=True),
        sa.Column("permit_id", sa.BigInteger(), nullable=True),
        sa.Column("shift_id", sa.BigInteger(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("tender", sa.Text(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("cash_tendered", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("change_given", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("card_brand", sa.Text(), nullable=True),
        sa.Column("card_last4", sa.Text(), nullable=True),
        sa.Column("processor_ref", sa.Text(), nullable=True),
        sa.Column("cheque_number", sa.Text(), nullable=True),
        sa.Column("account_kind", sa.Text(), nullable=True),
        sa.Column("account_ref", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "(tender = 'none') = (amount = 0)", name=op.f("ck_payment_none_only_for_nothing")
        ),
        sa.CheckConstraint(
            "account_kind IN ('payroll', 'student')", name=op.f("ck_payment_account_kind_known")
        ),
        sa.CheckConstraint(
            "account_ref ~ '^[A-Z0-9-]{3,20}$' AND replace(account_ref, '-', '') !~ '[0-9]{12}'",
            name=op.f("ck_payment_account_ref_format"),
        ),
        sa.CheckConstraint("card_last4 ~ '^[0-9]{4}$'", name=op.f("ck_payment_card_last4_format")),
        sa.CheckConstraint(
            "cheque_number ~ '^[0-9]{1,10}$'", name=op.f("ck_payment_cheque_number_format")
        ),
        sa.CheckConstraint("direction IN ('in', 'out')", name=op.f("ck_payment_direction_known")),
        sa.CheckConstraint(
            "length(processor_ref) <= 64"
            " AND regexp_replace(processor_ref, '[[:space:].-]', '', 'g') !~ '[0-9]{12}'",
            name=op.f("ck_payment_processor_ref_not_a_card"),
        ),
        sa.CheckConstraint(
            "tender <> 'account' OR (account_kind IS NOT NULL AND account_ref IS NOT NULL)",
            name=op.f("ck_payment_account_complete"),
        ),
        sa.CheckConstraint(
            "tender <> 'card' OR (card_last4 IS NOT NULL AND card_brand IS NOT NULL AND processor_ref IS NOT NULL)",
            name=op.f("ck_payment_card_complete"),
        ),
        sa.CheckConstraint(
            "tender <> 'cash' OR direction = 'out' OR (cash_tendered >= amount AND change_given = cash_tendered - amount)",
            name=op.f("ck_payment_cash_covers_amount"),
        ),
        sa.CheckConstraint(
            "tender <> 'cash' OR shift_id IS NOT NULL", name=op.f("ck_payment_cash_needs_shift")
        ),
        sa.CheckConstraint(
            "tender <> 'cheque' OR cheque_number IS NOT NULL",
            name=op.f("ck_payment_cheque_has_number"),
        ),
        sa.CheckConstraint(
            "tender IN ('cash', 'card', 'cheque', 'account', 'none')",
            name=op.f("ck_payment_tender_known"),
        ),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_payment_amount_not_negative")),
        sa.CheckConstraint(
            "card_brand ~ '^[A-Za-z][A-Za-z &.-]{0,19}$'", name=op.f("ck_payment_card_brand_words")
        ),
        sa.CheckConstraint(
            "length(description) BETWEEN 1 AND 200", name=op.f("ck_payment_description_length")
        ),
        sa.ForeignKeyConstraint(
            ["parker_id"], ["parkdesk.parker.id"], name=op.f("fk_payment_parker_id_parker")
        ),
        sa.ForeignKeyConstraint(
            ["permit_id"], ["parkdesk.permit.id"], name=op.f("fk_payment_permit_id_permit")
        ),
        sa.ForeignKeyConstraint(
            ["shift_id"], ["parkdesk.cash_shift.id"], name=op.f("fk_payment_shift_id_cash_shift")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_payment_idempotency_key")),
        schema="parkdesk",
    )
    op.create_index(
        op.f("ix_payment_parker_id"), "payment", ["parker_id"], unique=False, schema="parkdesk"
    )
    op.create_index(
        op.f("ix_payment_permit_id"), "payment", ["permit_id"], unique=False, schema="parkdesk"
    )
    op.create_index(
        op.f("ix_payment_shift_id"), "payment", ["shift_id"], unique=False, schema="parkdesk"
    )
    op.create_table(
        "permit_vehicle",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("permit_id", sa.BigInteger(), nullable=False),
        sa.Column("vehicle_id", sa.BigInteger(), nullable=False),
        sa.Column("lot_id", sa.BigInteger(), nullable=False),
        sa.Column("validity", postgresql.TSTZRANGE(), nullable=False),
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
        postgresql.ExcludeConstraint(
            (sa.column("vehicle_id"), "="),
            (sa.column("lot_id"), "="),
            (sa.column("validity"), "&&"),
            using="gist",
            name="ex_permit_vehicle_no_overlap",
        ),
        sa.ForeignKeyConstraint(
            ["lot_id"], ["parkdesk.lot.id"], name=op.f("fk_permit_vehicle_lot_id_lot")
        ),
        sa.ForeignKeyConstraint(
            ["permit_id"], ["parkdesk.permit.id"], name=op.f("fk_permit_vehicle_permit_id_permit")
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["parkdesk.vehicle.id"],
            name=op.f("fk_permit_vehicle_vehicle_id_vehicle"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_permit_vehicle")),
        schema="parkdesk",
    )
    op.create_index(
        op.f("ix_permit_vehicle_permit_id"),
        "permit_vehicle",
        ["permit_id"],
        unique=False,
        schema="parkdesk",
    )
    op.create_index(
        op.f("ix_permit_vehicle_vehicle_id"),
        "permit_vehicle",
        ["vehicle_id"],
        unique=False,
        schema="parkdesk",
    )
    op.create_table(
        "waitlist_entry",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("permit_type_id", sa.BigInteger(), nullable=False),
        sa.Column("lot_id", sa.BigInteger(), nullable=False),
        sa.Column("parker_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.Text(), server_default="waiting", nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("offered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("offer_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("permit_id", sa.BigInteger(), nullable=True),
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
            "status <> 'offered' OR offer_expires_at IS NOT NULL",
            name=op.f("ck_waitlist_entry_offer_has_expiry"),
        ),
        sa.CheckConstraint(
            "status IN ('waiting', 'offered', 'accepted', 'declined', 'expired', 'left')",
            name=op.f("ck_waitlist_entry_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["lot_id"], ["parkdesk.lot.id"], name=op.f("fk_waitlist_entry_lot_id_lot")
        ),
        sa.ForeignKeyConstraint(
            ["parker_id"], ["parkdesk.parker.id"], name=op.f("fk_waitlist_entry_parker_id_parker")
        ),
        sa.ForeignKeyConstraint(
            ["permit_id"], ["parkdesk.permit.id"], name=op.f("fk_waitlist_entry_permit_id_permit")
        ),
        sa.ForeignKeyConstraint(
            ["permit_type_id"],
            ["parkdesk.permit_type.id"],
            name=op.f("fk_waitlist_entry_permit_type_id_permit_type"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waitlist_entry")),
        schema="parkdesk",
    )
    op.create_index(
        op.f("ix_waitlist_entry_parker_id"),
        "waitlist_entry",
        ["parker_id"],
        unique=False,
        schema="parkdesk",
    )
    op.create_index(
        "uq_waitlist_entry_one_active",
        "waitlist_entry",
        ["permit_type_id", "lot_id", "parker_id"],
        unique=True,
        schema="parkdesk",
        postgresql_where=sa.text("status IN ('waiting', 'offered')"),
    )
    op.create_table(
        "refund",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("permit_id", sa.BigInteger(), nullable=False),
        sa.Column("parker_id", sa.BigInteger(), nullable=True),
        sa.Column("original_payment_id", sa.BigInteger(), nullable=True),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("paid_payment_id", sa.BigInteger(), nullable=True),
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
            "status <> 'paid' OR paid_payment_id IS NOT NULL",
            name=op.f("ck_refund_paid_has_payment"),
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'paid', 'rejected')",
            name=op.f("ck_refund_status_known"),
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_refund_amount_positive")),
        sa.ForeignKeyConstraint(
            ["original_payment_id"],
            ["parkdesk.payment.id"],
            name=op.f("fk_refund_original_payment_id_payment"),
        ),
        sa.ForeignKeyConstraint(
            ["paid_payment_id"],
            ["parkdesk.payment.id"],
            name=op.f("fk_refund_paid_payment_id_payment"),
        ),
        sa.ForeignKeyConstraint(
            ["parker_id"], ["parkdesk.parker.id"], name=op.f("fk_refund_parker_id_parker")
        ),
        sa.ForeignKeyConstraint(
            ["permit_id"], ["parkdesk.permit.id"], name=op.f("fk_refund_permit_id_permit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refund")),
        schema="parkdesk",
    )
    op.create_index(
        op.f("ix_refund_permit_id"), "refund", ["permit_id"], unique=False, schema="parkdesk"
    )
    op.create_table(
        "ledger_entry",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("posted_by", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("parker_id", sa.BigInteger(), nullable=True),
        sa.Column("permit_id", sa.BigInteger(), nullable=True),
        sa.Column("payment_id", sa.BigInteger(), nullable=True),
        sa.Column("refund_id", sa.BigInteger(), nullable=True),
        sa.Column("memo", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "(kind IN ('sale', 'renewal', 'temporary', 'fee', 'payout') AND amount >= 0) OR (kind IN ('payment', 'refund') AND amount < 0) OR kind = 'adjustment'",
            name=op.f("ck_ledger_entry_sign_matches_kind"),
        ),
        sa.CheckConstraint(
            "amount <> 0 OR kind IN ('sale', 'temporary')",
            name=op.f("ck_ledger_entry_amount_not_zero"),
        ),
        sa.CheckConstraint(
            "kind IN ('sale', 'renewal', 'temporary', 'fee', 'adjustment', 'payment', 'refund', 'payout')",
            name=op.f("ck_ledger_entry_kind_known"),
        ),
        sa.CheckConstraint(
            "length(memo) BETWEEN 1 AND 200", name=op.f("ck_ledger_entry_memo_length")
        ),
        sa.ForeignKeyConstraint(
            ["parker_id"], ["parkdesk.parker.id"], name=op.f("fk_ledger_entry_parker_id_parker")
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["parkdesk.payment.id"], name=op.f("fk_ledger_entry_payment_id_payment")
        ),
        sa.ForeignKeyConstraint(
            ["permit_id"], ["parkdesk.permit.id"], name=op.f("fk_ledger_entry_permit_id_permit")
        ),
        sa.ForeignKeyConstraint(
            ["refund_id"], ["parkdesk.refund.id"], name=op.f("fk_ledger_entry_refund_id_refund")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entry")),
        schema="parkdesk",
    )
    op.create_index(
        op.f("ix_ledger_entry_parker_id"),
        "ledger_entry",
        ["parker_id"],
        unique=False,
        schema="parkdesk",
    )
    op.create_index(
        op.f("ix_ledger_entry_payment_id"),
        "ledger_entry",
        ["payment_id"],
        unique=False,
        schema="parkdesk",
    )
    op.create_index(
        op.f("ix_ledger_entry_permit_id"),
        "ledger_entry",
        ["permit_id"],
        unique=False,
        schema="parkdesk",
    )
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
    # Dropping the permit desk would drop the ledger, which nobody may delete.
    raise RuntimeError("The permit desk cannot be downgraded; restore a backup instead.")
