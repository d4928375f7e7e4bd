"""shop.importing.attributes: titles, colours, materials and categories from product names."""

import pytest

from shop.importing import attributes


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("WHITE HANGING HEART T-LIGHT HOLDER", "White Hanging Heart T-Light Holder"),
        ("SET OF 3 CAKE TINS PANTRY DESIGN ", "Set of 3 Cake Tins Pantry Design"),
        ("CHILDREN'S  APRON DOLLY GIRL", "Children's Apron Dolly Girl"),
        ("OF MICE AND MEN", "Of Mice and Men"),
        ("SET/6 RED SPOTTY PAPER PLATES", "Set/6 Red Spotty Paper Plates"),
    ],
)
def test_titles_are_tidied_to_title_case(name, title):
    assert attributes.title(name) == title


@pytest.mark.parametrize(
    ("name", "colour", "material"),
    [
        ("RED WOOLLY HOTTIE WHITE HEART.", "red", "other"),
        ("PINK CHERRY LIGHTS", "pink", "other"),
        ("WOODEN PICTURE FRAME WHITE FINISH", "white", "wood"),
        ("GLASS STAR FROSTED T-LIGHT HOLDER", "other", "glass"),
        ("SMALL CERAMIC TOP STORAGE JAR", "other", "ceramic"),
        ("ENAMEL FLOWER JUG CREAM", "beige", "enamel"),
        ("ZINC WILLIE WINKIE  CANDLE STICK", "other", "metal"),
        ("ASSORTED COLOUR BIRD ORNAMENT", "other", "other"),
    ],
)
def test_colour_and_material_come_from_the_first_word_that_names_one(name, colour, material):
    assert (attributes.colour(name), attributes.material(name)) == (colour, material)


@pytest.mark.parametrize(
    ("name", "category"),
    [
        ("WHITE HANGING HEART T-LIGHT HOLDER", "candles"),
        ("WHITE METAL LANTERN", "lamps"),
        ("RED RETROSPOT MUG", "mugs"),
        ("SET OF 3 CAKE TINS PANTRY DESIGN", "kitchen"),
        ("CREAM CUPID HEARTS COAT HANGER", "home"),
        ("SPACEBOY BIRTHDAY CARD", "other"),
        ("DON'T PANIC TEA TOWEL", "other"),
    ],
)
def test_categories_come_from_the_first_rule_with_a_word_in_the_name(name, category):
    assert attributes.category(name) == category


def test_a_given_value_counts_only_when_it_names_a_known_slug():
    known = {"red", "stainless-steel"}
    assert attributes.given("Red", known) == "red"
    assert attributes.given("Stainless Steel", known) == "stainless-steel"
    assert attributes.given("Crimson", known) == ""
