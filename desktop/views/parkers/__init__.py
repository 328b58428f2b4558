"""The parkers desk: find, create and edit parkers and their vehicles.

Public to other desks: :class:`ParkerSearch`, the type-ahead parker search the permit desk
uses to pick a holder, and :class:`ParkerPickerDialog`, the same search in a dialog, with
which the security desk names a registered parker in an incident or a trespass notice.
Nothing else here may be imported from another desk.
"""

from desktop.views.parkers.picker import ParkerPickerDialog
from desktop.views.parkers.search import ParkerSearch

__all__ = ["ParkerPickerDialog", "ParkerSearch"]
