"""Product pictures drawn as small SVGs from a department icon and a colour: nothing is fetched."""

import re

from django.utils.html import escape

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")

# One simple silhouette per department icon, drawn on a 100×100 grid.
SHAPES = {
    "tent": '<path d="M50 18 L88 80 H12 Z"/><path d="M50 18 L50 80" stroke="#0003" '
    'stroke-width="2"/><path d="M42 80 L50 58 L58 80 Z" fill="#0004"/>',
    "camera": '<rect x="14" y="32" width="72" height="46" rx="8"/><rect x="36" y="24" width="22" '
    'height="12" rx="3"/><circle cx="50" cy="55" r="15" fill="#fff8"/><circle cx="50" '
    'cy="55" r="9" fill="#0005"/>',
    "shirt": '<path d="M34 20 L18 30 L10 48 L24 54 L28 44 L28 84 H72 L72 44 L76 54 L90 48 L82 30 '
    'L66 20 Q50 32 34 20 Z"/>',
    "shoe": '<path d="M12 62 Q14 40 28 42 Q40 50 52 46 L58 40 Q78 52 90 60 Q92 72 84 74 H16 Q10 '
    '72 12 62 Z"/><rect x="12" y="72" width="80" height="6" rx="3" fill="#0004"/>',
    "home": '<path d="M50 16 L86 46 H76 V84 H24 V46 H14 Z"/><rect x="42" y="60" width="16" '
    'height="24" fill="#fff8"/>',
    "pot": '<rect x="18" y="40" width="64" height="38" rx="8"/><rect x="10" y="40" width="80" '
    'height="8" rx="4" fill="#0004"/><rect x="40" y="30" width="20" height="8" rx="4"/>',
    "ball": '<circle cx="50" cy="50" r="34"/><path d="M16 50 H84 M50 16 Q30 50 50 84 M50 16 Q70 '
    '50 50 84" stroke="#fff9" stroke-width="3" fill="none"/>',
    "toy": '<rect x="20" y="44" width="60" height="30" rx="6"/><circle cx="34" cy="78" r="8" '
    'fill="#0006"/><circle cx="66" cy="78" r="8" fill="#0006"/><rect x="30" y="28" '
    'width="30" height="18" rx="4"/>',
}


def product_svg(icon: str, colour: str) -> str:
    """An SVG document: the icon in the colour, on a light tint of it. Unknown values fall back."""
    if not HEX_COLOUR.match(colour):
        colour = "#888888"
    shape = SHAPES.get(icon, SHAPES["home"])
    colour = escape(colour)
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100" width="400" height="400">'
        f'<rect width="100" height="100" fill="{colour}" opacity="0.14"/>'
        '<rect width="100" height="100" fill="#ffffff" opacity="0.55"/>'
        f'<g fill="{colour}" stroke="#00000059" stroke-width="1.2">{shape}</g>'
        "</svg>"
    )
