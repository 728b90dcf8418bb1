"""Reads .ipk files with the standard library only, independently of the tools that wrote them."""
import io
import tarfile

AR_MAGIC = b"!<arch>\n"


def ar_members(data):
    """Returns [(name, header_fields, content)] of a System V/GNU ar archive, in order."""
    assert data.startswith(AR_MAGIC), "not an ar archive"
    members = []
    pos = len(AR_MAGIC)
    while pos < len(data):
        header = data[pos:pos + 60]
        assert len(header) == 60 and header[58:60] == b"`\n", f"bad ar header at {pos}"
        name = header[0:16].decode().rstrip()
        if name.endswith("/"):
            name = name[:-1]
        fields = {
            "mtime": int(header[16:28]),
            "uid": int(header[28:34]),
            "gid": int(header[34:40]),
            "mode": int(header[40:48], 8),
        }
        size = int(header[48:58])
        pos += 60
        members.append((name, fields, data[pos:pos + size]))
        pos += size + (size % 2)
    return members


def tar_entries(blob):
    """Returns {name: (TarInfo, bytes or None)} of a gzip tarball, plus the names in order."""
    assert blob[:2] == b"\x1f\x8b", "not gzip"
    assert blob[4:8] == b"\0\0\0\0", "gzip header carries an mtime (gzip -n not used)"
    entries = {}
    order = []
    with tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz") as tar:
        for info in tar.getmembers():
            content = tar.extractfile(info).read() if info.isfile() else None
            entries[info.name] = (info, content)
            order.append(info.name)
    return entries, order


def parse_control(text):
    """Returns {field: value} of a control file (continuation lines joined with newlines)."""
    fields = {}
    last = None
    for line in text.splitlines():
        if line.startswith(" ") and last:
            fields[last] += "\n" + line[1:]
        elif ":" in line:
            key, value = line.split(":", 1)
            last = key.strip()
            fields[last] = value.strip()
    return fields


class Ipk:
    def __init__(self, path):
        with open(path, "rb") as f:
            self.raw = f.read()
        self.members = ar_members(self.raw)
        by_name = {name: content for name, _, content in self.members}
        self.debian_binary = by_name.get("debian-binary")
        self.control_entries, self.control_order = tar_entries(by_name["control.tar.gz"])
        self.data_entries, self.data_order = tar_entries(by_name["data.tar.gz"])
        self.control = parse_control(self.control_file("control").decode())

    def control_file(self, name):
        entry = self.control_entries.get("./" + name)
        return entry[1] if entry else None

    def data_files(self):
        """{absolute path: (TarInfo, content)} of the regular files in data.tar.gz."""
        return {name[1:]: entry for name, entry in self.data_entries.items()
                if entry[0].isfile()}
