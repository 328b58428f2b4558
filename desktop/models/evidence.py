"""Evidence: the photos and documents an officer's device attaches to a citation, and
the documents a parker brings to an appeal, each kept with its SHA-256 as
chain-of-custody data (SPEC rules 12 and 14).

Rows are written only by ``parkdesk.attach_evidence`` (the device API,
``docs/DEVICE_API.md``) and ``parkdesk.attach_appeal_document`` (the counter), which
recompute the hash and check the type by content; no role, the owner included, ever
updates or deletes one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Computed,
    DateTime,
    ForeignKey,
    Identity,
    LargeBinary,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from desktop.models.base import Base
from desktop.models.enforcement import DEVICE_SEQ_BOUNDED

#: What evidence may be, as its first bytes say (``attach_evidence`` checks them).
EVIDENCE_MEDIA_TYPES = ("image/jpeg", "image/png", "application/pdf")

#: The largest file kept: 20 MB. A phone's photo is a few; a scanned PDF rarely more.
EVIDENCE_MAX_BYTES = 20 * 1024 * 1024


class Evidence(Base):
    """A device's photo or document of a citation, or a parker's document of an appeal,
    with the SHA-256 of its bytes beside them, so whoever shows it can verify it is what
    was sent."""

    __tablename__ = "evidence"
    __table_args__ = (
        UniqueConstraint("device_id", "device_seq"),
        CheckConstraint(DEVICE_SEQ_BOUNDED, name="device_seq_range"),
        CheckConstraint("sha256 ~ '^[0-9a-f]{64}$'", name="sha256_format"),
        CheckConstraint(
            "media_type IN ('image/jpeg', 'image/png', 'application/pdf')",
            name="media_type_known",
        ),
        CheckConstraint(f"size_bytes BETWEEN 1 AND {EVIDENCE_MAX_BYTES}", name="size_range"),
        CheckConstraint("num_nonnulls(citation_id, appeal_id, incident_id) = 1", name="one_case"),
        CheckConstraint("(device_id IS NULL) = (device_seq IS NULL)", name="device_call_whole"),
        CheckConstraint(
            "citation_id IS NULL OR device_id IS NOT NULL", name="citation_photo_from_device"
        ),
        CheckConstraint(
            "device_id IS NOT NULL OR description IS NOT NULL", name="document_described"
        ),
        CheckConstraint(
            "description IS NULL OR length(description) BETWEEN 3 AND 200",
            name="description_length",
        ),
        CheckConstraint(
            "parkdesk.card_number_free(description)", name="description_no_card_number"
        ),
        CheckConstraint(
            "file_name IS NULL OR length(file_name) BETWEEN 1 AND 200", name="file_name_length"
        ),
        CheckConstraint("parkdesk.card_number_free(file_name)", name="file_name_no_card_number"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    #: A device's photo names its citation; a parker's document its appeal.
    citation_id: Mapped[int | None] = mapped_column(ForeignKey("citation.id"), index=True)
    appeal_id: Mapped[int | None] = mapped_column(ForeignKey("appeal.id"), index=True)
    #: A photo or document of a security incident (read as the incident is).
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incident.id"), index=True)
    content: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    #: The SHA-256 of ``content`` in lower-case hex, computed by the database.
    sha256: Mapped[str] = mapped_column(Text, nullable=False)
    #: As detected from the first bytes, never as merely declared.
    media_type: Mapped[str] = mapped_column(Text, nullable=False)
    size_bytes: Mapped[int] = mapped_column(
        BigInteger, Computed("octet_length(content)", persisted=True), nullable=False
    )
    #: The device's clock when the photo was taken; ``recorded_at`` is the server's.
    captured_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    #: The officer's login that sent it (``session_user``), set by the function.
    recorded_by: Mapped[str] = mapped_column(
        Text, nullable=False, server_default=text("session_user")
    )
    #: The device and its call, for a device's photo; none for a document from a desk.
    device_id: Mapped[int | None] = mapped_column(ForeignKey("device.id"))
    device_seq: Mapped[int | None] = mapped_column(BigInteger)
    #: What a parker's document is ("Receipt for permit P-2026-00412"), and its file's name.
    description: Mapped[str | None] = mapped_column(Text)
    file_name: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )


__all__ = ["EVIDENCE_MAX_BYTES", "EVIDENCE_MEDIA_TYPES", "Evidence"]
