from django.apps import AppConfig


class PersonalizationConfig(AppConfig):
    name = "personalization"
    verbose_name = "Personalization"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in
        from django.db import transaction
        from django.db.models.signals import post_delete

        from .bands import forget_cached_bands
        from .models import ABTest, Band, delete_schedule
        from .privacy import restore_choices_on_login
        from .tracking import join_history_on_login

        user_logged_in.connect(join_history_on_login, dispatch_uid="join_history_on_login")
        user_logged_in.connect(restore_choices_on_login, dispatch_uid="restore_choices_on_login")
        post_delete.connect(delete_schedule, sender=Band, dispatch_uid="band_delete_schedule")
        post_delete.connect(
            lambda **kwargs: transaction.on_commit(forget_cached_bands),
            sender=Band,
            weak=False,
            dispatch_uid="band_delete_forget_cache",
        )
        post_delete.connect(disable_variant, sender=ABTest, dispatch_uid="abtest_delete_variant")


def disable_variant(sender, instance, **kwargs):
    """post_delete receiver: the variant of a deleted test (its control deleted, say) is
    disabled rather than shown as a band of its own."""
    from django.db import transaction

    from .bands import forget_cached_bands
    from .models import Band

    Band.objects.filter(pk=instance.variant_id).update(is_enabled=False)
    transaction.on_commit(forget_cached_bands)
