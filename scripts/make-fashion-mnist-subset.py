#!/usr/bin/env python3
"""Writes the bundled Fashion-MNIST subset (IDX, gzip) from the full files of Debian's dataset-fashion-mnist.

Keeps the first N_TRAIN training and N_TEST test examples, in their original order (the files are already shuffled).
Usage: scripts/make-fashion-mnist-subset.py [SRC_DIR] [DST_DIR]
"""
import gzip
import struct
import sys

SRC = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/datasets/fashion-mnist"
DST = sys.argv[2] if len(sys.argv) > 2 else "dl4j-compress-cli/src/main/resources/fashion-mnist"
N_TRAIN, N_TEST = 10000, 5000


def subset(name, n):
    with gzip.open(f"{SRC}/{name}", "rb") as f:
        data = f.read()
    magic = struct.unpack(">I", data[:4])[0]
    dims = magic & 0xFF
    shape = list(struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims]))
    item = 1
    for d in shape[1:]:
        item *= d
    shape[0] = n
    out = struct.pack(">I", magic) + struct.pack(">" + "I" * dims, *shape) + data[4 + 4 * dims:4 + 4 * dims + n * item]
    with gzip.GzipFile(f"{DST}/{name}", "wb", compresslevel=9, mtime=0) as f:
        f.write(out)


for prefix, n in (("train", N_TRAIN), ("t10k", N_TEST)):
    subset(f"{prefix}-images-idx3-ubyte.gz", n)
    subset(f"{prefix}-labels-idx1-ubyte.gz", n)
