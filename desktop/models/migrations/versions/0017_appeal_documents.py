"""The parker's own documents on an appeal: a receipt, a photo of the permit on the
dashboard, a letter, attached at the counter (SPEC rule 12, issue "appeals").

They are kept in the evidence store beside the officers' photos, with the same SHA-256
and the same rule that nothing there is ever changed or removed; a document belongs to
an appeal rather than to a citation, and comes from a desk rather than a device, so the
citation, device and device sequence become optional, under checks that keep every row
either a device's photo of a citation or a document of an appeal. The appeal's history
gains the step "document added".
"""

import sqlalchemy as sa
from alembic import op

from desktop.models.migrations.columns import SCHEMA, index

revision = "0017"
down_revision = "0016"

STEPS_BEFORE = (
    "'filed', 'late_accepted', 'claimed', 'released', 'hearing_set', 'decided', "
    "'withdrawn', 'reopened'"
)


def upgrade() -> None:
    op.execute("SET LOCAL ROLE parkdesk_owner")
    for column in ("citation_id", "device_id", "device_seq"):
        op.alter_column("evidence", column, nullable=True, schema=SCHEMA)
    op.add_column("evidence", sa.Column("appeal_id", sa.BigInteger()), schema=SCHEMA)
    op.add_column("evidence", sa.Column("description", sa.Text()), schema=SCHEMA)
    op.add_column("evidence", sa.Column("file_name", sa.Text()), schema=SCHEMA)
    op.create_foreign_key(
        op.f("fk_evidence_appeal_id_appeal"),
        "evidence",
        "appeal",
        ["appeal_id"],
        ["id"],
        source_schema=SCHEMA,
        referent_schema=SCHEMA,
    )
    index("evidence", "appeal_id")
    for name, condition in (
        ("one_case", "num_nonnulls(citation_id, appeal_id) = 1"),
        ("device_call_whole", "(device_id IS NULL) = (device_seq IS NULL)"),
        ("citation_photo_from_device", "citation_id IS NULL OR device_id IS NOT NULL"),
        ("document_described", "appeal_id IS NULL OR description IS NOT NULL"),
        (
            "description_length",
            "description IS NULL OR length(description) BETWEEN 3 AND 200",
        ),
        ("description_no_card_number", "parkdesk.card_number_free(description)"),
        ("file_name_length", "file_name IS NULL OR length(file_name) BETWEEN 1 AND 200"),
        ("file_name_no_card_number", "parkdesk.card_number_free(file_name)"),
    ):
        op.create_check_constraint(op.f(f"ck_evidence_{name}"), "evidence", condition,
                                   schema=SCHEMA)  # fmt: skip
    op.drop_constraint("ck_appeal_step_step_known", "appeal_step", schema=SCHEMA)
    op.create_check_constraint(
        "ck_appeal_step_step_known",
        "appeal_step",
        f"step IN ({STEPS_BEFORE}, 'document_added')",
        schema=SCHEMA,
    )
    op.execute("RESET ROLE")


def downgrade() -> None:
    raise RuntimeError("Evidence cannot be downgraded; restore a backup instead.")
