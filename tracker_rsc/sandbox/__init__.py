"""The LinkedIn sandbox: a simulated LinkedIn Recruiter System Connect (docs/architecture.md §6).

Installed (``INSTALLED_APPS``) and mounted at ``/sandbox/linkedin/`` only when
``settings.LINKEDIN_SANDBOX`` is on, which a ``DEBUG``-off start refuses. It is LinkedIn,
not a client of it: it never imports ``tracker_rsc.linkedin``, and nothing outside this package
imports it; Tracker reaches it over HTTP exactly as it would reach LinkedIn.

- ``oauth/v2/accessToken``: client-credentials tokens (30 min) for its own registered app,
``LINKEDIN_SANDBOX_CLIENT_ID``/``_SECRET`` (the secret also signs its pushes), and member tokens for
the authorization codes of Sign In with LinkedIn (``oidc.py``: ``oauth/v2/authorization``, the
public sign-in page, and ``v2/userinfo``). - ``v2/…`` and ``rest/…``: the resources of
docs/architecture.md §5 (``views.py``), with LinkedIn's batch size, required fields, rate limits
(``limits.py``) and injected faults (``faults.py``). - ``control/``: a page for people;
``control/api/<action>`` (POST JSON) for tests and scripts; both need a logged-in staff user and
CSRF (they act as LinkedIn's side): ``members``, ``export``, ``inmail``, ``inmail-accept``,
``note-add``, ``note-deactivate``, ``connect``, ``disconnect``, ``automation``, ``evaluate``,
``purge``, ``fault-add``, ``faults-clear``, ``deliver``, ``redeliver``, ``challenge``,
``integration-status``, ``settings``, ``reset``; GET ``state``, ``stats``, ``members``, ``faults``,
``settings``, ``pushes``, ``applications``, ``candidates``. - Pushes (``pushes.py``) are signed like
LinkedIn's and delivered by the Celery task ``sandbox.deliver_push``; ``deliver_pending_pushes()``
delivers synchronously. - ``manage.py seed_sandbox`` fills it with a contract, seats, projects and
members that overlap Tracker's demo candidates.
"""
