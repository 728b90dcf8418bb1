# JSON as a command printed it or a config file holds it: key order and repeated keys kept, and
# the line and column of an error.
import collections
import json
import re


class JsonError(ValueError):
    """Text that is not JSON, with the 1-based line and column where reading stopped."""

    def __init__(self, line, column, message):
        ValueError.__init__(self, "%s:%s: %s" % (line, column, message))
        self.line = line
        self.column = column
        self.message = message


class RepeatedKey(str):
    """A key that an object holds more than once (several "//" comments, say). Equal only to
    itself, so the object keeps every occurrence and writes each back, while lookups by the
    plain name find the first."""

    __hash__ = object.__hash__

    def __eq__(self, other):
        return self is other

    def __ne__(self, other):
        return self is not other


def _json_object(pairs):
    members = collections.OrderedDict()
    for key, value in pairs:
        members[RepeatedKey(key) if key in members else key] = value
    return members


def decode_json(text):
    """The JSON document in `text`, objects as OrderedDict: key order and repeated keys are
    kept when written back. Raises JsonError."""
    try:
        return json.loads(text, object_pairs_hook=_json_object)
    except ValueError as error:
        raise JsonError(getattr(error, "lineno", "?"), getattr(error, "colno", "?"),
                        getattr(error, "msg", str(error)))


def split_notes(output):
    """(json_text, notes) of a command's output whose stderr joined stdout: the JSON object
    starts at the first line that begins with '{'; lines before it (warnings such as a
    world-readable file) are notes. json_text keeps their line breaks so error lines match the
    output's. Without such a line all of it is json_text (the parser then says what is
    wrong)."""
    match = re.search(r"^\{", output, re.MULTILINE)
    if match is None:
        return output, ""
    notes = output[:match.start()]
    return "\n" * notes.count("\n") + output[match.start():], notes.strip()
