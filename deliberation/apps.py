from django.apps import AppConfig
from django.conf import settings
from django.core import checks

from deliberation.analysis import embeddings


def similarity_backend_check(app_configs, **kwargs):
    """SIMILARITY_BACKEND=embeddings without its extra fails at start-up,
    not on the first draft someone types."""
    if settings.SIMILARITY_BACKEND == "embeddings" and not embeddings.available():
        return [
            checks.Error(
                "SIMILARITY_BACKEND=embeddings but the embeddings extra is not "
                "installed.",
                hint="pip install '.[embeddings]', or set SIMILARITY_BACKEND=auto.",
                id="deliberation.E001",
            )
        ]
    return []


class DeliberationConfig(AppConfig):
    name = "deliberation"
    verbose_name = "Deliberation"

    def ready(self):
        checks.register(similarity_backend_check)
        # deferred: signals are connected once apps are ready
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        # Importing the tasks registers every task in every process (web too):
        # the outbox sends by name, looking the task up in the Celery app.
        # deferred: tasks import services and models, not ready at import time
        from deliberation import tasks  # noqa: F401

        # deferred: services import models, which are not ready at import time
        from deliberation.services.notifications import warm_unread_count

        # deferred: as above (services import models)
        from deliberation.services.presence import sockets_close_on_logout

        # Known at log-in, so the header's badge costs no query on any page.
        user_logged_in.connect(warm_unread_count, dispatch_uid="warm_unread_count")
        user_logged_out.connect(
            sockets_close_on_logout, dispatch_uid="sockets_close_on_logout"
        )
