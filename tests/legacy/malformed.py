#!/usr/bin/env python3
"""Write the malformed legacy inputs of the check-legacy stage.

Each case is a small legacy stream assembled from named parts, then broken
in one place.  Because the parts are named, the offset of the breakage is
known here, and the converter's message must name exactly that offset.

    malformed.py OUTDIR

writes OUTDIR/NAME.leg and a line per case to OUTDIR/cases.txt:

    NAME EXIT OFFSET|- GUEST WIDTH SUBSTRING...

EXIT is the converter's expected exit status, OFFSET the input offset its
message must name (- if none), SUBSTRING words the message must contain.
"""

import os
import struct
import sys

PAGE = 4096


class Stream:
    """A legacy stream as an ordered list of (name, bytes) parts."""

    def __init__(self, word=8):
        self.word = word
        self.parts = []

    def add(self, name, data):
        self.parts.append([name, data])
        return self

    def w(self, v):
        return struct.pack("<Q" if self.word == 8 else "<I", v)

    def offset(self, name, within=0):
        pos = 0
        for n, d in self.parts:
            if n == name:
                return pos + within
            pos += len(d)
        raise KeyError(name)

    def replace(self, name, data):
        for p in self.parts:
            if p[0] == name:
                p[1] = data
                return self
        raise KeyError(name)

    def insert_before(self, name, new_name, data):
        for i, p in enumerate(self.parts):
            if p[0] == name:
                self.parts.insert(i, [new_name, data])
                return self
        raise KeyError(name)

    def bytes(self):
        return b"".join(d for _, d in self.parts)


def pv_stream(word=8, pages=3, xsave=0, extv=False):
    s = Stream(word)
    p2m = 64
    s.add("p2m_size", s.w(p2m))
    blocks = struct.pack("<4sI", b"vcpu", 0x1430) + bytes(0x1430)
    if extv:
        blocks += struct.pack("<4sI", b"extv", 0)
    if xsave:
        blocks += struct.pack("<4sIII", b"xcnt", 8, xsave + 16, 0)
    s.add("ext_marker", s.w((1 << (8 * word)) - 1))
    s.add("ext_total", struct.pack("<I", len(blocks)))
    s.add("ext_blocks", blocks)
    s.add("p2m_frames", s.w(0x1234))         # one frame covers 512 pfns
    s.add("batch", struct.pack("<i", pages))
    s.add("batch_pfns", b"".join(s.w(i) for i in range(pages)))
    s.add("batch_data", bytes(range(256)) * (16 * pages))
    s.add("vcpu_info", struct.pack("<iiQ", -2, 1, 0x3))
    s.add("tsc", struct.pack("<iIQII", -7, 0, 10**9, 2400000, 1))
    s.add("end", struct.pack("<i", 0))
    s.add("unmapped", struct.pack("<I", 0))
    for v in range(2):
        s.add("vcpu%d" % v, bytes([v + 1]) * 0x1430)
        if extv:
            s.add("extv%d" % v, bytes(128))
        if xsave:
            s.add("xsave%d" % v, struct.pack("<QQ", 7, xsave) + bytes(xsave))
    s.add("shinfo", bytes(PAGE))
    return s


def physmap_blob(word, entries):
    out = struct.pack("<II", 1, len(entries))
    for phys, start, size, name in entries:
        out += struct.pack("<QQQI", phys, start, size, len(name) + 1)
        out += name + b"\0" + (b"\xaa" * 4 if word == 8 else b"")
    return out


def hvm_stream(word=8, pages=2):
    s = Stream(word)
    s.add("p2m_size", s.w(0x100))
    s.add("batch", struct.pack("<i", pages))
    s.add("batch_pfns", b"".join(s.w(0x10 + i) for i in range(pages)))
    s.add("batch_data", bytes(PAGE * pages))
    s.add("vcpu_info", struct.pack("<iiQ", -2, 0, 1))
    s.add("ident_pt", struct.pack("<iIQ", -3, 0, 0xfeffd000))
    ts = physmap_blob(word, [(0xf0000000, 0xfc000000, 0x800000, b"vga.vram")])
    s.add("toolstack", struct.pack("<iI", -18, len(ts)) + ts)
    s.add("end", struct.pack("<i", 0))
    s.add("magic_pfns", struct.pack("<QQQ", 0xfeffd, 0xfeffe, 0xfeffc))
    s.add("hvm_ctx", struct.pack("<I", 64) + bytes(64))
    s.add("dm_sig", b"DeviceModelRecord0002")
    s.add("dm_len", struct.pack("<I", 100))
    s.add("dm_data", b"QEVM" + bytes(96))
    return s


CASES = []


def case(name, stream, exit_code, offset, guest, *words):
    CASES.append((name, stream, exit_code, offset, guest, words))


def build():
    # The two bases must convert cleanly: the harness checks that too.
    case("ok-pv", pv_stream(), 0, None, "pv")
    case("ok-pv-xsave-extv", pv_stream(xsave=64, extv=True), 0, None, "pv")
    case("ok-pv-w32", pv_stream(word=4), 0, None, "pv")
    case("ok-hvm", hvm_stream(), 0, None, "hvm")
    case("ok-hvm-w32", hvm_stream(word=4), 0, None, "hvm")

    # Every chunk kind a valid stream may hold, for the oracle comparison.
    s = pv_stream()
    s.insert_before("batch", "verify", struct.pack("<i", -1))
    s.insert_before("vcpu_info", "last", struct.pack("<i", -9))
    ts = physmap_blob(8, [(0x100, 0x200, 0x300, b"pv-odd")])
    s.insert_before("end", "ts", struct.pack("<iI", -18, len(ts)) + ts)
    s.replace("unmapped", struct.pack("<I", 3) + s.w(7) + s.w(8) + s.w(9))
    case("ok-pv-every-chunk", s, 0, None, "pv")
    s = hvm_stream()
    params = b"".join(struct.pack("<iIQ", c, 0, 0x1000 + c * c)
                      for c in (-4, -8, -10, -11, -14, -15, -16, -17, -19, -20))
    s.insert_before("end", "params", params + struct.pack("<iIQII", -7, 1,
                                                          5 * 10**9, 1000000, 2))
    # A second batch: holes, a typed data-less entry, two pages.
    s.insert_before("vcpu_info", "batch2",
                    struct.pack("<i", 5) + s.w(0xf0000000) + s.w(0x40) +
                    s.w(0xf0000041) + s.w(0xe0000042) + s.w(0x43) +
                    bytes(range(256)) * 32)
    ts = physmap_blob(8, [(0xf0000000 + i, 0xfc000000 + i, 0x10000 * i,
                           b"vram%d" % i) for i in range(3)])
    s.replace("toolstack", struct.pack("<iI", -18, len(ts)) + ts)
    case("ok-hvm-every-chunk", s, 0, None, "hvm")
    # Accepted here, refused upstream: same layout as DeviceModelRecord0002.
    s = hvm_stream()
    s.replace("dm_sig", b"RemusDeviceModelState")
    case("remus-dm-signature", s, 0, None, "hvm")

    case("empty", Stream().add("nothing", b""), 1, 0, "pv", "truncated",
         "p2m size")

    # Truncation at the start of every part, and half-way through it.
    base = pv_stream(xsave=64, extv=True)
    for name, data in base.parts:
        for cut in sorted({0, len(data) // 2}):
            if name == "p2m_size" and cut == 0:
                continue
            s = pv_stream(xsave=64, extv=True)
            at = s.offset(name)
            raw = s.bytes()[:at + cut]
            t = Stream().add("all", raw)
            case("trunc-pv-%s-%d" % (name, cut), t, 1, None, "pv",
                 "truncated")
    hbase = hvm_stream()
    for name, data in hbase.parts:
        s = hvm_stream()
        raw = s.bytes()[:s.offset(name) + len(data) // 2]
        case("trunc-hvm-%s" % name, Stream().add("all", raw), 1, None, "hvm",
             "truncated")

    s = pv_stream()
    case("p2m-size-zero", s.replace("p2m_size", s.w(0)), 1, 0, "pv",
         "p2m size")
    s = pv_stream()
    case("bad-ext-marker", s.replace("ext_marker", s.w(5)), 1,
         s.offset("ext_marker"), "pv", "extended info marker")
    s = pv_stream()
    s.replace("ext_blocks", struct.pack("<4sI", b"vcpu", 0x1000) + bytes(0x1430))
    case("bad-vcpu-size", s, 1, s.offset("ext_blocks", 4), "pv", "vcpu",
         "block")
    s = pv_stream()
    s.replace("ext_total", struct.pack("<I", 0x1430))
    case("ext-block-overrun", s, 1, s.offset("ext_blocks", 4), "pv",
         "overruns")
    s = pv_stream()
    s.replace("ext_blocks", struct.pack("<4sI", b"zzzz", 0x1430) + bytes(0x1430))
    case("ext-unknown-block", s, 1, s.offset("ext_blocks"), "pv", "unknown",
         "block")
    s = pv_stream()
    s.replace("ext_total", struct.pack("<I", 0))
    s.replace("ext_blocks", b"")
    case("ext-no-vcpu", s, 1, s.offset("p2m_frames"), "pv", "no \"vcpu\"")

    s = pv_stream()
    s.replace("batch", struct.pack("<i", 1025))
    case("batch-too-big", s, 1, s.offset("batch"), "pv", "exceeds", "1024")
    s = pv_stream()
    s.replace("batch", struct.pack("<i", 0x7fffffff))
    case("batch-huge", s, 1, s.offset("batch"), "pv", "exceeds")
    s = pv_stream()
    s.replace("batch_pfns", s.w(0) + s.w(1) + s.w(1))
    case("batch-dup-pfn", s, 1, s.offset("batch_pfns", 16), "pv", "twice",
         "entries 1 and 2")
    s = pv_stream()
    s.replace("batch_pfns", s.w(2) + s.w(0x10000001) + s.w(0xf0000000))
    s.replace("batch_data", bytes(2 * 4096))
    s.insert_before("vcpu_info", "batch2",
                    struct.pack("<i", 3) + s.w(0xf0000000) + s.w(4) +
                    s.w(0x20000004) + bytes(2 * 4096))
    case("batch-dup-pfn-typed", s, 1, s.offset("batch2", 4 + 16), "pv",
         "twice")
    s = pv_stream()
    s.replace("batch_pfns", s.w(0) + s.w(1) + s.w(64))
    case("batch-pfn-beyond-p2m", s, 1, s.offset("batch_pfns", 16), "pv",
         "beyond the p2m size")
    s = pv_stream()
    s.replace("batch_pfns", s.w(0) + s.w(0x50000001) + s.w(2))
    case("batch-bad-type", s, 1, s.offset("batch_pfns", 8), "pv",
         "unknown page type")
    s = pv_stream()
    s.replace("batch_pfns", s.w(0) + s.w(1 << 40) + s.w(2))
    case("batch-high-bits", s, 1, s.offset("batch_pfns", 8), "pv",
         "above 31")

    s = pv_stream()
    s.replace("vcpu_info", struct.pack("<ii", -2, 5000))
    case("vcpu-max-id", s, 1, s.offset("vcpu_info", 4), "pv", "max vcpu id")
    s = pv_stream()
    s.replace("vcpu_info", struct.pack("<iiQ", -2, 1, 0x7))
    case("vcpu-map-beyond", s, 1, s.offset("vcpu_info", 8), "pv",
         "above max id")
    s = pv_stream()
    s.replace("vcpu_info", b"")
    case("vcpu-info-missing", s, 1, s.offset("unmapped"), "pv", "VCPU_INFO")
    s = pv_stream()
    s.insert_before("end", "chunk", struct.pack("<i", -99))
    case("unknown-chunk", s, 1, s.offset("chunk"), "pv", "unknown chunk",
         "-99")
    s = pv_stream()
    s.insert_before("end", "chunk", struct.pack("<iIQ", -3, 0, 1))
    case("hvm-chunk-in-pv", s, 1, s.offset("chunk"), "pv", "HVM-only")
    s = pv_stream(xsave=64)
    s.replace("xsave1", struct.pack("<QQ", 7, 32) + bytes(64))
    case("xsave-size-mismatch", s, 1, s.offset("xsave1", 8), "pv", "xsave size")

    for cid, nm in ((-5, "TMEM"), (-6, "TMEM_EXTRA"), (-13, "ENABLE_COMPRESSION")):
        s = pv_stream()
        s.insert_before("end", "chunk", struct.pack("<i", cid))
        case("unsupported-%s" % nm.lower(), s, 2, s.offset("chunk"), "pv",
             nm, "not supported")
    s = pv_stream()
    s.insert_before("end", "chunk", struct.pack("<iI", -12, 16) + bytes(16))
    case("unsupported-compressed", s, 2, s.offset("chunk"), "pv",
         "COMPRESSED_DATA")

    s = hvm_stream()
    s.replace("dm_sig", b"DeviceModelRecord0003")
    case("bad-dm-signature", s, 1, s.offset("dm_sig"), "hvm", "signature")
    s = hvm_stream()
    s.replace("dm_sig", b"QemuDeviceModelRecord")
    case("dm-without-length", s, 2, s.offset("dm_sig"), "hvm",
         "QemuDeviceModelRecord")
    s = hvm_stream()
    s.replace("dm_len", struct.pack("<I", 0xfffffff0))
    case("dm-too-long", s, 1, s.offset("dm_len"), "hvm", "exceeds")
    s = hvm_stream()
    s.replace("dm_len", struct.pack("<I", 1000))
    case("dm-truncated", s, 1, s.offset("dm_data"), "hvm", "truncated",
         "device model state", "1000 octets expected, input ended after 100")
    s = hvm_stream()
    s.replace("hvm_ctx", struct.pack("<I", 0x7fffffff) + bytes(64))
    case("hvm-ctx-truncated", s, 1, s.offset("hvm_ctx", 4), "hvm",
         "truncated", "HVM context")

    s = hvm_stream()
    ts = struct.pack("<II", 2, 0)
    s.replace("toolstack", struct.pack("<iI", -18, len(ts)) + ts)
    case("toolstack-version", s, 1, s.offset("toolstack", 8), "hvm",
         "version 2")
    s = hvm_stream()
    ts = struct.pack("<II", 1, 1) + struct.pack("<QQQI", 1, 2, 3, 200) + b"x\0"
    s.replace("toolstack", struct.pack("<iI", -18, len(ts)) + ts)
    case("toolstack-name-overrun", s, 1, s.offset("toolstack", 8 + 8 + 24),
         "hvm", "runs past")
    s = hvm_stream()
    ts = struct.pack("<II", 1, 2) + struct.pack("<QQQI", 1, 2, 3, 2) + b"x\0" + \
        b"\xaa" * 4
    s.replace("toolstack", struct.pack("<iI", -18, len(ts)) + ts)
    case("toolstack-count-overrun", s, 1,
         s.offset("toolstack", 8 + 8 + 28 + 6), "hvm", "truncated")
    s = hvm_stream()
    ts = struct.pack("<II", 1, 1) + struct.pack("<QQQI", 1, 2, 3, 3) + \
        b"x\0y" + b"\xaa" * 4
    s.replace("toolstack", struct.pack("<iI", -18, len(ts)) + ts)
    case("toolstack-name-nul", s, 1, s.offset("toolstack", 8 + 8 + 28),
         "hvm", "NUL-terminated")
    s = hvm_stream()
    ts = struct.pack("<II", 1, 1) + struct.pack("<QQQI", 1, 2, 3, 3) + \
        b"x\x01\0" + b"\xaa" * 4
    s.replace("toolstack", struct.pack("<iI", -18, len(ts)) + ts)
    case("toolstack-name-chars", s, 1, s.offset("toolstack", 8 + 8), "hvm",
         "xenstore pair")
    s = hvm_stream()
    params = b"".join(struct.pack("<iIQ", -8, 0, i) for i in range(65))
    s.insert_before("end", "params", params)
    # The base stream already has one (HVM_IDENT_PT): the 64th added fails.
    case("too-many-param-chunks", s, 1, s.offset("params", 63 * 16), "hvm",
         "more than 64")
    # Two toolstack chunks, each within the 1 MiB limit, whose xenstore
    # pairs together overflow one EMULATOR_XENSTORE_DATA record.
    s = hvm_stream()
    long_name = b"n" * 4000
    for k in range(2):
        ts = physmap_blob(8, [(0x1000 * (k * 200 + i), 1, 2, long_name)
                              for i in range(200)])
        s.insert_before("end", "ts%d" % k, struct.pack("<iI", -18, len(ts)) + ts)
    case("toolstack-pairs-overflow", s, 1, None, "hvm",
         "exceeds 1048568 octets of xenstore pairs")
    s = hvm_stream()
    s.replace("toolstack", struct.pack("<iI", -18, 0x7fffffff))
    case("toolstack-too-long", s, 1, s.offset("toolstack", 4), "hvm",
         "exceeds the limit")


def main():
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    build()
    with open(os.path.join(outdir, "cases.txt"), "w") as idx:
        for name, stream, code, offset, guest, words in CASES:
            with open(os.path.join(outdir, name + ".leg"), "wb") as f:
                f.write(stream.bytes())
            idx.write("%s %d %s %s %d %s\n" % (
                name, code, "-" if offset is None else offset, guest,
                stream.word * 8, "|".join(words)))


if __name__ == "__main__":
    main()
