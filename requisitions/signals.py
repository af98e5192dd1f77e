"""Domain signals sent by requisitions.services (docs/architecture.md §2). Receivers live in
syncjobs.

- ``requisition_saved(requisition, created)``: create, update (owners included) and close.
- ``requisition_deleted(requisition_id, snapshot)``.
- ``placement_saved(placement, created)`` and ``placement_deleted(placement_id, snapshot)``.
- ``requisition_connected(requisition, connection)``: a LinkedIn hiring project connection
  became active (accepted); the requisition's placements may now go to LinkedIn.
"""

from django.dispatch import Signal

requisition_saved = Signal()
requisition_deleted = Signal()
placement_saved = Signal()
placement_deleted = Signal()
requisition_connected = Signal()
