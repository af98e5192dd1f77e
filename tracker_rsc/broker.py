"""The embedded default's broker: kombu's filesystem transport with atomic publishes.

kombu's filesystem channel creates a message file empty, then writes the body into it. A worker
polling the folder may rename the file away in between (the writer's ``flock`` does not stop a
rename), read nothing, and the task is lost until the notification sweeper finds its row. The
shorter the polling interval, the likelier the window. Here the body is written to a name the
consumer ignores and renamed into the queue complete, so a worker only ever sees whole messages.

``tracker_rsc.celery`` points kombu's ``filesystem`` alias here, so ``filesystem://`` (the
default ``CELERY_BROKER_URL``) keeps its meaning.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from time import monotonic
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

# kombu's consumer takes ``<stamp>_<uuid>.<queue>.msg``; ``….msg.partial`` is not that.
PARTIAL_SUFFIX = ".partial"


class Channel(filesystem.Channel):
    def _put(self, queue: str, payload: Any, **kwargs: Any) -> None:
        """Put ``payload`` onto ``queue``: written whole, then renamed into the queue."""
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = final + PARTIAL_SUFFIX
        try:
            with open(partial, "wb") as f:
                f.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.remove(partial)
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel
