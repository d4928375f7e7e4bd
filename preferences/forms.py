"""What a shopper tells the shop: listing preferences, and names for saved searches."""

from decimal import Decimal

from django import forms
from django.conf import settings
from django.db import IntegrityError, transaction
from django.forms.models import construct_instance
from django.http import QueryDict

from shop.models import Colour, Material, Product

from . import listing
from .models import Preference, SavedSearch
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

    sort = forms.ChoiceField(label="Sort order", required=False, error_messages={
        "invalid_choice": "Pick a sort order from the list."})
    page_size = forms.TypedChoiceField(label="Products per page", required=False, coerce=int,
                                       empty_value=None, error_messages={
                                           "invalid_choice": "Pick 12, 24, 48 or 96."})
    colours = forms.ModelMultipleChoiceField(
        label="Preferred colours", queryset=Colour.objects.all(), required=False,
        widget=forms.CheckboxSelectMultiple, error_messages=_choices_of("colour"))
    materials = forms.ModelMultipleChoiceField(
        label="Preferred materials", queryset=Material.objects.all(), required=False,
        widget=forms.CheckboxSelectMultiple, error_messages=_choices_of("material"))
    audience = forms.ChoiceField(label="Shopping for", required=False,
                                 choices=[("", "Everyone"), *Product.Audience.choices],
                                 error_messages={"invalid_choice": "Pick who you shop for."})
    price_max = forms.DecimalField(
        label="Price ceiling (€)", required=False, min_value=Decimal("0.01"), max_digits=10,
        decimal_places=2, help_text="Hide products that cost more.",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 8}),
        error_messages={"invalid": "Enter the price ceiling as a number, like 50 or 49.99.",
                        "min_value": "Enter a price ceiling above zero."})
    in_stock_only = forms.BooleanField(label="Only products in stock", required=False)

    class Meta:
        model = Preference
        fields = ["sort", "page_size", "colours", "materials", "audience", "price_max",
                  "in_stock_only"]

    def __init__(self, *args, personalization_on=True, **kwargs):
        super().__init__(*args, **kwargs)
        sorts = [(value, label) for value, label in Preference.Sort.choices
                 if personalization_on or value != Preference.Sort.RECOMMENDED]
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
    return forms.CharField(label="Name", max_length=NAME_LENGTH, **kwargs, error_messages={
        "required": "Give the search a name.",
        "max_length": f"Keep the name to {NAME_LENGTH} characters or fewer "
                      "(it has %(show_value)d).",
    })


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
    query = forms.CharField(required=False, strip=False, max_length=QUERY_LENGTH,
                            widget=forms.HiddenInput, error_messages={
                                "max_length": "That search is too long to save: "
                                              "remove a few filters and try again."})

    def clean_query(self):
        query = canonical_query(self.cleaned_data["query"])
        if len(query) > QUERY_LENGTH:
            raise forms.ValidationError("That search is too long to save: remove a few filters "
                                        "and try again.")
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
