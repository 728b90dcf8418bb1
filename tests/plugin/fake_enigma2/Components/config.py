# Fake Components.config: the config elements the setup screen uses.


class ConfigElement(object):
    def __init__(self, default):
        self.default = default
        self._value = default

    @property
    def value(self):
        return self._value

    @value.setter
    def value(self, new_value):
        self._value = self.validate(new_value)

    def validate(self, new_value):
        return new_value


class ConfigSelection(ConfigElement):
    def __init__(self, choices, default=None):
        self.choices = [c if isinstance(c, tuple) else (c, c) for c in choices]
        keys = [key for key, _ in self.choices]
        if default is None:
            default = keys[0]
        if default not in keys:
            raise ValueError("default %r is not a choice" % (default,))
        ConfigElement.__init__(self, default)

    def validate(self, new_value):
        if new_value not in [key for key, _ in self.choices]:
            raise ValueError("%r is not a choice" % (new_value,))
        return new_value


class ConfigYesNo(ConfigElement):
    def __init__(self, default=False):
        ConfigElement.__init__(self, bool(default))

    def validate(self, new_value):
        return bool(new_value)


class ConfigInteger(ConfigElement):
    def __init__(self, default, limits=(0, 9999999)):
        self.limits = limits
        ConfigElement.__init__(self, default)

    def validate(self, new_value):
        low, high = self.limits
        return min(max(int(new_value), low), high)


class ConfigSubsection(object):
    pass


class _Root(object):
    def __init__(self):
        self.plugins = ConfigSubsection()


config = _Root()


def getConfigListEntry(*args):
    return args
