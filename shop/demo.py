"""The demo catalog: about forty brands tied to departments and a believable product range.

Pure part, no database: ``catalog(rng, count, until)`` returns ``DemoBrand`` and ``DemoProduct``
rows. Products refer to categories, colours and materials by slug, to brands by slug and to each
other by ``index`` (their position in the list), so a benchmark can use them without a database.

Database part: ``delete_demo_catalog()`` and ``write_catalog(...)``; ``insert_rows`` and
``reset_sequences`` are shared with ``personalization.demo``.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.core.management.color import no_style
from django.db import connection
from django.db.models import Max
from django.utils.text import slugify

from shop.models import Brand, Category, Colour, Material, Product

SKU_PREFIX = "TD-"
CREATED_SPAN_DAYS = 180
SALE_SHARE = 0.2
SOLD_OUT_SHARE = 0.05

DEPARTMENTS = {
    "camping": (
        "Trailhead|Northwind|Cairn & Co|Fjellpeak|Basecamp Supply",
        "Ridge|Summit|Alpine|Pioneer|Cirrus|Kestrel|Tundra|Meadow",
    ),
    "photography": (
        "Lumora|Focale|Brightfield|Pinhole Works",
        "Vista|Prism|Focal|Optic|Aurora|Halo|Nova",
    ),
    "women": (
        "Maison Clair|Juniper & Rose|Atelier Nord|Sable|Verano",
        "Riviera|Sienna|Camille|Linden|Marigold|Elsa|Odette",
    ),
    "men": (
        "Hartley & Sons|Oxbridge Supply|Ironside|Marlowe",
        "Camden|Harbour|Fenwick|Arlo|Weston|Ashby|Sutton",
    ),
    "footwear": (
        "Stridewell|Glide Athletic|Kestrel Run|Soleil|Woolpath",
        "Tempo|Stride|Drift|Trek|Pace|Glide|Ember",
    ),
    "home": (
        "Hearthstone|Linnea Home|Willow & Wren|Lumen Lane|Oslo Living",
        "Nordic|Haven|Willow|Dune|Fjord|Solace|Amber",
    ),
    "kitchen": (
        "Copperpot|Forge & Flame|Bistro Lane|Maison Cuisine|Roastery Row",
        "Bistro|Artisan|Provence|Heritage|Barista|Origin|Tuscan",
    ),
    "sports": ("Pulse Athletics|Flowform|Hydra|Courtline", "Pulse|Flow|Sprint|Core|Apex|Rally|Zen"),
    "kids": (
        "Little Puffin|Pip & Pop|Storybarn|Tinkertoy",
        "Sunny|Pip|Puffin|Bramble|Pebble|Clover|Rocket",
    ),
}

# slug: (department, nouns, suffixes, materials*weight, colours*weight, lowest, highest price).
# A noun may pin its material: "Denim Jacket=denim".
CATEGORIES = {
    "tents": (
        "camping",
        "Tent|Dome Tent|Tunnel Tent",
        "1|2|3|4",
        "nylon*3 polyester*2",
        "green*3 olive*2 orange grey yellow",
        79,
        649,
    ),
    "sleeping-bags": (
        "camping",
        "Sleeping Bag|Down Sleeping Bag=nylon",
        "-5|0|+5|+10",
        "polyester*3 nylon*2",
        "navy*2 green orange red blue black",
        39,
        329,
    ),
    "camping-stoves": (
        "camping",
        "Camp Stove|Gas Stove|Stove System",
        "",
        "stainless-steel*2 aluminium*2",
        "black grey orange red",
        29,
        179,
    ),
    "backpacks": (
        "camping",
        "Backpack|Daypack|Trekking Pack",
        "22|35|45|65",
        "nylon*3 polyester*2",
        "black*2 grey navy green olive orange teal",
        39,
        269,
    ),
    "headlamps": (
        "camping",
        "Headlamp",
        "200|350|500",
        "plastic*2 aluminium",
        "black*2 orange yellow blue red",
        14,
        89,
    ),
    "cameras": (
        "photography",
        "Mirrorless Camera|Compact Camera|Film Camera",
        "",
        "electronics*4 aluminium",
        "black*4 grey white",
        299,
        2499,
    ),
    "lenses": (
        "photography",
        "35mm f/1.8 Lens|50mm f/1.4 Lens|24-70mm Zoom Lens",
        "",
        "glass*3 aluminium",
        "black*5 grey",
        149,
        1599,
    ),
    "memory-cards": (
        "photography",
        "SD Card|microSD Card",
        "64GB|128GB|256GB",
        "electronics*3 plastic",
        "black*3 blue red grey",
        9,
        119,
    ),
    "tripods": (
        "photography",
        "Tripod|Travel Tripod|Tabletop Tripod",
        "",
        "aluminium*3 plastic",
        "black*4 grey",
        29,
        349,
    ),
    "camera-bags": (
        "photography",
        "Camera Bag|Camera Sling|Camera Backpack",
        "",
        "nylon*2 polyester leather",
        "black*3 grey brown navy olive",
        39,
        229,
    ),
    "dresses": (
        "women",
        "Wrap Dress|Midi Dress|Shirt Dress=cotton|Slip Dress=silk",
        "",
        "cotton*3 linen*2 silk polyester",
        "black*2 navy red pink green beige white yellow blue purple",
        39,
        249,
    ),
    "womens-tops": (
        "women",
        "Blouse|Tee=cotton|Camisole|Knit Top=wool",
        "",
        "cotton*3 silk linen wool",
        "white*2 black*2 pink beige navy red teal",
        19,
        129,
    ),
    "womens-jackets": (
        "women",
        "Trench Coat=cotton|Denim Jacket=denim|Puffer Jacket=polyester|Blazer",
        "",
        "wool*2 leather",
        "black*2 beige navy olive brown",
        69,
        399,
    ),
    "skirts": (
        "women",
        "Pleated Skirt|Midi Skirt|Denim Skirt=denim|Wrap Skirt",
        "",
        "cotton*2 linen denim wool silk",
        "black*2 navy beige green red blue",
        29,
        149,
    ),
    "shirts": (
        "men",
        "Oxford Shirt=cotton|Linen Shirt=linen|Flannel Shirt=cotton|Poplin Shirt",
        "",
        "cotton*3 linen",
        "white*3 blue*2 navy grey green red",
        29,
        139,
    ),
    "t-shirts": (
        "men",
        "Crew Tee|Pocket Tee|V-neck Tee|Henley",
        "",
        "cotton*4 linen",
        "white*2 black*2 grey navy olive red blue",
        12,
        49,
    ),
    "mens-jackets": (
        "men",
        "Field Jacket|Bomber Jacket|Overcoat=wool|Denim Jacket=denim",
        "",
        "wool*2 cotton nylon denim leather",
        "navy*2 black olive brown grey",
        79,
        449,
    ),
    "jeans": (
        "men",
        "Slim Jeans|Straight Jeans|Relaxed Jeans",
        "",
        "denim",
        "blue*4 navy*2 black grey",
        39,
        169,
    ),
    "running-shoes": (
        "footwear",
        "Running Shoe|Trail Running Shoe|Racing Flat",
        "",
        "polyester*2 nylon rubber",
        "black*2 white*2 blue red orange pink teal",
        59,
        199,
    ),
    "hiking-boots": (
        "footwear",
        "Hiking Boot|Mid Hiking Boot|Approach Shoe",
        "",
        "leather*2 nylon rubber",
        "brown*3 black grey olive",
        89,
        279,
    ),
    "sandals": (
        "footwear",
        "Sandal|Slide=rubber|Trail Sandal",
        "",
        "leather*2 rubber",
        "brown*2 black beige white",
        19,
        129,
    ),
    "socks": (
        "footwear",
        "Running Socks|Hiking Socks=wool|Everyday Socks",
        "2-pack|3-pack",
        "cotton*2 wool*2 nylon",
        "black*2 white grey navy",
        7,
        29,
    ),
    "bedding": (
        "home",
        "Duvet Cover Set|Sheet Set|Pillowcase Pair",
        "Single|Double|King",
        "cotton*3 linen*2 silk",
        "white*3 beige*2 grey navy pink green",
        29,
        249,
    ),
    "cushions": (
        "home",
        "Cushion|Cushion Cover|Floor Cushion",
        "",
        "cotton*2 linen wool polyester",
        "beige*2 grey green teal yellow pink navy",
        14,
        79,
    ),
    "lamps": (
        "home",
        "Table Lamp|Floor Lamp|Desk Lamp|Pendant Lamp",
        "",
        "ceramic glass wood aluminium paper",
        "white*2 black beige brown grey",
        29,
        299,
    ),
    "rugs": (
        "home",
        "Rug|Runner Rug|Round Rug",
        "120x170|160x230|200x300",
        "wool*3 cotton bamboo",
        "beige*2 grey*2 navy brown green",
        49,
        599,
    ),
    "candles": (
        "home",
        "Scented Candle|Jar Candle=glass|Travel Candle",
        "",
        "glass*2 ceramic paper",
        "white*2 beige brown green purple",
        9,
        49,
    ),
    "pans": (
        "kitchen",
        "Frying Pan|Skillet=cast-iron|Saucepan|Wok",
        "20cm|24cm|28cm",
        "cast-iron*2 stainless-steel*2 aluminium",
        "black*3 grey*2 red teal",
        24,
        199,
    ),
    "knives": (
        "kitchen",
        "Chef's Knife|Santoku|Paring Knife|Bread Knife",
        "",
        "stainless-steel",
        "grey*2 black*2 brown",
        19,
        249,
    ),
    "mugs": (
        "kitchen",
        "Mug|Travel Mug=stainless-steel|Espresso Cup Pair=ceramic",
        "",
        "ceramic*4 enamel*2 glass stainless-steel",
        "white*3 black blue green yellow red teal",
        7,
        34,
    ),
    "coffee-makers": (
        "kitchen",
        "French Press=glass|Pour-over Set|Moka Pot=aluminium|Espresso Machine=electronics",
        "",
        "ceramic glass stainless-steel",
        "black*3 grey white red",
        24,
        449,
    ),
    "coffee": (
        "kitchen",
        "Espresso Beans|Filter Coffee|Decaf Beans",
        "250g|500g|1kg",
        "paper",
        "brown*4 black",
        7,
        39,
    ),
    "yoga-mats": (
        "sports",
        "Yoga Mat|Travel Yoga Mat",
        "4mm|6mm",
        "rubber*3 plastic",
        "purple*2 teal*2 pink blue green grey black",
        19,
        119,
    ),
    "water-bottles": (
        "sports",
        "Water Bottle|Insulated Bottle",
        "500ml|750ml|1L",
        "stainless-steel*3 plastic*2 glass aluminium",
        "black*2 white blue teal green pink orange",
        9,
        44,
    ),
    "fitness-trackers": (
        "sports",
        "Fitness Tracker|GPS Watch|Smart Band",
        "",
        "electronics*3 plastic rubber",
        "black*3 grey pink blue white",
        39,
        399,
    ),
    "balls": (
        "sports",
        "Football|Basketball=rubber|Volleyball|Tennis Balls=rubber",
        "",
        "rubber*3 leather",
        "white*2 orange*2 yellow black",
        9,
        59,
    ),
    "toys": (
        "kids",
        "Building Blocks|Wooden Train=wood|Plush Bear=cotton|Jigsaw Puzzle=paper",
        "",
        "wood*2 plastic*2",
        "red blue yellow green orange pink",
        9,
        79,
    ),
    "kids-clothing": (
        "kids",
        "Hoodie|Raincoat=polyester|Dungarees|Pyjamas=cotton",
        "",
        "cotton*3 polyester wool",
        "blue red yellow green pink navy grey",
        9,
        59,
    ),
    "books-for-kids": (
        "kids",
        "Picture Book|Story Book|Activity Book",
        "",
        "paper",
        "yellow blue red green orange purple",
        5,
        24,
    ),
}
FOOTWEAR_AUDIENCES = {"women": 4, "men": 4, "unisex": 2, "kids": 1}


@dataclass(frozen=True, slots=True)
class DemoBrand:
    name: str
    slug: str
    department: str


@dataclass(frozen=True, slots=True)
class DemoProduct:
    """One generated product; ``index`` is its position in the catalog list."""

    index: int
    sku: str
    slug: str
    name: str
    description: str
    brand: str
    category: str
    department: str
    colour: str
    material: str
    audience: str
    price: Decimal
    compare_at_price: Decimal | None
    stock: int
    created_at: datetime


def weighted(spec: str) -> tuple[list[str], list[int]]:
    """``"nylon*3 polyester"`` → ``(["nylon", "polyester"], [3, 1])``, in the order given."""
    pairs = [(word.partition("*")[0], int(word.partition("*")[2] or 1)) for word in spec.split()]
    return [slug for slug, _ in pairs], [weight for _, weight in pairs]


def brands() -> list[DemoBrand]:
    """Every demo brand, department by department in table order."""
    return [
        DemoBrand(name, slugify(name), department)
        for department, (names, _) in DEPARTMENTS.items()
        for name in names.split("|")
    ]


def catalog(rng, count: int, until: datetime) -> tuple[list[DemoBrand], list[DemoProduct]]:
    """The brands and ``count`` products, drawn from ``rng`` alone.

    Products are listed by ``index``; each category gets at least one product when ``count``
    allows, and ``created_at`` falls in the ``CREATED_SPAN_DAYS`` before ``until``.
    """
    demo_brands = brands()
    by_department: dict[str, list[DemoBrand]] = {}
    for brand in demo_brands:
        by_department.setdefault(brand.department, []).append(brand)
    return demo_brands, [
        product(rng, index, category, by_department, until)
        for index, category in enumerate(category_plan(rng, count))
    ]


def category_plan(rng, count: int) -> list[str]:
    """A category slug per product: one of each first, then weighted by the range's breadth."""
    slugs = list(CATEGORIES)
    weights = [len(CATEGORIES[slug][1].split("|")) + 1 for slug in slugs]
    plan = slugs[:count] + rng.choices(slugs, weights=weights, k=max(0, count - len(slugs)))
    rng.shuffle(plan)
    return plan


def product(rng, index: int, category: str, by_department, until: datetime) -> DemoProduct:
    """One product of ``category``; its brand comes from the category's department."""
    department, nouns, suffixes, materials, colours, low, high = CATEGORIES[category]
    department_brands = by_department[department]
    brand = rng.choices(department_brands, weights=brand_weights(len(department_brands)))[0]
    noun, _, pinned_material = rng.choice(nouns.split("|")).partition("=")
    word = rng.choice(DEPARTMENTS[department][1].split("|"))
    name = product_name(brand.name, word, noun, rng.choice(suffixes.split("|")))
    colour = rng.choices(*weighted(colours))[0]
    material = pinned_material or rng.choices(*weighted(materials))[0]
    price, compare_at_price = prices(rng, low, high)
    sku = f"{SKU_PREFIX}{sku_code(category)}-{index + 1:05d}"
    return DemoProduct(
        index=index,
        sku=sku,
        slug=f"{slugify(name)}-{index + 1}",
        name=name,
        description=description(brand.name, word, noun, colour, material),
        brand=brand.slug,
        category=category,
        department=department,
        colour=colour,
        material=material,
        audience=audience(rng, department),
        price=price,
        compare_at_price=compare_at_price,
        stock=stock(rng),
        created_at=until - timedelta(seconds=rng.randrange(CREATED_SPAN_DAYS * 86400)),
    )


def sku_code(category: str) -> str:
    """Three letters: "tents" → TEN, "sleeping-bags" → SLB."""
    first, *rest = category.split("-")
    return (first[:2] + rest[-1][0] if rest else first[:3]).upper()


def brand_weights(count: int) -> list[float]:
    """A department's first brands are its biggest."""
    return [1 / math.sqrt(rank + 1) for rank in range(count)]


def product_name(brand: str, word: str, noun: str, suffix: str) -> str:
    """Like "Trailhead Ridge Tent 2": brand, model word, noun and a size when there is one."""
    return " ".join(part for part in (brand, word, noun, suffix) if part)


def description(brand: str, word: str, noun: str, colour: str, material: str) -> str:
    """Like "Dome tent in green nylon, from the Ridge range by Trailhead." """
    kind = " ".join(w if w[1:] != w[1:].lower() else w.lower() for w in noun.split())
    made_of = f"{colour} {material.replace('-', ' ')}"
    return f"{kind[0].upper()}{kind[1:]} in {made_of}, from the {word} range by {brand}."


def audience(rng, department: str) -> str:
    """Departments named for an audience sell to it; footwear is mixed; the rest is unisex."""
    if department in {"women", "men", "kids"}:
        return department
    if department == "footwear":
        return rng.choices(list(FOOTWEAR_AUDIENCES), weights=list(FOOTWEAR_AUDIENCES.values()))[0]
    return "unisex"


def prices(rng, low: float, high: float) -> tuple[Decimal, Decimal | None]:
    """A shelf price drawn log-uniformly in the range, and a higher earlier price when on sale."""
    price = shelf_price(math.exp(rng.uniform(math.log(low), math.log(high))))
    if rng.random() >= SALE_SHARE:
        return price, None
    earlier = shelf_price(float(price) * rng.uniform(1.15, 1.6))
    return price, max(earlier, price + 1)


def shelf_price(amount: float) -> Decimal:
    """Round like a shop: 7.99, 48.99 or 45.00, 249.99 or 250.00."""
    if amount < 20:
        cents = math.floor(amount) * 100 + 99
    elif amount < 200:
        cents = round(amount) * 100 - 1 if round(amount) % 2 else round(amount / 5) * 500
    else:
        tens = round(amount / 10) * 1000
        cents = tens - 1 if tens % 2000 else tens
    return Decimal(cents).scaleb(-2)


def stock(rng) -> int:
    """Mostly a few dozen; ``SOLD_OUT_SHARE`` of products are sold out."""
    if rng.random() < SOLD_OUT_SHARE:
        return 0
    return 1 + min(400, int(rng.expovariate(1 / 35)))


def delete_demo_catalog() -> None:
    """Delete demo products (by ``SKU_PREFIX``) and the demo brands left without products.

    Order lines and events that point at them must be gone already (see
    ``personalization.demo.delete_demo_behaviour``); products others created stay.
    """
    Product.objects.filter(sku__startswith=SKU_PREFIX).delete()
    slugs = [brand.slug for brand in brands()]
    Brand.objects.filter(slug__in=slugs, products__isnull=True).delete()


def write_catalog(demo_brands, demo_products, progress: Callable[[int], None]) -> int:
    """Store brands (keeping any that survived) and products; return the pk of product index 0.

    Product ``index`` i gets pk ``first + i``; ``created_at`` is set after the insert because
    ``auto_now_add`` overrides it there. Needs the reference fixtures loaded.
    """
    brand_ids = ensure_brands(demo_brands)
    ids = {
        model: dict(model.objects.values_list("slug", "pk"))
        for model in (Category, Colour, Material)
    }
    first = (Product.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
    rows = [
        Product(
            pk=first + item.index,
            sku=item.sku,
            slug=item.slug,
            name=item.name,
            description=item.description,
            brand_id=brand_ids[item.brand],
            category_id=ids[Category][item.category],
            colour_id=ids[Colour][item.colour],
            material_id=ids[Material][item.material],
            audience=item.audience,
            price=item.price,
            compare_at_price=item.compare_at_price,
            stock=item.stock,
        )
        for item in demo_products
    ]
    insert_rows(Product, rows, progress)
    for row, item in zip(rows, demo_products, strict=True):
        row.created_at = item.created_at
    Product.objects.bulk_update(rows, ["created_at"], batch_size=500)
    reset_sequences(Product)
    return first


def ensure_brands(demo_brands) -> dict[str, int]:
    """Create the missing demo brands; return every demo brand's pk by slug."""
    existing = set(
        Brand.objects.filter(slug__in=[b.slug for b in demo_brands]).values_list("slug", flat=True)
    )
    Brand.objects.bulk_create(
        [Brand(name=b.name, slug=b.slug) for b in demo_brands if b.slug not in existing]
    )
    return dict(
        Brand.objects.filter(slug__in=[b.slug for b in demo_brands]).values_list("slug", "pk")
    )


def insert_rows(model, rows: list, progress: Callable[[int], None], batch_size=2000) -> None:
    """``bulk_create`` in batches, reporting each batch's size to ``progress``."""
    for start in range(0, len(rows), batch_size):
        batch = rows[start : start + batch_size]
        model.objects.bulk_create(batch, batch_size=batch_size)
        progress(len(batch))


def reset_sequences(*models) -> None:
    """After inserting explicit pks, move PostgreSQL's sequences past them (no-op on SQLite)."""
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
