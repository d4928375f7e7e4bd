from django import forms
from django.contrib.auth import get_user_model
from django_countries import countries

# django-countries' fields.pyi leaves out this form field, which fields.py defines.
from django_countries.fields import LazyTypedChoiceField  # type: ignore[attr-defined]

from shop.models import Category, Product

from .models import Algorithm, Band, Placement

PRODUCT_ALGORITHMS = {
    Algorithm.BOUGHT_TOGETHER,
    Algorithm.ALSO_VIEWED,
    Algorithm.SIMILAR,
    Algorithm.SIMILAR_FACTORS,
}


class PreviewForm(forms.Form):
    """Who to preview a band as, and on what page. Empty shopper: an anonymous visitor."""

    shopper = forms.ModelChoiceField(
        queryset=get_user_model().objects.all(),
        required=False,
        widget=forms.TextInput,
        help_text="User id; leave empty for an anonymous visitor.",
        error_messages={"invalid_choice": "No shopper has that id."},
    )
    product = forms.ModelChoiceField(
        queryset=Product.objects.all(),
        required=False,
        widget=forms.TextInput,
        help_text="Product id, for bands on product pages.",
        error_messages={"invalid_choice": "No product has that id."},
    )
    category = forms.ModelChoiceField(
        queryset=Category.objects.all(),
        required=False,
        to_field_name="slug",
        widget=forms.TextInput,
        help_text="Category slug, for category pages.",
        error_messages={"invalid_choice": "No category has that slug."},
    )
    country = LazyTypedChoiceField(choices=[("", "—"), *countries], required=False)

    def __init__(self, *args, band: Band, **kwargs):
        super().__init__(*args, **kwargs)
        self.band = band

    def clean(self):
        data = super().clean()
        if (
            self.band.algorithm in PRODUCT_ALGORITHMS
            and self.band.placement == Placement.PRODUCT
            and not data.get("product")
        ):
            self.add_error("product", "This band depends on the product on the page: give one.")
        return data


class ClickForm(forms.Form):
    """A click on a band item, as sent by the band's links."""

    band = forms.ModelChoiceField(queryset=Band.objects.all(), to_field_name="slug")
    product = forms.ModelChoiceField(queryset=Product.objects.active())
    page = forms.ChoiceField(choices=Placement.choices)
