"""What every panel of the page shares: the card's style and how a picture is shown."""

from __future__ import annotations

import reacton.ipywidgets as rw

CARD_STYLE = {"height": "100%", "overflow-y": "auto", "margin": "0px"}
IMAGE_LAYOUT = {"max_width": "100%", "height": "auto"}


def png_image(png: bytes, max_height: str | None = None) -> None:
    """A PNG picture, scaled to the card's width (and, given ``max_height``, no taller
    than that, keeping its proportions)."""
    layout = dict(IMAGE_LAYOUT)
    if max_height is not None:
        layout.update(max_height=max_height, width="auto", object_fit="contain")
    rw.Image(value=png, format="png", layout=layout)
