# Skins are written for a 1280x720 desktop and scaled up on full-HD (and larger) images, so one
# layout serves both.
from enigma import getDesktop

from . import logic

HD_WIDTH = 1280


def desktop_skin(skin):
    """`skin` scaled to the width of the box's desktop (unchanged on HD or when unknown)."""
    try:
        width = getDesktop(0).size().width()
    except (AttributeError, TypeError):
        width = HD_WIDTH
    if width <= HD_WIDTH:
        return skin
    return logic.scale_skin(skin, width / float(HD_WIDTH))


def button_widgets(top, names):
    """Skin XML for the colour-button labels in one row at `top` (720p coordinates)."""
    colours = {"key_red": "#9f1313", "key_green": "#1f771f", "key_yellow": "#a08000",
               "key_blue": "#18188b"}
    widgets = []
    for column, name in enumerate(names):
        widgets.append(
            '<widget name="%s" position="%d,%d" size="290,36" font="Regular;22" '
            'halign="center" valign="center" foregroundColor="#ffffff" backgroundColor="%s" />'
            % (name, 20 + column * 300, top, colours[name]))
    return "\n".join(widgets)
