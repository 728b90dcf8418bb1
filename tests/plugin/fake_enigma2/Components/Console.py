# Fake Components.Console: ePopen queues the command; a test answers it with
# `Console.answer(output, retval)` (oldest first), which calls the screen's callback the way
# Enigma2 does, later, from the main loop. `Console.handler` (cmd -> (output, retval)), when a
# test sets it, answers every command at once in `Console.run_all()`.
import collections


class Console(object):
    pending = collections.deque()  # (cmd, callback, extra_args), shared like the real main loop
    history = []                   # every command asked for, in order
    handler = None

    def __init__(self):
        self.killed = False

    def ePopen(self, cmd, callback=None, extra_args=None):
        if extra_args is None:
            extra_args = []
        Console.history.append(cmd)
        Console.pending.append((cmd, callback, extra_args))

    def killAll(self):
        self.killed = True

    @classmethod
    def reset(cls):
        cls.pending.clear()
        del cls.history[:]
        cls.handler = None

    @classmethod
    def answer(cls, output, retval=0):
        cmd, callback, extra_args = cls.pending.popleft()
        if callback is not None:
            callback(output, retval, extra_args)
        return cmd

    @classmethod
    def run_all(cls, limit=50):
        """Answers queued commands (and those their callbacks queue) with `handler`; at most
        `limit` so a screen that keeps asking cannot loop forever."""
        answered = []
        while cls.pending and len(answered) < limit:
            cmd = cls.pending[0][0]
            output, retval = cls.handler(cmd)
            answered.append(cls.answer(output, retval))
        return answered
