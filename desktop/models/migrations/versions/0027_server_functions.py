"""Two kinds of the server's own functions are taken from every login in this database
(docs/SECURITY.md, threats 18 and 20), by the administrator: they belong to the server,
so the SQL files, which run as the owner, cannot.

- Advisory locks live in the server's shared lock table; tens of thousands taken in one
  statement fill it, and then no desk can even log in ("out of shared memory"), while no
  watchdog sees a holder to end, as nobody waits for a lock. Only the owner's functions
  take them (a money request's key).
- Large objects keep bytes outside every table, so outside every check (a card number
  could be kept there and shared with any login), with no quota.
"""

from alembic import op

revision = "0027"
down_revision = "0026"

_SERVER_FUNCTIONS = """
DO $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
             WHERE p.pronamespace = 'pg_catalog'::regnamespace
               AND (p.proname LIKE 'pg\\_advisory\\_%' OR p.proname LIKE 'pg\\_try\\_advisory\\_%')
    LOOP
        EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO parkdesk_owner', f);
    END LOOP;
    FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
             WHERE p.pronamespace = 'pg_catalog'::regnamespace
               AND (p.proname LIKE 'lo\\_%' OR p.proname IN ('loread', 'lowrite'))
    LOOP
        EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
    END LOOP;
END
$$
"""


def upgrade() -> None:
    # As the administrator: an earlier migration of the same run may have left the owner's
    # role set for the rest of the transaction.
    op.execute("RESET ROLE")
    op.execute(_SERVER_FUNCTIONS)


def downgrade() -> None:
    raise RuntimeError("The server functions' grants cannot be downgraded; restore a backup.")
