# Fake `enigma` module: eTimer (OpenPLi/OpenATV style with `callback`, DreamOS style with
# `timeout.connect`) and getDesktop.


class _Timer(object):
    """What both timer kinds share; `fire()` plays one expiry."""

    def __init__(self):
        self.active = False
        self.interval_ms = None
        self.single_shot = None

    def start(self, ms, single_shot=False):
        self.active = True
        self.interval_ms = ms
        self.single_shot = single_shot

    def stop(self):
        self.active = False

    def isActive(self):
        return self.active

    def fire(self):
        if self.single_shot:
            self.active = False
        for function in list(self.connected()):
            function()


class eTimer(_Timer):
    """Timer with a `callback` list, as on OpenPLi, OpenATV, OpenViX."""

    def __init__(self):
        _Timer.__init__(self)
        self.callback = []

    def connected(self):
        return self.callback


class _Connection(object):
    def __init__(self, signal, function):
        self.signal = signal
        self.function = function

    def disconnect(self):
        if self.function in self.signal.functions:
            self.signal.functions.remove(self.function)


class _Signal(object):
    """DreamOS signal: connect() returns a connection; the slot lives while the connection is
    referenced (here: until disconnect())."""

    def __init__(self):
        self.functions = []

    def connect(self, function):
        self.functions.append(function)
        return _Connection(self, function)


class DreamOSeTimer(_Timer):
    """Timer as on DreamOS: no `callback` list, `timeout.connect(f)` instead."""

    def __init__(self):
        _Timer.__init__(self)
        self.timeout = _Signal()

    def connected(self):
        return self.timeout.functions


class _Size(object):
    def __init__(self, width, height):
        self._width = width
        self._height = height

    def width(self):
        return self._width

    def height(self):
        return self._height


class _Desktop(object):
    def __init__(self, width, height):
        self._size = _Size(width, height)

    def size(self):
        return self._size


DESKTOP_SIZE = [1280, 720]  # tests set e.g. [1920, 1080]


def getDesktop(index):
    return _Desktop(DESKTOP_SIZE[0], DESKTOP_SIZE[1])
