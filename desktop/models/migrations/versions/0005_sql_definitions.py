"""SQL definitions: which version of ``desktop/models/sql/`` the database runs.

From here on the functions, triggers, views, policies and grants are applied from those
files after the migrations, whenever they change (:mod:`desktop.models.definitions`).
This table remembers the checksum of what was applied last.
"""

from alembic import op

revision = "0005"
down_revision = "0004"

TABLE_SQL = """
CREATE TABLE parkdesk.sql_definition (
    id boolean NOT NULL DEFAULT true,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL,
    CONSTRAINT pk_sql_definition PRIMARY KEY (id),
    CONSTRAINT ck_sql_definition_one_row CHECK (id),
    CONSTRAINT ck_sql_definition_checksum_sha256 CHECK (checksum ~ '^[0-9a-f]{64}$')
);
"""


def upgrade() -> None:
    op.execute("SET LOCAL ROLE parkdesk_owner")
    op.execute(TABLE_SQL)
    op.execute("RESET ROLE")


def downgrade() -> None:
    raise RuntimeError("The definitions table cannot be downgraded; restore a backup instead.")
