from django.apps import AppConfig


class PreferencesConfig(AppConfig):
    name = "preferences"
    verbose_name = "Preferences"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_delete, post_save, pre_save

        from shop.models import Brand, Category, Colour, Material, Product

        from .changes import record_change, remember_stored
        from .filters import forget_catalog_options
        from .owners import join_on_login

        user_logged_in.connect(join_on_login, dispatch_uid="preferences_join_on_login")
        pre_save.connect(
            remember_stored, sender=Product, dispatch_uid="preferences_remember_stored_product"
        )
        post_save.connect(
            record_change, sender=Product, dispatch_uid="preferences_record_product_change"
        )
        for model in (Brand, Category, Colour, Material):
            for signal in (post_save, post_delete):
                signal.connect(
                    forget_catalog_options,
                    sender=model,
                    dispatch_uid=f"forget_catalog_options_{model.__name__}",
                )
