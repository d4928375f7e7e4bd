"""What the integration tests share: a shopper's checkout details and polling."""

import time

CHECKOUT = {
    "full_name": "Ada Lovelace",
    "email": "ada@example.com",
    "address": "12 St James's Square\nLondon",
    "country": "GB",
}


def wait_for(condition, timeout=30, interval=0.05):
    """Poll ``condition()`` until it returns something truthy or ``timeout`` seconds pass; return
    its last result."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(interval)
    return condition()
