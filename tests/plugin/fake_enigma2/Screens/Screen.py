class Screen(dict):
    """Widgets are stored by name as on the real Screen; close() runs onClose and records the
    result for the session."""

    def __init__(self, session, parent=None):
        dict.__init__(self)
        self.session = session
        self.onLayoutFinish = []
        self.onShown = []
        self.onClose = []
        self.title = ""
        self.closed_with = None
        self.is_closed = False

    def setTitle(self, title):
        self.title = title

    def layoutFinished(self):
        """What the real GUI does once the skin is applied; tests call it."""
        for function in list(self.onLayoutFinish):
            function()

    def close(self, *retval):
        self.is_closed = True
        self.closed_with = retval
        for function in list(self.onClose):
            function()
        if self.session is not None and hasattr(self.session, "closed"):
            self.session.closed(self, retval)
