"""Security incidents (SPEC "Security"): what happened, where and when, the people (in a
role) and vehicles involved, a dispatch log appended and never edited, tasks for
dispatchers, and photos and documents kept with them in the evidence store.

Dispatchers and managers write them with column grants under row-level security: a
confidential incident is read and changed only by its reporter, its investigators and
managers (``89_incidents.sql``). Managers keep the lists of categories and of roles a
person may have; the office starts with these.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0020"
down_revision = "0019"

CATEGORIES = {
    "Theft": ("Vehicle theft", "Theft from a vehicle", "Bicycle theft"),
    "Damage": ("Vandalism", "Hit and run"),
    "Assault": (),
    "Suspicious activity": (),
    "Trespass": (),
    "Collision": (),
    "Medical": (),
    "Other": (),
}
ROLES = ("Complainant", "Victim", "Witness", "Suspect", "Subject")


def upgrade() -> None:
    op.execute("SET LOCAL ROLE parkdesk_owner")
    op.create_table(
        "incident_category",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("parent_id", sa.BigInteger(), nullable=True),
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
            "length(btrim(name)) BETWEEN 2 AND 80", name=op.f("ck_incident_category_name_length")
        ),
        sa.CheckConstraint(
            "parkdesk.card_number_free(name)", name=op.f("ck_incident_category_name_no_card_number")
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["parkdesk.incident_category.id"],
            name=op.f("fk_incident_category_parent_id_incident_category"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_category")),
        schema="parkdesk",
    )
    op.create_table(
        "incident_role",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
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
            "length(btrim(name)) BETWEEN 2 AND 40", name=op.f("ck_incident_role_name_length")
        ),
        sa.CheckConstraint(
            "parkdesk.card_number_free(name)", name=op.f("ck_incident_role_name_no_card_number")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_role")),
        sa.UniqueConstraint("name", name=op.f("uq_incident_role_name")),
        schema="parkdesk",
    )
    op.create_table(
        "incident",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("number", sa.Text(), nullable=False),
        sa.Column("category_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.Text(), server_default="new", nullable=False),
        sa.Column("status_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_by", sa.Text(), nullable=False),
        sa.Column("priority", sa.SmallInteger(), server_default="2", nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "reported_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("lot_id", sa.BigInteger(), nullable=True),
        sa.Column("zone_id", sa.BigInteger(), nullable=True),
        sa.Column("location", sa.Text(), nullable=True),
        sa.Column("latitude", sa.Numeric(precision=9, scale=6), nullable=True),
        sa.Column("longitude", sa.Numeric(precision=9, scale=6), nullable=True),
        sa.Column("narrative", sa.Text(), server_default="", nullable=False),
        sa.Column("weapon", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("injury", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("police_service", sa.Text(), nullable=True),
        sa.Column("police_case", sa.Text(), nullable=True),
        sa.Column("confidential", sa.Boolean(), server_default="false", nullable=False),
        sa.Column(
            "investigators", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("reported_by", sa.Text(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.Text(), nullable=True),
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
            "(status = 'closed') = (closed_at IS NOT NULL)", name=op.f("ck_incident_closed_whole")
        ),
        sa.CheckConstraint(
            "number ~ '^I[0-9]{4}-[0-9]{5,}$'", name=op.f("ck_incident_number_format")
        ),
        sa.CheckConstraint(
            "reported_at >= occurred_at - interval '1 day'", name=op.f("ck_incident_reported_after")
        ),
        sa.CheckConstraint(
            "status IN ('new', 'in_progress', 'resolved', 'closed')",
            name=op.f("ck_incident_status_known"),
        ),
        sa.CheckConstraint(
            "(latitude IS NULL) = (longitude IS NULL)", name=op.f("ck_incident_coordinates_whole")
        ),
        sa.CheckConstraint(
            "cardinality(investigators) <= 20", name=op.f("ck_incident_investigators_few")
        ),
        sa.CheckConstraint(
            "latitude BETWEEN -90 AND 90 AND longitude BETWEEN -180 AND 180",
            name=op.f("ck_incident_coordinates_range"),
        ),
        sa.CheckConstraint(
            "length(btrim(location)) BETWEEN 2 AND 200", name=op.f("ck_incident_location_length")
        ),
        sa.CheckConstraint(
            "length(btrim(police_case)) BETWEEN 1 AND 40",
            name=op.f("ck_incident_police_case_length"),
        ),
        sa.CheckConstraint(
            "length(btrim(police_service)) BETWEEN 2 AND 100",
            name=op.f("ck_incident_police_service_length"),
        ),
        sa.CheckConstraint("length(narrative) <= 20000", name=op.f("ck_incident_narrative_length")),
        sa.CheckConstraint(
            "lot_id IS NOT NULL OR location IS NOT NULL", name=op.f("ck_incident_place_given")
        ),
        sa.CheckConstraint(
            "parkdesk.card_number_free(location)", name=op.f("ck_incident_location_no_card_number")
        ),
        sa.CheckConstraint(
            "parkdesk.card_number_free(narrative)",
            name=op.f("ck_incident_narrative_no_card_number"),
        ),
        sa.CheckConstraint(
            "parkdesk.card_number_free(police_case)",
            name=op.f("ck_incident_police_case_no_card_number"),
        ),
        sa.CheckConstraint(
            "parkdesk.card_number_free(police_service)",
            name=op.f("ck_incident_police_service_no_card_number"),
        ),
        sa.CheckConstraint("priority BETWEEN 1 AND 3", name=op.f("ck_incident_priority_range")),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["parkdesk.incident_category.id"],
            name=op.f("fk_incident_category_id_incident_category"),
        ),
        sa.ForeignKeyConstraint(
            ["lot_id"], ["parkdesk.lot.id"], name=op.f("fk_incident_lot_id_lot")
        ),
        sa.ForeignKeyConstraint(
            ["zone_id"], ["parkdesk.zone.id"], name=op.f("fk_incident_zone_id_zone")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident")),
        sa.UniqueConstraint("number", name=op.f("uq_incident_number")),
        schema="parkdesk",
    )
    op.create_index(
        "ix_incident_occurred",
        "incident",
        [sa.literal_column("occurred_at DESC")],
        unique=False,
        schema="parkdesk",
    )
    op.create_index(
        "ix_incident_open",
        "incident",
        ["status", "priority"],
        unique=False,
        schema="parkdesk",
        postgresql_where=sa.text("status <> 'closed'"),
    )
    op.create_table(
        "dispatch_entry",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("incident_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("by", sa.Text(), server_default=sa.text("session_user"), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.CheckConstraint(
            "kind IN ('call_received', 'unit_dispatched', 'on_scene', 'cleared', 'note')",
            name=op.f("ck_dispatch_entry_kind_known"),
        ),
        sa.CheckConstraint("length(note) <= 2000", name=op.f("ck_dispatch_entry_note_length")),
        sa.CheckConstraint(
            "parkdesk.card_number_free(note)", name=op.f("ck_dispatch_entry_note_no_card_number")
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["parkdesk.incident.id"],
            name=op.f("fk_dispatch_entry_incident_id_incident"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispatch_entry")),
        schema="parkdesk",
    )
    op.create_index(
        op.f("ix_dispatch_entry_incident_id"),
        "dispatch_entry",
        ["incident_id"],
        unique=False,
        schema="parkdesk",
    )
    op.create_table(
        "incident_person",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("incident_id", sa.BigInteger(), nullable=False),
        sa.Column("role_id", sa.BigInteger(), nullable=False),
        sa.Column("parker_id", sa.BigInteger(), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("contact", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "added_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("added_by", sa.Text(), server_default=sa.text("session_user"), nullable=False),
        sa.CheckConstraint(
            "length(btrim(name)) BETWEEN 2 AND 200", name=op.f("ck_incident_person_name_length")
        ),
        sa.CheckConstraint(
            "length(contact) <= 200", name=op.f("ck_incident_person_contact_length")
        ),
        sa.CheckConstraint(
            "length(description) <= 1000", name=op.f("ck_incident_person_description_length")
        ),
        sa.CheckConstraint(
            "parkdesk.card_number_free(contact)",
            name=op.f("ck_incident_person_contact_no_card_number"),
        ),
        sa.CheckConstraint(
            "parkdesk.card_number_free(description)",
            name=op.f("ck_incident_person_description_no_card_number"),
        ),
        sa.CheckConstraint(
            "parkdesk.card_number_free(name)", name=op.f("ck_incident_person_name_no_card_number")
        ),
        sa.CheckConstraint(
            "parker_id IS NOT NULL OR name IS NOT NULL", name=op.f("ck_incident_person_someone")
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["parkdesk.incident.id"],
            name=op.f("fk_incident_person_incident_id_incident"),
        ),
        sa.ForeignKeyConstraint(
            ["parker_id"], ["parkdesk.parker.id"], name=op.f("fk_incident_person_parker_id_parker")
        ),
        sa.ForeignKeyConstraint(
            ["role_id"],
            ["parkdesk.incident_role.id"],
            name=op.f("fk_incident_person_role_id_incident_role"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_person")),
        schema="parkdesk",
    )
    op.create_index(
        op.f("ix_incident_person_incident_id"),
        "incident_person",
        ["incident_id"],
        unique=False,
        schema="parkdesk",
    )
    op.create_index(
        op.f("ix_incident_person_parker_id"),
        "incident_person",
        ["parker_id"],
        unique=False,
        schema="parkdesk",
    )
    op.create_table(
        "incident_task",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("incident_id", sa.BigInteger(), nullable=False),
        sa.Column("assigned_to", sa.Text(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "assigned_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("assigned_by", sa.Text(), server_default=sa.text("session_user"), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "(done_at IS NULL) = (done_by IS NULL)", name=op.f("ck_incident_task_done_whole")
        ),
        sa.CheckConstraint(
            "length(btrim(description)) BETWEEN 3 AND 500",
            name=op.f("ck_incident_task_description_length"),
        ),
        sa.CheckConstraint(
            "parkdesk.card_number_free(description)",
            name=op.f("ck_incident_task_description_no_card_number"),
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["parkdesk.incident.id"],
            name=op.f("fk_incident_task_incident_id_incident"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_task")),
        schema="parkdesk",
    )
    op.create_index(
        op.f("ix_incident_task_incident_id"),
        "incident_task",
        ["incident_id"],
        unique=False,
        schema="parkdesk",
    )
    op.create_index(
        "ix_incident_task_open",
        "incident_task",
        ["assigned_to"],
        unique=False,
        schema="parkdesk",
        postgresql_where=sa.text("done_at IS NULL"),
    )
    op.create_table(
        "incident_vehicle",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("incident_id", sa.BigInteger(), nullable=False),
        sa.Column("vehicle_id", sa.BigInteger(), nullable=True),
        sa.Column("jurisdiction", sa.Text(), nullable=False),
        sa.Column("plate", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "added_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("added_by", sa.Text(), server_default=sa.text("session_user"), nullable=False),
        sa.CheckConstraint(
            "jurisdiction ~ '^[A-Z]{2}(-[A-Z0-9]{1,3})?$'",
            name=op.f("ck_incident_vehicle_jurisdiction_format"),
        ),
        sa.CheckConstraint(
            "plate ~ '^[A-Z0-9]{1,10}$'", name=op.f("ck_incident_vehicle_plate_format")
        ),
        sa.CheckConstraint(
            "length(description) <= 500", name=op.f("ck_incident_vehicle_description_length")
        ),
        sa.CheckConstraint(
            "parkdesk.card_number_free(description)",
            name=op.f("ck_incident_vehicle_description_no_card_number"),
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["parkdesk.incident.id"],
            name=op.f("fk_incident_vehicle_incident_id_incident"),
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["parkdesk.vehicle.id"],
            name=op.f("fk_incident_vehicle_vehicle_id_vehicle"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_vehicle")),
        schema="parkdesk",
    )
    op.create_index(
        op.f("ix_incident_vehicle_incident_id"),
        "incident_vehicle",
        ["incident_id"],
        unique=False,
        schema="parkdesk",
    )
    op.create_index(
        "ix_incident_vehicle_plate",
        "incident_vehicle",
        ["jurisdiction", "plate"],
        unique=False,
        schema="parkdesk",
    )
    op.add_column(
        "evidence", sa.Column("incident_id", sa.BigInteger(), nullable=True), schema="parkdesk"
    )
    op.create_index(
        op.f("ix_evidence_incident_id"),
        "evidence",
        ["incident_id"],
        unique=False,
        schema="parkdesk",
    )
    op.create_foreign_key(
        op.f("fk_evidence_incident_id_incident"),
        "evidence",
        "incident",
        ["incident_id"],
        ["id"],
        source_schema="parkdesk",
        referent_schema="parkdesk",
    )
    op.drop_constraint("ck_evidence_one_case", "evidence", schema="parkdesk")
    op.create_check_constraint(
        op.f("ck_evidence_one_case"),
        "evidence",
        "num_nonnulls(citation_id, appeal_id, incident_id) = 1",
        schema="parkdesk",
    )
    op.drop_constraint("ck_evidence_document_described", "evidence", schema="parkdesk")
    op.create_check_constraint(
        op.f("ck_evidence_document_described"),
        "evidence",
        "device_id IS NOT NULL OR description IS NOT NULL",
        schema="parkdesk",
    )
    for name, subs in CATEGORIES.items():
        op.execute(
            sa.text("INSERT INTO parkdesk.incident_category (name) VALUES (:name)").bindparams(
                name=name
            )
        )
        for sub in subs:
            op.execute(
                sa.text(
                    "INSERT INTO parkdesk.incident_category (name, parent_id) "
                    "SELECT :sub, id FROM parkdesk.incident_category WHERE name = :name"
                ).bindparams(sub=sub, name=name)
            )
    for role in ROLES:
        op.execute(
            sa.text("INSERT INTO parkdesk.incident_role (name) VALUES (:name)").bindparams(
                name=role
            )
        )
    op.execute("RESET ROLE")


def downgrade() -> None:
    raise RuntimeError("Incidents cannot be downgraded; restore a backup instead.")
