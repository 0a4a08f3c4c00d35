#!/usr/bin/env python3
"""Build or check reference/teeter-all.jsonl.gz (standard library only).

    teeter_jsonl.py build <dir of *_neuron_config.json> [out]
    teeter_jsonl.py check [<dir of *_neuron_config.json>] [file]

The file has one line per Teeter et al. 2018 neuron_config file, in sorted file
name order: {"file": "<original file name>", "config": <parsed JSON object>},
compact separators, floats in Python's shortest round-trip repr.

`check` proves, for every line, that each float token is the shortest
round-trip repr of its value, and (when the source folder is given) that the
parsed object equals the original file's parse exactly: same keys in the same
order, same types (int stays int), every float bit-identical (sign of zero too).
"""
import decimal
import gzip
import json
import os
import re
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT = os.path.join(HERE, "..", "..", "reference", "teeter-all.jsonl.gz")


def _pairs(p):
    keys = [k for k, _ in p]
    if len(keys) != len(set(keys)):
        raise ValueError("duplicate key in %r" % keys)
    return dict(p)


def build(src, out=DEFAULT):
    names = sorted(n for n in os.listdir(src) if n.endswith("_neuron_config.json"))
    with gzip.GzipFile(out, "wb", compresslevel=9, mtime=0) as g:
        for n in names:
            with open(os.path.join(src, n)) as f:
                obj = json.load(f, object_pairs_hook=_pairs)
            line = json.dumps({"file": n, "config": obj}, separators=(",", ":"),
                              ensure_ascii=False, allow_nan=False)
            g.write(line.encode("utf-8") + b"\n")
    print("wrote %d lines to %s" % (len(names), out))


def _same(a, b, path, counter):
    if type(a) is not type(b):
        raise AssertionError("%s: type %s vs %s" % (path, type(a), type(b)))
    if isinstance(a, float):
        counter[0] += 1
        if struct.pack("<d", a) != struct.pack("<d", b):
            raise AssertionError("%s: %r vs %r" % (path, a, b))
    elif isinstance(a, dict):
        if list(a) != list(b):
            raise AssertionError("%s: keys differ" % path)
        for k in a:
            _same(a[k], b[k], path + "/" + k, counter)
    elif isinstance(a, list):
        if len(a) != len(b):
            raise AssertionError("%s: lengths differ" % path)
        for i, (x, y) in enumerate(zip(a, b)):
            _same(x, y, "%s[%d]" % (path, i), counter)
    elif a != b:
        raise AssertionError("%s: %r vs %r" % (path, a, b))


def check(src=None, path=DEFAULT):
    tokens = [0]

    def shortest(s):
        v = float(s)
        if repr(v) != s:
            raise AssertionError("float token %s is not the shortest repr %r" % (s, v))
        if v != float(decimal.Decimal(s)):
            raise AssertionError("float token %s does not round correctly" % s)
        tokens[0] += 1
        return v

    with gzip.open(path, "rt", encoding="utf-8") as f:
        lines = f.read().splitlines()
    recs = [json.loads(l, object_pairs_hook=_pairs, parse_float=shortest) for l in lines]
    files = [r["file"] for r in recs]
    assert all(list(r) == ["file", "config"] for r in recs)
    assert files == sorted(files) and len(set(files)) == len(files)
    compared = [0]
    if src:
        names = sorted(n for n in os.listdir(src) if n.endswith("_neuron_config.json"))
        assert names == files, "file lists differ"
        for r in recs:
            with open(os.path.join(src, r["file"])) as f:
                orig = json.load(f, object_pairs_hook=_pairs)
            _same(orig, r["config"], r["file"], compared)
    levels = {}
    for n in files:
        lv = re.search(r"_GLIF(\d)_", n).group(1)
        levels[lv] = levels.get(lv, 0) + 1
    print("OK: %d lines, %d float tokens all shortest round-trip repr; "
          "%d floats compared bit-for-bit with the originals; levels %s"
          % (len(recs), tokens[0], compared[0], dict(sorted(levels.items()))))


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "build":
        build(*sys.argv[2:4])
    elif len(sys.argv) >= 2 and sys.argv[1] == "check":
        check(*sys.argv[2:4])
    else:
        sys.exit(__doc__)
