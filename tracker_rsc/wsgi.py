import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker_rsc.settings")

application = get_wsgi_application()

# Gunicorn runs no system checks: refuse here to serve with DEBUG off and unsafe settings.
from tracker_rsc.checks import refuse_unsafe_start  # noqa: E402

refuse_unsafe_start()
