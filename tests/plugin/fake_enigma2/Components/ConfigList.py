class ConfigList(object):
    def __init__(self, list, session=None):
        self.list = list
        self.session = session

    def getCurrent(self):
        return self.list[0] if self.list else None


class ConfigListScreen(object):
    def __init__(self, list, session=None, on_change=None):
        self["config"] = ConfigList(list, session=session)
        self.list = list
        self.on_change = on_change

    def keySave(self):
        self.close()

    def keyCancel(self):
        self.close()
