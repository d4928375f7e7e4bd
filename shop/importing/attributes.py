"""What a product's name says about it: a tidy title, its colour, material and category.

Pure functions over text. Colours, materials and categories are the shop's reference data
(``fixtures/``) by slug; ``OTHER`` (from ``fixtures/imported.json``) is what a name that says
nothing recognisable gets.
"""

import re

from django.utils.text import slugify

OTHER = "other"

# Words (upper case) that name one of the shop's colours. The first such word in a name wins:
# "RED WHITE SPOTTY" is red.
COLOUR_WORDS = {
    "BLACK": "black",
    "WHITE": "white",
    "IVORY": "beige",
    "CREAM": "beige",
    "BEIGE": "beige",
    "NATURAL": "beige",
    "GREY": "grey",
    "GRAY": "grey",
    "SILVER": "grey",
    "NAVY": "navy",
    "BLUE": "blue",
    "RED": "red",
    "PINK": "pink",
    "ORANGE": "orange",
    "YELLOW": "yellow",
    "GOLD": "yellow",
    "GREEN": "green",
    "OLIVE": "olive",
    "BROWN": "brown",
    "PURPLE": "purple",
    "LILAC": "purple",
    "VIOLET": "purple",
    "TEAL": "teal",
    "TURQUOISE": "teal",
}
MATERIAL_WORDS = {
    "WOODEN": "wood",
    "WOOD": "wood",
    "GLASS": "glass",
    "CERAMIC": "ceramic",
    "PORCELAIN": "ceramic",
    "ENAMEL": "enamel",
    "PAPER": "paper",
    "CARDBOARD": "paper",
    "COTTON": "cotton",
    "WOOL": "wool",
    "FELT": "wool",
    "LINEN": "linen",
    "LEATHER": "leather",
    "SILK": "silk",
    "BAMBOO": "bamboo",
    "PLASTIC": "plastic",
    "ACRYLIC": "plastic",
    "RUBBER": "rubber",
    "ZINC": "metal",
    "METAL": "metal",
    "TIN": "metal",
    "IRON": "metal",
    "WIRE": "metal",
    "STEEL": "stainless-steel",
    "ALUMINIUM": "aluminium",
}
# The small keyword map for categories, checked in this order: the first rule with a word in
# the name wins ("CANDLE" before "LIGHT": a T-light holder is a candle thing, not a lamp).
CATEGORY_RULES = [
    ("candles", "CANDLE CANDLES CANDLEHOLDER TLIGHT TLIGHTS TEALIGHT INCENSE"),
    ("mugs", "MUG MUGS CUP CUPS TEACUP SAUCER"),
    ("cushions", "CUSHION CUSHIONS"),
    ("lamps", "LAMP LAMPS LAMPSHADE LIGHTS LANTERN"),
    ("rugs", "RUG RUGS"),
    ("bedding", "QUILT BLANKET THROW PILLOWCASE DUVET"),
    ("pans", "PAN PANS SKILLET"),
    ("backpacks", "BACKPACK RUCKSACK"),
    ("toys", "TOY TOYS GAME GAMES JIGSAW PUZZLE DOLL DOLLY DOLLS MARBLES SOLDIER SKITTLES"),
    ("books-for-kids", "COLOURING STORYBOOK"),
    (
        "kitchen",
        "KITCHEN BAKING CAKE CAKES CAKESTAND TEAPOT BOWL BOWLS PLATE PLATES DISH JUG "
        "JAR JARS LUNCH TRAY CUTLERY SPOON SPOONS APRON NAPKINS PANTRY COASTER",
    ),
    (
        "home",
        "FRAME CLOCK DOORMAT MIRROR SIGN DECORATION GARLAND WREATH BUNTING VASE HOOK "
        "HOOKS HANGER DRAWER CABINET SHELF STORAGE BASKET DOORSTOP ORNAMENT",
    ),
]
CATEGORY_WORDS = {word: slug for slug, words in reversed(CATEGORY_RULES) for word in words.split()}
CATEGORY_RANK = {slug: rank for rank, (slug, _) in enumerate(CATEGORY_RULES)}
# Kept lower case inside a title: "Set of 3 Cake Tins".
SMALL_WORDS = {"A", "AN", "AND", "OF", "IN", "ON", "WITH", "THE", "FOR", "TO", "OR"}


def words(name: str) -> list[str]:
    """The name's words in upper case, split at anything not a letter ("WALL-CLOCK" → WALL,
    CLOCK); "T-LIGHT" and "T LIGHT" are one word, TLIGHT."""
    return re.findall(r"[A-Z]+", re.sub(r"\bT[- ]?LIGHT", "TLIGHT", name.upper()))


def colour(name: str) -> str:
    """The colour slug the name's first colour word names; ``OTHER`` when none does."""
    return next((COLOUR_WORDS[word] for word in words(name) if word in COLOUR_WORDS), OTHER)


def material(name: str) -> str:
    """The material slug the name's first material word names; ``OTHER`` when none does."""
    return next((MATERIAL_WORDS[word] for word in words(name) if word in MATERIAL_WORDS), OTHER)


def category(name: str) -> str:
    """The category slug of the earliest ``CATEGORY_RULES`` rule the name has a word of."""
    found = {CATEGORY_WORDS[word] for word in words(name) if word in CATEGORY_WORDS}
    return min(found, key=CATEGORY_RANK.__getitem__) if found else OTHER


def given(value: str, known: set[str]) -> str:
    """A value a file gives ("Red", "red", "stainless steel") as a known slug, or ""."""
    slug = slugify(value)
    return slug if slug in known else ""


def title(name: str) -> str:
    """An upper-case name tidied to title case: "SET OF 3 CAKE TINS PANTRY DESIGN " →
    "Set of 3 Cake Tins Pantry Design"; "CHILDREN'S" → "Children's". Spaces are collapsed."""
    tidy = " ".join(name.split())
    first = True

    def cased(match: re.Match) -> str:
        nonlocal first
        word, was_first, first = match.group(), first, False
        if match.start() and tidy[match.start() - 1] == "'":
            return word.lower()
        if not was_first and word.upper() in SMALL_WORDS:
            return word.lower()
        return word[0].upper() + word[1:].lower()

    return re.sub(r"[A-Za-z]+", cased, tidy)
