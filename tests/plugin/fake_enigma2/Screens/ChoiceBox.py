from Screens.Screen import Screen


class ChoiceBox(Screen):
    def __init__(self, session, title="", list=None, keys=None, selection=0, skin_name=None,
                 text=""):
        Screen.__init__(self, session)
        self.title = title
        self.list = list or []
