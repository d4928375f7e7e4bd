from django.apps import AppConfig


class PersonalizationConfig(AppConfig):
    name = "personalization"
    verbose_name = "Personalization"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from .tracking import join_history_on_login

        user_logged_in.connect(join_history_on_login, dispatch_uid="join_history_on_login")
