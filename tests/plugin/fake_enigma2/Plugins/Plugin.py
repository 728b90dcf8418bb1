class PluginDescriptor(object):
    WHERE_EXTENSIONSMENU = 1
    WHERE_MAINMENU = 2
    WHERE_PLUGINMENU = 3
    WHERE_MENU = 4
    WHERE_AUTOSTART = 5
    WHERE_SESSIONSTART = 6

    def __init__(self, name="Plugin", where=None, description="", icon=None, fnc=None,
                 wakeupfnc=None, needsRestart=None, internal=False, weight=0):
        if where is None:
            where = []
        self.name = name
        self.where = where if isinstance(where, list) else [where]
        self.description = description
        self.icon = icon
        self.fnc = fnc
        self.needsRestart = needsRestart
        self.weight = weight

    def __call__(self, *args, **kwargs):
        return self.fnc(*args, **kwargs)
