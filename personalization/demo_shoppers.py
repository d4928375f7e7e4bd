"""Demo shoppers and guests: who they are, where they live and what they like. Pure, no queries.

Countries differ in weight, in the departments and colours their shoppers favour, in names and in
address format, so what sells differs from one country to the next.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from itertools import accumulate

from django.utils.text import slugify

from shop.demo import CATEGORIES, DEPARTMENTS, weighted

# code: (share of shoppers, favoured departments, favoured colours)
COUNTRIES = {
    "GB": (22, "home*5 kitchen*4 camping*3", "navy*6 green*5 grey*3 white*3"),
    "US": (20, "sports*5 photography*5 footwear*3", "black*4 blue*6 red*5 white*3"),
    "DE": (16, "camping*6 footwear*4 photography*3", "black*6 grey*5 olive*4 navy*3"),
    "FR": (14, "women*6 kitchen*4 home*3", "navy*6 black*4 white*4 beige*4"),
    "ES": (8, "footwear*5 women*4 kids*4", "red*6 orange*5 yellow*4 white*3"),
    "IT": (8, "men*6 kitchen*5 women*3", "black*4 brown*6 beige*4 green*3"),
    "NL": (6, "sports*6 home*3 kids*4", "orange*8 blue*4 teal*4"),
    "SE": (6, "home*6 camping*4 kids*3", "white*6 grey*5 beige*4 teal*3"),
}
# Women's names first, then men's, five each.
FIRST_NAMES = {
    "GB": "Olivia Amelia Isla Emily Grace Oliver George Harry Jack Thomas",
    "US": "Emma Ava Mia Harper Abigail Liam Noah Ethan Mason Logan",
    "DE": "Hannah Sophia Lena Lea Marie Paul Leon Lukas Felix Jonas",
    "FR": "Louise Jade Chloé Léa Camille Gabriel Louis Hugo Jules Arthur",
    "ES": "Lucía Sofía Martina María Paula Martín Mateo Daniel Pablo Álvaro",
    "IT": "Giulia Aurora Alice Ginevra Chiara Leonardo Francesco Lorenzo Mattia Tommaso",
    "NL": "Julia Tess Sophie Zoë Sara Sem Finn Daan Levi Bram",
    "SE": "Maja Elsa Astrid Wilma Freja William Oscar Elias Axel Viktor",
}
LAST_NAMES = {
    "GB": "Smith|Jones|Taylor|Brown|Wilson|Evans|Walker|Wright|Hughes|Clarke",
    "US": "Johnson|Miller|Davis|Garcia|Rodriguez|Martinez|Anderson|Moore|Jackson|Lee",
    "DE": "Müller|Schmidt|Schneider|Fischer|Weber|Meyer|Wagner|Becker|Hoffmann|Koch",
    "FR": "Martin|Bernard|Dubois|Thomas|Robert|Richard|Petit|Durand|Leroy|Moreau",
    "ES": "García|Fernández|González|Rodríguez|López|Martínez|Sánchez|Pérez|Gómez|Ruiz",
    "IT": "Rossi|Russo|Ferrari|Esposito|Bianchi|Romano|Colombo|Ricci|Marino|Greco",
    "NL": "de Jong|Jansen|de Vries|van den Berg|Bakker|Visser|Smit|Meijer|de Boer|Mulder",
    "SE": "Andersson|Johansson|Karlsson|Nilsson|Eriksson|Larsson|Olsson|Persson|Svensson|Berg",
}
# code: (address format, postcode pattern with 9 for a digit and A for a letter, streets, cities)
ADDRESSES = {
    "GB": (
        "{n} {street}\n{city}\n{postcode}",
        "A9 9AA",
        "High Street|Station Road|Church Lane|Victoria Road",
        "London|Bristol|Leeds|York",
    ),
    "US": (
        "{n} {street}\n{city} {postcode}",
        "99999",
        "Main Street|Oak Avenue|Maple Drive|Park Avenue",
        "Chicago|Austin|Seattle|Boston",
    ),
    "DE": (
        "{street} {n}\n{postcode} {city}",
        "99999",
        "Hauptstraße|Bahnhofstraße|Gartenstraße|Lindenweg",
        "Berlin|Hamburg|München|Köln",
    ),
    "FR": (
        "{n} {street}\n{postcode} {city}",
        "99999",
        "rue de la Paix|avenue Victor Hugo|rue du Moulin|boulevard Voltaire",
        "Paris|Lyon|Nantes|Bordeaux",
    ),
    "ES": (
        "{street} {n}\n{postcode} {city}",
        "99999",
        "Calle Mayor|Calle Real|Calle del Sol|Paseo del Prado",
        "Madrid|Valencia|Sevilla|Bilbao",
    ),
    "IT": (
        "{street} {n}\n{postcode} {city}",
        "99999",
        "Via Roma|Via Garibaldi|Corso Italia|Via Dante",
        "Roma|Milano|Torino|Bologna",
    ),
    "NL": (
        "{street} {n}\n{postcode} {city}",
        "9999 AA",
        "Kerkstraat|Dorpsstraat|Molenweg|Stationsweg",
        "Amsterdam|Utrecht|Rotterdam|Delft",
    ),
    "SE": (
        "{street} {n}\n{postcode} {city}",
        "999 99",
        "Storgatan|Drottninggatan|Kungsgatan|Skolgatan",
        "Stockholm|Göteborg|Malmö|Uppsala",
    ),
}
COLOURS = list(dict.fromkeys(c for spec in CATEGORIES.values() for c in weighted(spec[4])[0]))
AUDIENCE_BOOST = {"women": {"women": 3.0, "men": 0.2}, "men": {"men": 3.0, "women": 0.2}}

Weights = tuple[list[str], list[float]]


@dataclass(frozen=True, slots=True)
class Taste:
    """Stable preferences; ``price_level`` is 0 for a category's cheapest, 1 for its dearest."""

    colours: tuple[str, ...]
    materials: tuple[str, ...]
    departments: tuple[str, ...]
    price_level: float
    audience: str


@dataclass(frozen=True, slots=True)
class DemoShopper:
    """A registered shopper; ``activity`` scales their number of visits (mean 1)."""

    index: int
    username: str
    first_name: str
    last_name: str
    email: str
    country: str
    address: str
    taste: Taste
    activity: float
    joined_at: datetime
    guest = False

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass(frozen=True, slots=True)
class Guest:
    """An anonymous visitor; they give a name and address only if they order."""

    country: str
    taste: Taste
    index = None
    activity = 0.0
    guest = True


def shoppers(rng, count: int, since: datetime) -> list[DemoShopper]:
    """``count`` shoppers, ``shopper0001`` on, who all joined before ``since``."""
    return [shopper(rng, index, country(rng), since) for index in range(count)]


def guests(rng, count: int) -> list[Guest]:
    return [
        Guest(code, taste(rng, code, rng.choice(["women", "men"])))
        for code in (country(rng) for _ in range(count))
    ]


def country(rng) -> str:
    names, cum_weights = country_weights()
    return rng.choices(names, cum_weights=cum_weights)[0]


def shopper(rng, index: int, code: str, since: datetime) -> DemoShopper:
    first, last, audience = person(rng, code)
    return DemoShopper(
        index=index,
        username=f"shopper{index + 1:04d}",
        first_name=first,
        last_name=last,
        email=f"{slugify(first)}.{slugify(last)}.{index + 1}@example.com",
        country=code,
        address=address(rng, code),
        taste=taste(rng, code, audience),
        activity=rng.gammavariate(1.5, 1 / 1.5),
        joined_at=since - timedelta(seconds=rng.randrange(600 * 86400)),
    )


def person(rng, code: str) -> tuple[str, str, str]:
    """A first name, a last name, and whose clothes they mostly look at (women or men)."""
    names = FIRST_NAMES[code].split()
    position = rng.randrange(len(names))
    audience = "women" if position < len(names) // 2 else "men"
    return names[position], rng.choice(LAST_NAMES[code].split("|")), audience


def identity(rng, visitor) -> tuple[str, str, str]:
    """The full name, e-mail and address an order is placed under; made up for guests."""
    if not visitor.guest:
        return visitor.full_name, visitor.email, visitor.address
    first, last, _ = person(rng, visitor.country)
    email = f"{slugify(first)}.{slugify(last)}{rng.randrange(10, 100)}@example.net"
    return f"{first} {last}", email, address(rng, visitor.country)


def address(rng, code: str) -> str:
    layout, pattern, streets, cities = ADDRESSES[code]
    postcode = "".join(
        str(rng.randrange(10)) if c == "9" else chr(65 + rng.randrange(26)) if c == "A" else c
        for c in pattern
    )
    return layout.format(
        n=rng.randint(1, 180),
        street=rng.choice(streets.split("|")),
        city=rng.choice(cities.split("|")),
        postcode=postcode,
    )


def taste(rng, code: str, audience: str) -> Taste:
    """Two or three colours and one to three departments, drawn with the country's bias."""
    departments = distinct(rng, department_weights(code, audience), rng.randint(1, 3))
    return Taste(
        colours=distinct(rng, colour_weights(code), rng.randint(2, 3)),
        materials=distinct(rng, material_weights(departments), rng.randint(1, 2)),
        departments=departments,
        price_level=rng.betavariate(2, 2),
        audience=audience,
    )


def distinct(rng, weights: Weights, count: int) -> tuple[str, ...]:
    """Up to ``count`` different names drawn by weight, in the order drawn."""
    names, cum_weights = weights
    chosen = []
    for _ in range(count * 10):
        name = rng.choices(names, cum_weights=cum_weights)[0]
        if name not in chosen:
            chosen.append(name)
        if len(chosen) == count:
            break
    return tuple(chosen)


def cumulative(weights: dict[str, float]) -> Weights:
    return list(weights), list(accumulate(weights.values()))


@cache
def country_weights() -> Weights:
    return cumulative({code: row[0] for code, row in COUNTRIES.items()})


@cache
def department_weights(code: str, audience: str) -> Weights:
    """Weight 1 per department, times the country's factor (``"home*3"``) and the audience's."""
    factors = dict(zip(*weighted(COUNTRIES[code][1]), strict=True))
    return cumulative(
        {
            department: factors.get(department, 1) * AUDIENCE_BOOST[audience].get(department, 1)
            for department in DEPARTMENTS
        }
    )


@cache
def colour_weights(code: str) -> Weights:
    factors = dict(zip(*weighted(COUNTRIES[code][2]), strict=True))
    return cumulative({colour: factors.get(colour, 1) for colour in COLOURS})


@cache
def material_weights(departments: tuple[str, ...]) -> Weights:
    """How often each material occurs in the departments' categories."""
    weights: dict[str, float] = {}
    for department, _, _, materials, *_ in CATEGORIES.values():
        if department in departments:
            for material, weight in zip(*weighted(materials), strict=True):
                weights[material] = weights.get(material, 0) + weight
    return cumulative(weights)
