from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import User
from django_countries import countries

# django-countries' fields.pyi leaves out this form field, which fields.py defines.
from django_countries.fields import LazyTypedChoiceField  # type: ignore[attr-defined]

from .models import Order

MAX_QUANTITY = 99


class QuantityForm(forms.Form):
    """A quantity for one product, checked against what is in stock."""

    quantity = forms.IntegerField(
        min_value=1,
        max_value=MAX_QUANTITY,
        initial=1,
        error_messages={
            "invalid": "Enter a whole number of items.",
            "min_value": "Enter at least 1.",
            "max_value": f"You can buy at most {MAX_QUANTITY} at once.",
            "required": "Enter how many you want.",
        },
    )

    def __init__(self, *args, product, already_in_cart=0, **kwargs):
        super().__init__(*args, **kwargs)
        self.product = product
        self.already_in_cart = already_in_cart
        self.fields["quantity"].widget.attrs.update({"min": 1, "max": max(product.stock, 1)})

    def clean_quantity(self):
        quantity = self.cleaned_data["quantity"]
        wanted = quantity + self.already_in_cart
        if wanted > MAX_QUANTITY:
            raise forms.ValidationError(
                f"You can have at most {MAX_QUANTITY} of one product in your cart."
            )
        if wanted > self.product.stock:
            if self.product.stock == 0:
                raise forms.ValidationError("Sorry, this product is out of stock.")
            in_cart = self.already_in_cart
            raise forms.ValidationError(
                f"Only {self.product.stock} left in stock"
                + (f" and you already have {in_cart} in your cart." if in_cart else ".")
            )
        return quantity


class CheckoutForm(forms.ModelForm):
    class Meta:
        model = Order
        fields = ["full_name", "email", "address", "country"]
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}
        labels = {"country": "Ship to country"}


class SignupForm(UserCreationForm):
    email = forms.EmailField(required=True)
    country = LazyTypedChoiceField(choices=countries, required=False, label="Country (optional)")

    class Meta(UserCreationForm.Meta):  # type: ignore[name-defined]  # django-stubs: no Meta
        model = User
        fields = ["username", "email"]
