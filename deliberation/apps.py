from django.apps import AppConfig


class DeliberationConfig(AppConfig):
    name = "deliberation"
    verbose_name = "Deliberation"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from deliberation.services.notifications import warm_unread_count

        # Known at log-in, so the header's badge costs no query on any page.
        user_logged_in.connect(warm_unread_count, dispatch_uid="warm_unread_count")
