class ActionMap(object):
    """Records the contexts and the action -> function table; `do(name)` presses a key."""

    def __init__(self, contexts=None, actions=None, prio=0):
        self.contexts = list(contexts or [])
        self.actions = dict(actions or {})
        self.prio = prio

    def do(self, name):
        return self.actions[name]()
