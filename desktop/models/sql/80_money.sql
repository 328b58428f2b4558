-- Money: payments, refunds, fees and adjustments in an append-only ledger; one request per key.
--
-- The current definition: edit here, never in a migration (docs/ARCHITECTURE.md).

-- One line of a parker's account, or of a citation's (p_citation, no parker), posted by the
-- money functions (never by a desk): the ledger is append-only, and its memo is cut to the
-- 200 characters the column holds.
CREATE OR REPLACE FUNCTION parkdesk.post_line(
    p_kind text, p_amount numeric, p_parker bigint, p_permit bigint, p_memo text,
    p_refund bigint DEFAULT NULL, p_payment bigint DEFAULT NULL, p_citation bigint DEFAULT NULL
) RETURNS bigint
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    INSERT INTO parkdesk.ledger_entry (posted_at, posted_by, kind, amount, parker_id, permit_id,
                                       payment_id, refund_id, memo, citation_id)
    VALUES (now(), session_user, p_kind, p_amount, p_parker, p_permit, p_payment, p_refund,
            left(p_memo, 200), p_citation)
    RETURNING id
$$;

-- Checks a tender, records the payment and posts it to the ledger (unless p_ledger is
-- false: a payment for several citations posts one row per citation itself). Cash needs
-- the clerk's open shift, which stays locked (FOR SHARE) so it cannot close mid-payment.
CREATE OR REPLACE FUNCTION parkdesk.take_payment(
    p_key uuid, p_direction text, p_parker bigint, p_permit bigint, p_amount numeric,
    p_tender jsonb, p_description text, p_refund bigint DEFAULT NULL,
    p_ledger boolean DEFAULT true)
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
    IF p_amount > 0 AND p_ledger THEN
        PERFORM parkdesk.post_line(
            CASE p_direction WHEN 'in' THEN 'payment' ELSE 'payout' END,
            CASE p_direction WHEN 'in' THEN -p_amount ELSE p_amount END, p_parker, p_permit,
            format('%s %s %s', CASE p_direction WHEN 'in' THEN 'Payment' ELSE 'Refund paid' END,
                   v_pay.receipt_number, v_kind),
            p_refund => p_refund, p_payment => v_pay.id);
    END IF;
    RETURN v_pay;
END
$$;

-- A retried payment (double-click, dropped connection) finds the first one and stops.
CREATE OR REPLACE FUNCTION parkdesk.payment_for_key(p_key uuid) RETURNS bigint
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

-- A manager approves a pending refund (its line goes to the ledger) or refuses it, saying why.
CREATE OR REPLACE FUNCTION parkdesk.decide_refund(p_refund bigint, p_approve boolean, p_note text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r parkdesk.refund;
    v_number text;
BEGIN
    PERFORM parkdesk.bound_text('note', p_note, 500);
    SELECT * INTO r FROM parkdesk.refund WHERE id = p_refund FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'This refund no longer exists.' USING ERRCODE = 'no_data_found';
    END IF;
    IF r.status <> 'pending' THEN
        PERFORM parkdesk.refuse('refund', format('This refund was already %s.', r.status));
    END IF;
    -- Four eyes: whoever asked for a refund does not decide it (threat 25).
    IF r.created_by = session_user THEN
        PERFORM parkdesk.refuse('refund',
            'You asked for this refund: another manager decides it.');
    END IF;
    IF NOT p_approve AND length(btrim(coalesce(p_note, ''))) < 3 THEN
        PERFORM parkdesk.refuse('note', 'Say why the refund is refused.');
    END IF;
    UPDATE parkdesk.refund SET status = CASE WHEN p_approve THEN 'approved' ELSE 'rejected' END,
        decided_by = session_user, decided_at = now(), decision_note = nullif(btrim(p_note), '')
    WHERE id = r.id;
    -- A permit's refund is credited to the parker's account when approved; an appeal's
    -- is posted to its citation when paid out (a citation's balance never goes below
    -- nothing owed).
    IF p_approve AND r.permit_id IS NOT NULL THEN
        SELECT number INTO v_number FROM parkdesk.permit WHERE id = r.permit_id;
        PERFORM parkdesk.post_line('refund', -r.amount, r.parker_id, r.permit_id,
            format('Refund for cancelled %s (approved)', v_number), p_refund => r.id);
    END IF;
END
$$;

-- A manager corrects a parker's account by a signed amount, saying why; no money moves.
CREATE OR REPLACE FUNCTION parkdesk.post_adjustment(p_parker bigint, p_amount numeric, p_memo text)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM parkdesk.bound_text('memo', p_memo, 200);
    PERFORM parkdesk.check_amount('amount', p_amount, -10000, 10000, 'An adjustment');
    IF p_amount IS NULL OR p_amount = 0 OR abs(p_amount) > 10000 THEN
        PERFORM parkdesk.refuse('amount', 'An adjustment is a non-zero amount of at most 10000.');
    END IF;
    IF length(btrim(coalesce(p_memo, ''))) NOT BETWEEN 3 AND 200 THEN
        PERFORM parkdesk.refuse('memo', 'Say why the account is adjusted.');
    END IF;
    IF NOT EXISTS (SELECT 1 FROM parkdesk.parker WHERE id = p_parker) THEN
        RAISE EXCEPTION 'This parker no longer exists.' USING ERRCODE = 'no_data_found';
    END IF;
    RETURN parkdesk.post_line('adjustment', p_amount, p_parker, NULL, btrim(p_memo));
END
$$;

CREATE OR REPLACE FUNCTION parkdesk.forbid_money_rewrite() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RAISE EXCEPTION '% rows are never changed or removed (% refused); post a new entry instead',
        TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;

-- A tender as a manager approves it: the kind and which card or account, never more.
CREATE OR REPLACE FUNCTION parkdesk.tender_signature(p_tender jsonb) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE p_tender ->> 'kind'
        WHEN 'card' THEN 'card:' || lower(btrim(coalesce(p_tender ->> 'brand', ''))) || ':'
                         || coalesce(p_tender ->> 'last4', '')
        WHEN 'account' THEN 'account:' || coalesce(p_tender ->> 'account', '') || ':'
                            || upper(btrim(coalesce(p_tender ->> 'reference', '')))
        ELSE p_tender ->> 'kind' END
$$;

-- NULL when a refund in this tender goes back the way the original payment came (cash to
-- cash, the same card, the same account), else what the original was, for the message.
CREATE OR REPLACE FUNCTION parkdesk.tender_refusal(p_original bigint, p_tender jsonb) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    o parkdesk.payment;
    v_kind text := p_tender ->> 'kind';
BEGIN
    SELECT * INTO o FROM parkdesk.payment WHERE id = p_original;
    IF NOT FOUND OR o.tender = 'none' THEN
        RETURN 'there is no payment on record to refund to';
    ELSIF o.tender = 'card' THEN
        IF v_kind = 'card' AND p_tender ->> 'last4' = o.card_last4
           AND lower(btrim(p_tender ->> 'brand')) = lower(o.card_brand) THEN
            RETURN NULL;
        END IF;
        RETURN format('it was paid by %s card ending %s', o.card_brand, o.card_last4);
    ELSIF o.tender = 'account' THEN
        IF v_kind = 'account' AND p_tender ->> 'account' = o.account_kind
           AND upper(p_tender ->> 'reference') = o.account_ref THEN
            RETURN NULL;
        END IF;
        RETURN format('it was charged to %s account %s', o.account_kind, o.account_ref);
    ELSIF v_kind = o.tender THEN
        RETURN NULL;
    END IF;
    RETURN format('it was paid by %s', o.tender);
END
$$;

-- A request key belongs to one request (SPEC rule 18). The same request again returns its
-- first result; a different request with the same key is refused and does nothing.
CREATE OR REPLACE FUNCTION parkdesk.claim_request(
    p_key uuid, p_operation text, p_request jsonb, OUT done boolean, OUT result bigint)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    k parkdesk.request_key;
BEGIN
    IF p_key IS NULL THEN
        PERFORM parkdesk.refuse('key', 'A payment needs its idempotency key.');
    END IF;
    PERFORM pg_advisory_xact_lock(hashtextextended(p_key::text, 2026));
    SELECT * INTO k FROM parkdesk.request_key WHERE key = p_key;
    IF FOUND THEN
        IF k.operation <> p_operation OR k.login <> session_user
           OR k.fingerprint <> sha256(convert_to(p_operation || ':' || p_request::text, 'UTF8')) THEN
            RAISE EXCEPTION 'This request''s key was already used for a different request (%, %). '
                            'Nothing was done: start again.', replace(k.operation, '_', ' '),
                            to_char(k.made_at, 'YYYY-MM-DD HH24:MI')
                USING ERRCODE = 'PD007';
        END IF;
        done := true;
        result := k.result;
        RETURN;
    END IF;
    -- A payment made before keys were fingerprinted: its request cannot be compared.
    IF EXISTS (SELECT 1 FROM parkdesk.payment p WHERE p.idempotency_key = p_key) THEN
        RAISE EXCEPTION 'This request''s key was already used for a payment. Nothing was done: '
                        'start again.' USING ERRCODE = 'PD007';
    END IF;
    done := false;
END
$$;

-- A tender as compared between two requests: 40 and 40.00 in cash are the same request.
CREATE OR REPLACE FUNCTION parkdesk.canonical_tender(p_tender jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN jsonb_typeof(p_tender) = 'object'
                     AND p_tender ->> 'tendered' ~ '^[0-9]{1,7}(\.[0-9]{1,2})?$'
                THEN jsonb_set(p_tender, '{tendered}',
                               to_jsonb(((p_tender ->> 'tendered')::numeric(12, 2))::text))
                ELSE p_tender END
$$;

CREATE OR REPLACE FUNCTION parkdesk.remember_request(
    p_key uuid, p_operation text, p_request jsonb, p_result bigint) RETURNS void
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    INSERT INTO parkdesk.request_key (key, operation, fingerprint, result, login, made_at)
    VALUES (p_key, p_operation, sha256(convert_to(p_operation || ':' || p_request::text, 'UTF8')),
            p_result, session_user, now())
$$;

-- Pays out an approved refund (of a cancelled permit or of an appeal's decision), the way
-- the original payment came unless a manager approved another tender.
CREATE OR REPLACE FUNCTION parkdesk.pay_refund(p_key uuid, p_refund bigint, p_tender jsonb) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_request jsonb;
    c record;
    r parkdesk.refund;
    v_other text;
    v_result bigint;
    v_pay parkdesk.payment;
    v_number text;
BEGIN
    PERFORM parkdesk.bound_json('tender', p_tender, 1000);
    v_request := jsonb_build_array(p_refund, parkdesk.canonical_tender(p_tender));
    c := parkdesk.claim_request(p_key, 'pay_refund', v_request);
    IF c.done THEN
        RETURN c.result;
    END IF;
    SELECT * INTO r FROM parkdesk.refund WHERE id = p_refund FOR UPDATE;
    IF FOUND AND r.status = 'approved' THEN
        v_other := parkdesk.tender_refusal(r.original_payment_id, p_tender);
        IF v_other IS NOT NULL AND r.approval_reason IS DISTINCT FROM 'tender' THEN
            PERFORM parkdesk.refuse('tender', format(
                'This refund goes back the way it was paid: %s. Paying it another way needs '
                'a manager''s approval.', v_other));
        END IF;
        -- A manager approved one other tender, not any.
        IF v_other IS NOT NULL AND r.requested_tender IS NOT NULL
           AND parkdesk.tender_signature(p_tender) IS DISTINCT FROM r.requested_tender THEN
            PERFORM parkdesk.refuse('tender', format(
                'A manager approved paying this refund by %s, or the way it was paid (%s).',
                replace(r.requested_tender, ':', ' '), v_other));
        END IF;
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
    IF r.citation_id IS NOT NULL THEN
        -- An appeal's refund: paid out, then credited, on the citation's own ledger.
        SELECT ci.number INTO v_number FROM parkdesk.citation ci WHERE ci.id = r.citation_id
        FOR UPDATE;
        v_pay := parkdesk.take_payment(p_key, 'out', r.parker_id, NULL, r.amount, p_tender,
            format('Refund for citation %s (appeal)', v_number), r.id, p_ledger => false);
        PERFORM parkdesk.post_line('payout', r.amount, NULL, NULL,
            format('Refund paid %s %s, citation %s', v_pay.receipt_number, v_pay.tender,
                   v_number),
            p_refund => r.id, p_payment => v_pay.id, p_citation => r.citation_id);
        PERFORM parkdesk.post_line('refund', -r.amount, NULL, NULL,
            left(r.reason, 200), p_refund => r.id, p_citation => r.citation_id);
    ELSE
        SELECT number INTO v_number FROM parkdesk.permit WHERE id = r.permit_id;
        v_pay := parkdesk.take_payment(p_key, 'out', r.parker_id, r.permit_id, r.amount,
            p_tender, format('Refund for cancelled permit %s', v_number), r.id);
    END IF;
    UPDATE parkdesk.refund SET status = 'paid', paid_payment_id = v_pay.id WHERE id = r.id;
    v_result := v_pay.id;
    PERFORM parkdesk.remember_request(p_key, 'pay_refund', v_request, v_result);
    RETURN v_result;
END
$$;

-- Charges a parker a fee (a replacement hang tag, a late fee at the counter) and takes
-- its payment.
CREATE OR REPLACE FUNCTION parkdesk.charge_fee(
    p_key uuid, p_parker bigint, p_amount numeric, p_memo text, p_tender jsonb) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_request jsonb;
    c record;
    v_result bigint;
    v_pay parkdesk.payment;
BEGIN
    PERFORM parkdesk.bound_text('memo', p_memo, 200);
    PERFORM parkdesk.bound_json('tender', p_tender, 1000);
    PERFORM parkdesk.check_amount('amount', p_amount, 0.01, 10000, 'A fee');
    v_request := jsonb_build_array(p_parker, round(p_amount, 2), btrim(p_memo),
                                   parkdesk.canonical_tender(p_tender));
    c := parkdesk.claim_request(p_key, 'charge_fee', v_request);
    IF c.done THEN
        RETURN c.result;
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
    PERFORM parkdesk.post_line('fee', p_amount, p_parker, NULL, btrim(p_memo));
    v_pay := parkdesk.take_payment(p_key, 'in', p_parker, NULL, p_amount, p_tender, btrim(p_memo));
    v_result := v_pay.id;
    PERFORM parkdesk.remember_request(p_key, 'charge_fee', v_request, v_result);
    RETURN v_result;
END
$$;

CREATE TRIGGER payment_append_only BEFORE UPDATE OR DELETE ON parkdesk.payment
    FOR EACH ROW EXECUTE FUNCTION parkdesk.forbid_money_rewrite();

CREATE TRIGGER payment_no_truncate BEFORE TRUNCATE ON parkdesk.payment
    FOR EACH STATEMENT EXECUTE FUNCTION parkdesk.forbid_money_rewrite();

CREATE TRIGGER ledger_entry_append_only BEFORE UPDATE OR DELETE ON parkdesk.ledger_entry
    FOR EACH ROW EXECUTE FUNCTION parkdesk.forbid_money_rewrite();

CREATE TRIGGER ledger_entry_no_truncate BEFORE TRUNCATE ON parkdesk.ledger_entry
    FOR EACH STATEMENT EXECUTE FUNCTION parkdesk.forbid_money_rewrite();
