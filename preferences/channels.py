"""How a shopper hears about things: per-topic channels and the switch that pauses them all."""

from .models import DeliverySetting, NotificationSettings, Topic
from .notifications import DEFAULT_DELIVERY, Delivery


def delivery_of(user_id: int) -> dict[str, Delivery]:
    """The shopper's channels per topic, defaults filled in; one query."""
    stored = {
        row.topic: Delivery(row.inbox, row.email)
        for row in DeliverySetting.objects.filter(user_id=user_id)
    }
    return {topic: stored.get(topic, DEFAULT_DELIVERY[topic]) for topic in Topic.values}


def save_delivery(user_id: int, choices: dict[str, Delivery]) -> None:
    """Store the given topics' channels; update_or_create survives two saves racing."""
    for topic, delivery in choices.items():
        DeliverySetting.objects.update_or_create(
            user_id=user_id,
            topic=topic,
            defaults={"inbox": delivery.inbox, "email": delivery.email},
        )


def is_paused(user_id: int) -> bool:
    return NotificationSettings.objects.filter(user_id=user_id, paused=True).exists()


def set_paused(user_id: int, paused: bool) -> None:
    NotificationSettings.objects.update_or_create(user_id=user_id, defaults={"paused": paused})
