"""Why a band is shown: a sentence about what it is, and the visitor's own signals behind it.

Built from what the band reader already holds (the visitor, the page, their latest views and the
cards loaded for the page), so explaining costs no query.
"""

from django.utils import timezone
from django_countries import countries

from .models import Algorithm

WHY = {
    Algorithm.RECENTLY_VIEWED: "Products you looked at lately, newest first.",
    Algorithm.BEST_SELLERS: "What sold most in the shop over the last {days} days.",
    Algorithm.TRENDING: "Products selling faster lately than before.",
    Algorithm.BOUGHT_TOGETHER: "Products other shoppers bought in the same orders.",
    Algorithm.ALSO_VIEWED: "Products other shoppers looked at in the same visits.",
    Algorithm.SIMILAR: "Products alike in category, colour, material or brand.",
    Algorithm.SIMILAR_FACTORS: "Products bought by the same shoppers.",
    Algorithm.FOR_YOU: "Chosen from what you viewed, carted and bought, next to shoppers like you.",
    Algorithm.DEALS: "Products on sale, those closest to what you browse first.",
    Algorithm.NEAR_YOU: "What sells most to shoppers in your country.",
    Algorithm.PICK_UP: "You were away a while: what you carted and viewed last time, in stock.",
    Algorithm.ONBOARDING: "From what you told the shop you are shopping for, until your "
    "browsing says more.",
}
PERSONAL = {Algorithm.RECENTLY_VIEWED, Algorithm.FOR_YOU, Algorithm.DEALS, Algorithm.PICK_UP}
ABOUT_THE_PAGE = {
    Algorithm.BOUGHT_TOGETHER,
    Algorithm.ALSO_VIEWED,
    Algorithm.SIMILAR,
    Algorithm.SIMILAR_FACTORS,
}
NOTHING_PERSONAL = "Nothing about you: every shopper sees the same."


def band_why(band, visitor) -> str:
    return WHY.get(band.algorithm, "Chosen by the shop.").format(days=band.lookback_days)


def band_signals(band, visitor, page, views, products) -> list[str]:
    """The visitor's data the band used, in plain words; names come from ``products``.
    ``views`` returns the visitor's latest views (called only for bands that use them)."""
    algorithm = band.algorithm
    if algorithm in PERSONAL:
        return _viewed_signals(views(), products)
    if algorithm == Algorithm.ONBOARDING:
        return [f"You picked: {', '.join(name for _, _, name in visitor.picks)}."]
    if algorithm == Algorithm.NEAR_YOU:
        return [country_signal(visitor)]
    if algorithm in ABOUT_THE_PAGE:
        if page.product is not None:
            return [f"The product on this page, {page.product.name}."]
        count = len(page.cart_product_ids)
        return [f"The {count} product{'s' if count != 1 else ''} in your cart."]
    if algorithm == Algorithm.BEST_SELLERS and page.category_id:
        return ["The category you are looking at. " + NOTHING_PERSONAL]
    return [NOTHING_PERSONAL]


def country_signal(visitor) -> str:
    name = countries.name(visitor.country) or visitor.country
    if not name:
        return "No country known: choose yours on “Your shop”."
    if visitor.country_chosen:
        return f"Your country, {name}: you chose it."
    return f"Your country, {name}: a guess from your browser's language."


def _viewed_signals(views, products) -> list[str]:
    if not views:
        return ["Nothing yet: browse a few products."]
    names, seen = [], set()
    for pid, _ in views:
        if pid in products and pid not in seen:
            seen.add(pid)
            names.append(products[pid].name)
        if len(names) == 2:
            break
    latest = views[0][1]
    found = [f"Your {len(views)} latest product view{'s' if len(views) != 1 else ''}."]
    if names:
        found.append(f"You viewed {' and '.join(names)} {_day(latest)}.")
    return found


def _day(when) -> str:
    local, today = timezone.localtime(when), timezone.localdate()
    if local.date() == today:
        return "today"
    if (today - local.date()).days < 7:
        return f"on {local:%A}"
    return f"on {local:%-d %B}"


# What of the shopper's each kind of band reads, for the "Your shop" page.
USES: dict[str, str] = {
    Algorithm.RECENTLY_VIEWED: "your product views",
    Algorithm.BEST_SELLERS: "nothing about you (the shop's sales)",
    Algorithm.TRENDING: "nothing about you (the shop's sales)",
    Algorithm.BOUGHT_TOGETHER: "the product on the page or your cart",
    Algorithm.ALSO_VIEWED: "the product on the page or your cart",
    Algorithm.SIMILAR: "the product on the page or your cart",
    Algorithm.SIMILAR_FACTORS: "the product on the page or your cart",
    Algorithm.FOR_YOU: "your views, carts and purchases",
    Algorithm.DEALS: "your views, carts and purchases",
    Algorithm.NEAR_YOU: "your country",
    Algorithm.PICK_UP: "your views and carts, and how long you were away",
    Algorithm.ONBOARDING: "your onboarding picks",
}
