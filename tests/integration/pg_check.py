#!/usr/bin/env python3
"""pg_check.py - the pg tests' window on the library: loads a dataset from
PostgreSQL with lab_dataset_load_pg() through ctypes (as an FFI host would),
checks it against rule packs and prints the report as JSON.

usage: pg_check.py CONNINFO MAPPING|- AS-OF PACK...
Exit 0 with the JSON report on stdout, or 2 with lab_errmsg() on stderr.
"""
import ctypes
import os
import sys


class EngineOptions(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint),
                ("packs", ctypes.POINTER(ctypes.c_char_p)),
                ("npacks", ctypes.c_size_t)]


class CheckOptions(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint), ("as_of", ctypes.c_char_p),
                ("product", ctypes.c_char_p), ("supplier", ctypes.c_char_p),
                ("progress", ctypes.c_void_p), ("progress_ud", ctypes.c_void_p),
                ("waivers", ctypes.c_char_p)]


def main():
    conninfo, mapping, as_of = sys.argv[1:4]
    packs = [p.encode() for p in sys.argv[4:]]
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
    eo = EngineOptions(1, arr, len(packs))
    eng = ctypes.c_void_p()
    if lib.lab_engine_new(ctypes.byref(eng), ctypes.byref(eo)) != 0:
        die("engine")
    co = CheckOptions(1, as_of.encode())
    rep = ctypes.c_void_p()
    if lib.lab_check(ctypes.byref(rep), eng, ds, ctypes.byref(co)) != 0:
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
