from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "shop"
    verbose_name = "Shop"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from .cards import forget_saved_card
        from .models import Product

        for signal in (post_save, post_delete):
            signal.connect(forget_saved_card, sender=Product, dispatch_uid="forget_product_card")
