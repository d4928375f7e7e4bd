"""What a shopper tells the shop: listing preferences, names for saved searches, and what to
follow and how to hear about it."""

from decimal import Decimal

from django import forms
from django.conf import settings
from django.db import IntegrityError, transaction
from django.forms.models import construct_instance
from django.http import QueryDict

from shop.models import Brand, Category, Colour, Material, Product

from . import listing
from .models import Email, Preference, SavedSearch, Subscription, Topic
from .notifications import Delivery, euros
from .owners import Owner

PAGE_SIZES = (12, 24, 48, 96)
# The listing's FilterSet parameters plus its page size; ``page`` is never part of a search.
SHOP_DEFAULT = "The shop’s default"
NAME_LENGTH = SavedSearch._meta.get_field("name").max_length
QUERY_LENGTH = SavedSearch._meta.get_field("query").max_length


class ErrorsDescribeFields:
    """Point each invalid control at its error message (``<auto id>-error``), after its help."""

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                field, auto_id = self.fields[name], self[name].auto_id
                ids = [f"{auto_id}_helptext"] if field.help_text else []
                field.widget.attrs["aria-describedby"] = " ".join([*ids, f"{auto_id}-error"])


def _choices_of(noun):
    return {
        "invalid_choice": f"%(value)s is not a {noun} the shop offers: pick one from the list.",
        "invalid_pk_value": f"“%(pk)s” is not a {noun} the shop offers: pick one from the list.",
    }


class PreferenceForm(ErrorsDescribeFields, forms.ModelForm):
    """A shopper's listing defaults. Every field may stay empty: the shop's default then."""

    sort = forms.ChoiceField(
        label="Sort order",
        required=False,
        error_messages={"invalid_choice": "Pick a sort order from the list."},
    )
    page_size = forms.TypedChoiceField(
        label="Products per page",
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": "Pick 12, 24, 48 or 96."},
    )
    colours = forms.ModelMultipleChoiceField(
        label="Preferred colours",
        queryset=Colour.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages=_choices_of("colour"),
    )
    materials = forms.ModelMultipleChoiceField(
        label="Preferred materials",
        queryset=Material.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages=_choices_of("material"),
    )
    audience = forms.ChoiceField(
        label="Shopping for",
        required=False,
        choices=[("", "Everyone"), *Product.Audience.choices],
        error_messages={"invalid_choice": "Pick who you shop for."},
    )
    price_max = forms.DecimalField(
        label="Price ceiling (€)",
        required=False,
        min_value=Decimal("0.01"),
        max_digits=10,
        decimal_places=2,
        help_text="Hide products that cost more.",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 8}),
        error_messages={
            "invalid": "Enter the price ceiling as a number, like 50 or 49.99.",
            "min_value": "Enter a price ceiling above zero.",
        },
    )
    in_stock_only = forms.BooleanField(label="Only products in stock", required=False)

    class Meta:
        model = Preference
        fields = [
            "sort",
            "page_size",
            "colours",
            "materials",
            "audience",
            "price_max",
            "in_stock_only",
        ]

    def __init__(self, *args, personalization_on=True, **kwargs):
        super().__init__(*args, **kwargs)
        sorts = [
            (value, label)
            for value, label in Preference.Sort.choices
            if personalization_on or value != Preference.Sort.RECOMMENDED
        ]
        self.fields["sort"].choices = [("", SHOP_DEFAULT), *sorts]
        self.fields["page_size"].choices = [
            ("", f"{SHOP_DEFAULT} ({settings.TAILOR_PAGE_SIZE})"),
            *((size, str(size)) for size in PAGE_SIZES),
        ]

    def save_for(self, owner: Owner) -> Preference:
        """Save as ``owner``'s preferences (a new row gets the owner).

        Two first saves of one owner at once both insert; the loser writes onto the winner's row.
        """
        if self.instance.pk is None:
            for name, value in owner.fields().items():
                setattr(self.instance, name, value)
        try:
            with transaction.atomic():
                return self.save()
        except IntegrityError:
            self.instance = construct_instance(self, Preference.objects.owned_by(owner).get())
            return self.save()


def _name_field(**kwargs):
    return forms.CharField(
        label="Name",
        max_length=NAME_LENGTH,
        **kwargs,
        error_messages={
            "required": "Give the search a name.",
            "max_length": f"Keep the name to {NAME_LENGTH} characters or fewer "
            "(it has %(show_value)d).",
        },
    )


def canonical_query(query: str) -> str:
    """``query`` as the listing writes it (``preferences.listing.canonical_query``), without
    ``page``: a saved search starts on its first page. A leading ``?`` is ignored; ``""`` means
    the whole catalogue."""
    given = QueryDict(query.removeprefix("?"))
    kept = QueryDict(mutable=True)
    for name in given:
        if name != "page":
            kept.setlist(name, [value for value in given.getlist(name) if value.strip()])
    return listing.canonical_query(kept)


class SavedSearchForm(ErrorsDescribeFields, forms.Form):
    """Name a listing's query to find it again; ``query`` is stored in canonical form."""

    name = _name_field(help_text="Up to 80 characters. A name you already use updates that search.")
    query = forms.CharField(
        required=False,
        strip=False,
        max_length=QUERY_LENGTH,
        widget=forms.HiddenInput,
        error_messages={
            "max_length": "That search is too long to save: remove a few filters and try again."
        },
    )

    def clean_query(self):
        query = canonical_query(self.cleaned_data["query"])
        if len(query) > QUERY_LENGTH:
            raise forms.ValidationError(
                "That search is too long to save: remove a few filters and try again."
            )
        return query


class RenameForm(ErrorsDescribeFields, forms.Form):
    """A new name for one saved search, unused by the owner's other searches."""

    name = _name_field()

    def __init__(self, *args, others, **kwargs):
        super().__init__(*args, **kwargs)
        self.others = others

    def clean_name(self):
        name = self.cleaned_data["name"]
        if self.others.filter(name=name).exists():
            raise forms.ValidationError(f"You already have a saved search called “{name}”.")
        return name


# --- Notifications ----------------------------------------------------------------------------


class FollowForm(forms.Form):
    """What to follow: a kind and its target's id (a price too, for "price below").

    ``target`` is looked up among what the shopper may follow — active products, brands,
    categories, their own saved searches; ``missing`` says when it is not there. The price must
    be above zero and at most today's price (unless ``check_price`` is off).
    """

    kind = forms.ChoiceField(
        choices=Subscription.Kind.choices,
        error_messages={
            "required": "Say what to follow.",
            "invalid_choice": "There is no such way to follow something: use one of the buttons.",
        },
    )
    target = forms.IntegerField(
        min_value=1,
        max_value=2**63 - 1,
        error_messages={
            "required": "Say what to follow.",
            "invalid": "Say what to follow.",
            "min_value": "Say what to follow.",
            "max_value": "Say what to follow.",
        },
    )
    price_below = forms.DecimalField(
        label="Tell me when it drops below (€)",
        required=False,
        min_value=Decimal("0.01"),
        max_digits=10,
        decimal_places=2,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 7}),
        error_messages={
            "invalid": "Enter the price as a number, like 40 or 39.99.",
            "min_value": "Enter a price above zero.",
            "max_digits": "That is more than any price here.",
            "max_whole_digits": "That is more than any price here.",
            "max_decimal_places": "Use at most two decimals.",
        },
    )

    def __init__(self, *args, user, check_price=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.check_price = check_price
        self.missing = False

    def clean(self):
        data = super().clean()
        kind, target = data.get("kind"), data.get("target")
        if kind is None or target is None:
            return data
        data["object"] = followable(kind, self.user).filter(pk=target).first()
        if data["object"] is None:
            self.missing = True
            raise forms.ValidationError(MISSING[Subscription.TARGETS[kind]])
        if (
            kind == Subscription.Kind.PRICE_BELOW
            and self.check_price
            and "price_below" not in self.errors
        ):
            self._check_threshold(data.get("price_below"), data["object"].price)
        return data

    def _check_threshold(self, threshold, price):
        if threshold is None:
            self.add_error("price_below", "Name the price to watch for.")
        elif threshold > price:
            self.add_error(
                "price_below", f"It costs {euros(price)} now: name a price at or below that."
            )


MISSING = {
    "product": "That product doesn’t exist or isn’t for sale any more.",
    "brand": "That brand doesn’t exist.",
    "category": "That category doesn’t exist.",
    "search": "You have no such saved search.",
}


def followable(kind: str, user):
    target = Subscription.TARGETS[kind]
    if target == "product":
        return Product.objects.active()
    if target == "search":
        return (
            SavedSearch.objects.filter(user_id=user.pk)
            if user.is_authenticated
            else SavedSearch.objects.none()
        )
    return {"brand": Brand, "category": Category}[target].objects.all()


def _switch(label, message):
    return forms.TypedChoiceField(
        label=label,
        choices=[("on", "On"), ("off", "Off")],
        coerce=lambda value: value == "on",
        error_messages={"required": message, "invalid_choice": message},
    )


class SwitchForm(forms.Form):
    active = _switch("On", "Say on or off.")


class PauseForm(forms.Form):
    paused = _switch("Pause all notifications", "Say on or off.")


class DeliveryForm(ErrorsDescribeFields, forms.Form):
    """How the shopper hears about each topic: ``<topic>_inbox`` and ``<topic>_email``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for topic, label in Topic.choices:
            self.fields[f"{topic}_inbox"] = forms.BooleanField(
                label=f"{label}: in your inbox", required=False
            )
            self.fields[f"{topic}_email"] = forms.ChoiceField(
                label=f"{label}: by e-mail",
                choices=Email.choices,
                error_messages={
                    "required": "Choose no e-mail, at once or a daily digest.",
                    "invalid_choice": "Choose no e-mail, at once or a daily digest.",
                },
            )

    def rows(self):
        """(topic label, inbox field, e-mail field) per topic, for the template."""
        return [
            (label, self[f"{topic}_inbox"], self[f"{topic}_email"])
            for topic, label in Topic.choices
        ]

    def choices(self) -> dict[str, Delivery]:
        return {
            topic: Delivery(
                self.cleaned_data[f"{topic}_inbox"], self.cleaned_data[f"{topic}_email"]
            )
            for topic in Topic.values
        }

    @staticmethod
    def initial_from(deliveries: dict[str, Delivery]) -> dict:
        return {
            f"{topic}_{part}": getattr(delivery, part)
            for topic, delivery in deliveries.items()
            for part in ("inbox", "email")
        }
