"""A shopper's saved preferences as listing parameters, applied when the URL sets none."""

from .models import Preference
from .owners import owner_for


def saved_preference(request) -> Preference | None:
    """The request owner's saved preferences with their colours and materials, or None."""
    return (
        Preference.objects.owned_by(owner_for(request))
        .prefetch_related("colours", "materials")
        .first()
    )


def listing_params(preference: Preference | None) -> dict[str, list[str]]:
    """The listing query parameters (FilterSet names) that a preference stands for.

    Only what the shopper set appears; an empty dict means "nothing saved". Values are strings,
    as they would come from a URL.
    """
    if preference is None:
        return {}
    params = {
        "colour": sorted(colour.slug for colour in preference.colours.all()),
        "material": sorted(material.slug for material in preference.materials.all()),
        "audience": [preference.audience] if preference.audience else [],
        "price_max": [f"{preference.price_max:f}"] if preference.price_max is not None else [],
        "in_stock": ["true"] if preference.in_stock_only else [],
        "sort": [preference.sort] if preference.sort else [],
        "page_size": [str(preference.page_size)] if preference.page_size else [],
    }
    return {name: values for name, values in params.items() if values}
