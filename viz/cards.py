"""What every panel of the page shares: the card's style and how a picture is shown."""

from __future__ import annotations

import reacton.ipywidgets as rw

CARD_STYLE = {"height": "100%", "overflow-y": "auto", "margin": "0px"}
IMAGE_LAYOUT = {"max_width": "100%", "height": "auto"}


def png_image(png: bytes) -> None:
    """A PNG picture, scaled to the card's width."""
    rw.Image(value=png, format="png", layout=IMAGE_LAYOUT)
