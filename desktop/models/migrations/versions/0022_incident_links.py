"""Citations and permits linked to an incident (SPEC "Security"): by their number, kept
with the link so that dispatch, who reads neither table, sees what was linked. Linked by
``link_incident`` (``89_incidents.sql``), read and removed under the incident's row
security.
"""

import sqlalchemy as sa
from alembic import op

from desktop.models.migrations.columns import SCHEMA, index

revision = "0022"
down_revision = "0021"


def upgrade() -> None:
    op.execute("SET LOCAL ROLE parkdesk_owner")
    op.create_table(
        "incident_link",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("incident_id", sa.BigInteger(), nullable=False),
        sa.Column("citation_id", sa.BigInteger(), nullable=True),
        sa.Column("permit_id", sa.BigInteger(), nullable=True),
        sa.Column("reference", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "added_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("added_by", sa.Text(), server_default=sa.text("session_user"), nullable=False),
        sa.CheckConstraint(
            "num_nonnulls(citation_id, permit_id) = 1", name=op.f("ck_incident_link_one_record")
        ),
        sa.CheckConstraint(
            "length(reference) BETWEEN 1 AND 40", name=op.f("ck_incident_link_reference_length")
        ),
        sa.CheckConstraint("length(note) <= 500", name=op.f("ck_incident_link_note_length")),
        sa.CheckConstraint(
            "parkdesk.card_number_free(note)", name=op.f("ck_incident_link_note_no_card_number")
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["parkdesk.incident.id"],
            name=op.f("fk_incident_link_incident_id_incident"),
        ),
        sa.ForeignKeyConstraint(
            ["citation_id"],
            ["parkdesk.citation.id"],
            name=op.f("fk_incident_link_citation_id_citation"),
        ),
        sa.ForeignKeyConstraint(
            ["permit_id"], ["parkdesk.permit.id"], name=op.f("fk_incident_link_permit_id_permit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_link")),
        schema=SCHEMA,
    )
    index("incident_link", "incident_id")
    op.create_index(
        "uq_incident_link_citation",
        "incident_link",
        ["incident_id", "citation_id"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("citation_id IS NOT NULL"),
    )
    op.create_index(
        "uq_incident_link_permit",
        "incident_link",
        ["incident_id", "permit_id"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("permit_id IS NOT NULL"),
    )
    op.execute("RESET ROLE")


def downgrade() -> None:
    # The function that reads the links (89_incidents.sql) returns rows of the table.
    op.execute("DROP FUNCTION IF EXISTS parkdesk.visible_incident_links(bigint)")
    op.drop_table("incident_link", schema=SCHEMA)
