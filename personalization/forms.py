from django import forms
from django.contrib.auth import get_user_model
from django_countries import countries

# django-countries' fields.pyi leaves out this form field, which fields.py defines.
from django_countries.fields import LazyTypedChoiceField  # type: ignore[attr-defined]

from shop.models import Category, Colour, Product

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


class ConsentForm(forms.Form):
    """The first-visit notice's answer; ``opt-in`` tracks despite Global Privacy Control."""

    choice = forms.ChoiceField(
        choices=[("accept", "Accept"), ("refuse", "Refuse"), ("opt-in", "Opt in")],
        error_messages={"invalid_choice": "Choose to accept or refuse tracking."},
    )


class SwitchForm(forms.Form):
    personalization = forms.ChoiceField(
        choices=[("on", "On"), ("off", "Off")],
        error_messages={"invalid_choice": "Choose on or off."},
    )


class CountryForm(forms.Form):
    """A ship-to country the shop knows, or empty to go back to the guess."""

    country = LazyTypedChoiceField(
        choices=[("", "Guess from my browser's language"), *countries],
        required=False,
        label="Ship-to country",
        error_messages={"invalid_choice": "We don’t know that country: choose one from the list."},
    )


class PicksForm(forms.Form):
    """What a new visitor is shopping for: departments and colours, all optional."""

    categories = forms.ModelMultipleChoiceField(
        queryset=Category.objects.filter(parent=None),
        to_field_name="slug",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": "Choose from the departments shown.",
            "invalid_pk_value": "Choose from the departments shown.",
        },
    )
    colours = forms.ModelMultipleChoiceField(
        queryset=Colour.objects.all(),
        to_field_name="slug",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": "Choose from the colours shown.",
            "invalid_pk_value": "Choose from the colours shown.",
        },
    )

    def clean(self):
        data = super().clean()
        if not data.get("categories") and not data.get("colours"):
            raise forms.ValidationError("Pick at least one department or colour, or skip.")
        return data
