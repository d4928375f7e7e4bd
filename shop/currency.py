"""Prices in the shopper's own currency, approximately.

Prices are stored and charged in the shop's currency (``settings.TAILOR_CURRENCY``); a shopper
whose country (chosen, else guessed) uses another currency also sees an approximate conversion at
a fixed rate from this small table. A country not in it sees the shop's currency only.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings


@dataclass(frozen=True)
class Currency:
    code: str
    symbol: str
    rate: Decimal  # units of this currency per unit of the shop's

    def convert(self, amount) -> Decimal:
        return (Decimal(amount) * self.rate).quantize(Decimal("1"), ROUND_HALF_UP)


SHOP = Currency("EUR", "€", Decimal("1"))
CURRENCIES = {
    "GBP": Currency("GBP", "£", Decimal("0.85")),
    "USD": Currency("USD", "US$", Decimal("1.08")),
    "CHF": Currency("CHF", "CHF ", Decimal("0.95")),
    "SEK": Currency("SEK", "SEK ", Decimal("11.5")),
    "NOK": Currency("NOK", "NOK ", Decimal("11.7")),
    "DKK": Currency("DKK", "DKK ", Decimal("7.46")),
    "PLN": Currency("PLN", "PLN ", Decimal("4.3")),
    "JPY": Currency("JPY", "¥", Decimal("165")),
    "AUD": Currency("AUD", "A$", Decimal("1.65")),
    "CAD": Currency("CAD", "C$", Decimal("1.48")),
}
COUNTRY_CURRENCIES = {
    "GB": "GBP",
    "US": "USD",
    "CH": "CHF",
    "SE": "SEK",
    "NO": "NOK",
    "DK": "DKK",
    "PL": "PLN",
    "JP": "JPY",
    "AU": "AUD",
    "CA": "CAD",
}


def currency_for(country: str) -> Currency | None:
    """The currency to show beside the shop's for ``country``; None when it is the shop's own
    or unknown."""
    code = COUNTRY_CURRENCIES.get(country or "")
    if code is None or code == settings.TAILOR_CURRENCY:
        return None
    return CURRENCIES[code]
