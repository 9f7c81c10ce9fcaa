#!/usr/bin/env python3
"""pg_check.py - the pg tests' window on the library: loads a dataset from
PostgreSQL with lab_dataset_load_pg() through ctypes (as an FFI host would),
checks it against rule packs and prints the report as JSON.

usage: pg_check.py CONNINFO MAPPING|- AS-OF [--lists=PATH...] PACK...
Exit 0 with the JSON report on stdout, or 2 with lab_errmsg() on stderr.
"""
import ctypes
import os
import sys


class EngineOptions(ctypes.Structure):
    # The leading fields; the options structs grow at the end, so the
    # struct is laid over a larger zeroed buffer filled by *_init().
    _fields_ = [("version", ctypes.c_uint),
                ("packs", ctypes.POINTER(ctypes.c_char_p)),
                ("npacks", ctypes.c_size_t),
                ("lists", ctypes.POINTER(ctypes.c_char_p)),
                ("nlists", ctypes.c_size_t)]


class CheckOptions(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint), ("as_of", ctypes.c_char_p)]


def options(lib, init, cls, version):
    buf = ctypes.create_string_buffer(512)  # zeroed, larger than any version
    if init(buf, version) != 0:
        raise SystemExit("options init failed")
    return buf, cls.from_buffer(buf)


def main():
    conninfo, mapping, as_of = sys.argv[1:4]
    lists = [a[len("--lists="):].encode() for a in sys.argv[4:]
             if a.startswith("--lists=")]
    packs = [a.encode() for a in sys.argv[4:]
             if not a.startswith("--lists=")]
    lib = ctypes.CDLL(os.environ["LAB_LIB"])
    lib.lab_errmsg.restype = ctypes.c_char_p
    lib.lab_free.argtypes = [ctypes.c_void_p]

    def die(what):
        sys.stderr.write("%s: %s\n" % (what, lib.lab_errmsg().decode()))
        sys.exit(2)

    ds = ctypes.c_void_p()
    if lib.lab_dataset_new(ctypes.byref(ds)) != 0:
        die("dataset")
    rc = lib.lab_dataset_load_pg(ds, conninfo.encode(),
                                 None if mapping == "-" else mapping.encode())
    if rc != 0:
        die("load")
    arr = (ctypes.c_char_p * len(packs))(*packs)
    ebuf, eo = options(lib, lib.lab_engine_options_init, EngineOptions, 1)
    eo.packs = arr
    eo.npacks = len(packs)
    larr = (ctypes.c_char_p * max(len(lists), 1))(*lists)
    if lists:
        eo.lists = larr
        eo.nlists = len(lists)
    eng = ctypes.c_void_p()
    if lib.lab_engine_new(ctypes.byref(eng), ebuf) != 0:
        die("engine")
    cbuf, co = options(lib, lib.lab_check_options_init, CheckOptions, 1)
    as_of_b = as_of.encode()
    co.as_of = as_of_b
    rep = ctypes.c_void_p()
    if lib.lab_check(ctypes.byref(rep), eng, ds, cbuf) != 0:
        die("check")
    out = ctypes.c_void_p()
    if lib.lab_report_render(ctypes.byref(out), rep, 1) != 0:
        die("render")
    sys.stdout.write(ctypes.string_at(out.value).decode())
    lib.lab_free(out)
    lib.lab_report_free(rep)
    lib.lab_engine_free(eng)
    lib.lab_dataset_free(ds)


main()
