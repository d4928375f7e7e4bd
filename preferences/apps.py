from django.apps import AppConfig


class PreferencesConfig(AppConfig):
    name = "preferences"
    verbose_name = "Preferences"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from .owners import join_on_login

        user_logged_in.connect(join_on_login, dispatch_uid="preferences_join_on_login")
