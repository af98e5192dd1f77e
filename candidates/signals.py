"""Domain signals sent by candidates.services (docs/architecture.md §2). Receivers live in other
apps.

- ``candidate_saved(candidate, created, changed_fields)``: after every create, update and
  save-without-change, inside the service's transaction.
- ``candidate_deleted(candidate_id, snapshot, erased)``: after a delete or an erasure;
  ``snapshot`` holds what a receiver needs once the row is gone (``person_urn`` etc.).
- ``candidates_imported(created_ids, updated_ids)``: a CSV import wrote a chunk of candidates
  (created, or changed by the import); sent once per chunk, inside its transaction, instead of
  one ``candidate_saved`` per candidate, so that receivers can queue them in bulk.
- ``candidate_linked(candidate, link)`` / ``candidate_unlinked(candidate, link)``: a member
  link was made or ended.
- ``candidates_linked(links)``: sent once per linking call with every link it made (one for
  ``member_link_create``, a whole sync batch for ``member_links_create_many``), after the
  per-link ``candidate_linked``. The project's own receivers listen here, so that linking a
  batch costs a fixed number of queries rather than a few per link.
"""

from django.dispatch import Signal

candidate_saved = Signal()
candidate_deleted = Signal()
candidate_linked = Signal()
candidate_unlinked = Signal()
candidates_linked = Signal()
candidates_imported = Signal()
