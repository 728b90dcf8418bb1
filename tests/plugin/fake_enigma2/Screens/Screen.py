class Screen(dict):
    """Widgets are stored by name as on the real Screen. close() runs onClose and then empties
    the screen like Enigma2's doClose (widgets and attributes gone), so a late callback that
    touches a closed screen fails in tests as it would on a box. Only `is_closed` and
    `closed_with` stay, for tests."""

    def __init__(self, session, parent=None):
        dict.__init__(self)
        self.skinName = self.__class__.__name__
        self.session = session
        self.onLayoutFinish = []
        self.onShown = []
        self.onClose = []
        self.title = ""
        self.is_closed = False
        self.closed_with = None

    def setTitle(self, title):
        self.title = title

    def layoutFinished(self):
        """What the real GUI does once the skin is applied; tests call it."""
        for function in list(self.onLayoutFinish):
            function()

    def close(self, *retval):
        session = self.session
        for function in list(self.onClose):
            function()
        dict.clear(self)
        self.__dict__.clear()
        self.is_closed = True
        self.closed_with = retval
        if session is not None and hasattr(session, "closed"):
            session.closed(self, retval)
