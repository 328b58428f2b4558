"""Choices offered the same way on every desk."""

from __future__ import annotations

#: Jurisdictions offered first in plate fields (any other well-formed code may be typed).
COMMON_JURISDICTIONS = ("ON", "QC", "NY", "MI", "BC", "AB", "OH", "VT", "MB", "NS", "PA", "NB")
