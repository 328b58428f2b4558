"""Evidence: the photos and documents officers' devices attach to citations, each with
the SHA-256 of its bytes (SPEC rule 12).

Devices write evidence only through ``attach_evidence``
(``desktop/models/sql/66_evidence.sql``), and nobody changes or removes it; this migration
adds what holds the data.
"""

import sqlalchemy as sa
from alembic import op

from desktop.models.migrations.columns import index

revision = "0008"
down_revision = "0007"


def upgrade() -> None:
    op.execute("SET LOCAL ROLE parkdesk_owner")
    op.create_table(
        "evidence",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("citation_id", sa.BigInteger(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.Text(), nullable=False),
        sa.Column("media_type", sa.Text(), nullable=False),
        sa.Column(
            "size_bytes",
            sa.BigInteger(),
            sa.Computed("octet_length(content)", persisted=True),
            nullable=False,
        ),
        sa.Column("captured_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.Text(), server_default=sa.text("session_user"), nullable=False),
        sa.Column("device_id", sa.BigInteger(), nullable=False),
        sa.Column("device_seq", sa.BigInteger(), nullable=False),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("sha256 ~ '^[0-9a-f]{64}$'", name=op.f("ck_evidence_sha256_format")),
        sa.CheckConstraint(
            "media_type IN ('image/jpeg', 'image/png', 'application/pdf')",
            name=op.f("ck_evidence_media_type_known"),
        ),
        sa.CheckConstraint(
            "size_bytes BETWEEN 1 AND 20971520", name=op.f("ck_evidence_size_range")
        ),
        sa.ForeignKeyConstraint(
            ["citation_id"], ["parkdesk.citation.id"], name=op.f("fk_evidence_citation_id_citation")
        ),
        sa.ForeignKeyConstraint(
            ["device_id"], ["parkdesk.device.id"], name=op.f("fk_evidence_device_id_device")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence")),
        sa.UniqueConstraint(
            "device_id", "device_seq", name=op.f("uq_evidence_device_id_device_seq")
        ),
        schema="parkdesk",
    )
    index("evidence", "citation_id")
    # JPEG, PNG and PDF are compressed already: stored out of line as they are, without a
    # compression attempt on every insert, and a slice of them is read without the rest.
    op.execute("ALTER TABLE parkdesk.evidence ALTER COLUMN content SET STORAGE EXTERNAL")
    op.execute("RESET ROLE")


def downgrade() -> None:
    raise RuntimeError("Evidence cannot be downgraded; restore a backup instead.")
