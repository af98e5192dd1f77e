"""Domain signals of the integration itself (docs/architecture.md §2, §4.1), sent by
tracker_rsc.services.

- ``integration_enabled(integration)``: the integration was just enabled; sent after the
  enabling transaction commits, never for a repeated (no-op) enable. The sync flows connect to
  it to register the callback with LinkedIn and start the bulk sync.
- ``integration_setup_requested(integration)``: an admin asked to run that setup again (after a
  failed registration, or one whose task was lost); sent after commit, handled the same way.
- ``seat_access_changed(user_ids)``: what these Tracker users are on LinkedIn changed — a seat
  was mapped to or away from them, deactivated or reactivated, or given another member. Sent
  inside the changing transaction, so receivers write their outbox events with it: the access
  lists of the jobs those users own must follow.
"""

from django.dispatch import Signal

integration_enabled = Signal()
integration_setup_requested = Signal()
seat_access_changed = Signal()
