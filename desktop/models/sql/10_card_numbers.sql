-- No card number in any text column (PCI DSS requirement 3).
-- The loader fills in __DIGITS_AND_MARKS__ and __DIGIT_VALUES__ from the Unicode tables of
-- the Python that applies it: every decimal digit of every script, and the combining marks.
--
-- The current definition: edit here, never in a migration (docs/ARCHITECTURE.md).

-- False when the text holds 13 to 19 digits (of any script, in groups with any separators
-- between them, or none) that pass the Luhn check: a card number (PCI DSS requirement 3).
-- One function for every free-text column; the schema test fails for a text column
-- without it.
CREATE OR REPLACE FUNCTION parkdesk.card_number_free(p_text text) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_text text;
    v_wide text;
    v_run text;
    v_groups text[];
    v_digits text;
    i int;
    j int;
    k int;
    d int;
    s int;
BEGIN
    IF octet_length(p_text) > 20000 THEN
        RAISE EXCEPTION 'That text is far too long.' USING ERRCODE = 'PD002', DETAIL = 'general';
    END IF;
    -- Digits of any script are digits, and combining marks hide none: fullwidth and
    -- mathematical digits fold under NFKC, every other decimal digit Unicode knows is
    -- mapped to 0-9, and combining marks are dropped (translate deletes what it has no
    -- counterpart for).
    -- The translation walks the whole table of digits and marks for each character it
    -- is given, the dearest part of a check made on every write of free text; so it is
    -- given the text's other characters only (ASCII is NFKC's own and holds no mark).
    -- When they fold to themselves ("Lot B — Science Quad", "Zoë"), so does the whole
    -- text: a mark always folds away, so nothing composes across the ASCII left out.
    -- Text of ASCII only (as long in bytes as in characters) has nothing to fold.
    v_text := p_text;
    IF octet_length(p_text) <> length(p_text) THEN
        v_wide := regexp_replace(p_text, '[\x01-\x7f]+', '', 'g');
        IF translate(normalize(v_wide, NFKC), '__DIGITS_AND_MARKS__', '__DIGIT_VALUES__')
           <> v_wide THEN
            v_text := translate(normalize(p_text, NFKC), '__DIGITS_AND_MARKS__',
                                '__DIGIT_VALUES__');
        END IF;
    END IF;
    -- Quick way out: nowhere 13 digits with only separators between them.
    IF v_text !~ '[0-9]([^[:alnum:]]*[0-9]){12}' THEN
        RETURN true;
    END IF;
    -- Digits written in groups with any separators ("4111 1111 1111 1111", "4111 - 1111 -
    -- …", zero-width spaces): a card number is one or more whole groups of 13 to 19 digits
    -- in all. A number in the middle of a longer group is not looked for.
    FOR v_run IN SELECT m[1] FROM regexp_matches(
            v_text, '([0-9]+(?:[^[:alnum:]]+[0-9]+)*)', 'g') AS m LOOP
        v_groups := regexp_split_to_array(v_run, '[^0-9]+');
        FOR i IN 1..cardinality(v_groups) LOOP
            v_digits := '';
            FOR j IN i..cardinality(v_groups) LOOP
                v_digits := v_digits || v_groups[j];
                EXIT WHEN length(v_digits) > 19;
                CONTINUE WHEN length(v_digits) < 13;
                s := 0;
                FOR k IN 0..length(v_digits) - 1 LOOP
                    d := ascii(substr(v_digits, length(v_digits) - k, 1)) - 48;
                    IF k % 2 = 1 THEN
                        d := d * 2;
                        IF d > 9 THEN d := d - 9; END IF;
                    END IF;
                    s := s + d;
                END LOOP;
                IF s % 10 = 0 THEN
                    RETURN false;
                END IF;
            END LOOP;
        END LOOP;
    END LOOP;
    RETURN true;
END
$$;
