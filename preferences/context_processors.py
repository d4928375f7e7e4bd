from .models import Notification

UNREAD_SHOWN = 99


def notifications(request):
    """``unread_notifications``: the header's unread count, up to ``UNREAD_SHOWN`` + 1.

    A callable, so only pages that show it pay for it: one count over the unread index,
    bounded by the LIMIT, for a logged-in shopper; nothing for anyone else.
    """

    def unread() -> int:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return 0
        return (
            Notification.objects.inbox_of(user.pk).unread().order_by()[: UNREAD_SHOWN + 1].count()
        )

    return {"unread_notifications": unread}
