class Label(object):
    def __init__(self, text=""):
        self.text = text

    def setText(self, text):
        self.text = text

    def getText(self):
        return self.text
