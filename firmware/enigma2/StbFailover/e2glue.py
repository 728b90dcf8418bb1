# Enigma2 glue that needs no Enigma2: timers on every image, screens that closed, skin scaling.
import re


def connect_timer(timer, function):
    """Makes eTimer `timer` call `function`. Most images have `timer.callback` (a list);
    DreamOS has `timer.timeout.connect`, whose returned connection must be kept alive: the
    caller keeps the return value (None on other images)."""
    callbacks = getattr(timer, "callback", None)
    if callbacks is not None:
        callbacks.append(function)
        return None
    return timer.timeout.connect(function)


def disconnect_timer(timer, function, connection):
    """Undoes connect_timer: stops the timer and drops the callback or connection."""
    timer.stop()
    callbacks = getattr(timer, "callback", None)
    if callbacks is not None and function in callbacks:
        callbacks.remove(function)
    if connection is not None and hasattr(connection, "disconnect"):
        connection.disconnect()


def track_close(screen):
    """Marks `screen` open until it closes. Enigma2 empties a closed screen (its widgets and
    attributes are gone), but a command started from it still answers later: callbacks ask
    is_open() first."""
    screen.closed = False

    def mark_closed():
        screen.closed = True
    screen.onClose.append(mark_closed)


def is_open(screen):
    """False once `screen` closed, also after Enigma2 emptied it."""
    return getattr(screen, "closed", True) is False


_SKIN_PAIR = re.compile(r'\b(position|size)="(\d+),(\d+)"')
_SKIN_FONT = re.compile(r'\b(font="[^";]+;)(\d+)"')
_SKIN_NUMBER = re.compile(r'\b(itemHeight)="(\d+)"')


def scale_skin(skin, factor):
    """The skin XML with positions, sizes and font sizes multiplied by `factor` (1.5 turns a
    1280x720 skin into a 1920x1080 one)."""
    if factor == 1:
        return skin

    def scaled(number):
        return str(int(round(int(number) * factor)))

    skin = _SKIN_PAIR.sub(
        lambda m: '%s="%s,%s"' % (m.group(1), scaled(m.group(2)), scaled(m.group(3))), skin)
    skin = _SKIN_FONT.sub(lambda m: '%s%s"' % (m.group(1), scaled(m.group(2))), skin)
    return _SKIN_NUMBER.sub(lambda m: '%s="%s"' % (m.group(1), scaled(m.group(2))), skin)
