class MenuList(object):
    def __init__(self, list, enableWrapAround=False, content=None):
        self.list = list
        self.index = 0

    def getCurrent(self):
        return self.list[self.index] if self.list else None

    def moveToIndex(self, index):
        self.index = index

    def setList(self, list):
        self.list = list
        self.index = 0
