"""The session cart: product ids and quantities, priced from the catalog when shown.

It lives in the session, so it survives log-in (Django keeps session data when it cycles the key)
and needs no table. Prices are never stored here: they are frozen only when an order is placed.
"""

from dataclasses import dataclass
from decimal import Decimal

from .models import Product

SESSION_KEY = "cart"


@dataclass(frozen=True)
class CartLine:
    product: Product
    quantity: int

    @property
    def subtotal(self) -> Decimal:
        return self.product.price * self.quantity


class Cart:
    def __init__(self, session):
        self.session = session
        self.items: dict[str, int] = dict(session.get(SESSION_KEY, {}))

    def __len__(self):
        return sum(self.items.values())

    def __bool__(self):
        return bool(self.items)

    def quantity_of(self, product_id) -> int:
        return self.items.get(str(product_id), 0)

    def add(self, product_id, quantity: int):
        self.set(product_id, self.quantity_of(product_id) + quantity)

    def set(self, product_id, quantity: int):
        if quantity > 0:
            self.items[str(product_id)] = quantity
        else:
            self.items.pop(str(product_id), None)
        self._save()

    def remove(self, product_id):
        self.set(product_id, 0)

    def clear(self):
        self.items = {}
        self._save()

    def lines(self) -> list[CartLine]:
        """The cart's lines in the order they were added, skipping products no longer sold."""
        products = Product.objects.active().for_cards().in_bulk([int(pk) for pk in self.items])
        return [
            CartLine(products[int(pk)], qty)
            for pk, qty in self.items.items()
            if int(pk) in products
        ]

    @staticmethod
    def total(lines: list[CartLine]) -> Decimal:
        return sum((line.subtotal for line in lines), Decimal("0"))

    def _save(self):
        self.session[SESSION_KEY] = self.items
        self.session.modified = True
