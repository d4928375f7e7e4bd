from django import template

register = template.Library()


@register.filter
def approx_in(amount, currency):
    """``amount`` (in the shop's currency) in ``currency``, rounded: ``£43``."""
    if currency is None or amount is None:
        return ""
    return f"{currency.symbol}{currency.convert(amount)}"
