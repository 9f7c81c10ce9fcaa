"""labaudit.py - a small ctypes binding of liblabaudit for Python hosts.

It loads liblabaudit.so.0 (by name, or from the path in LABAUDIT_LIB or
given to load()), refuses a library whose ABI is not the one this module
was written for, and wraps the public C API in three classes: Engine
(compiled rule packs, immutable, safe to share between threads), Dataset
(records; one thread at a time) and Report (the result of one check).
Every handle has close() and is a context manager; a failing call raises
LabauditError carrying the library's error code and its lab_errmsg()
message; strings the library hands over are copied and released with
lab_free().  Findings come back as frozen dataclasses.  Engine.check_json()
is the one-string-in, one-string-out call for callers who prefer plain
dicts.  The standard library is all it needs.
"""

from __future__ import annotations

import ctypes
import enum
import json
import os
import threading
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Optional, Sequence, Union

__all__ = [
    "ABI_VERSION", "LabauditError", "Severity", "Subject", "RecordKind",
    "Finding", "ProductVerdict", "Unknown", "PackInfo", "Library", "load",
    "Engine", "Dataset", "Report",
]

#: The ABI major this module speaks (LAB_ABI_MAJOR of labaudit.h).
ABI_VERSION = 1

#: The library's file name (its SONAME), found through the loader's path.
DEFAULT_NAME = "liblabaudit.so.0"

_ENGINE_OPTIONS_VERSION = 1
_CHECK_OPTIONS_VERSION = 1


class Severity(enum.IntEnum):
    """Finding severities; a higher value is worse."""
    INFO = 0
    MINOR = 1
    MAJOR = 2
    BLOCKER = 3

    @classmethod
    def parse(cls, value: Union["Severity", int, str]) -> "Severity":
        if isinstance(value, str):
            return cls[value.upper()]
        return cls(value)

    def __str__(self) -> str:
        return self.name.lower()


class Subject(enum.IntEnum):
    """What a finding is about."""
    SUPPLIER = 0
    LINK = 1
    AUDIT = 2
    CHAIN = 3
    NONCOMPLIANCE = 4

    def __str__(self) -> str:
        return self.name.lower()


class RecordKind(enum.IntEnum):
    """Kinds of record a dataset holds."""
    SUPPLIER = 0
    LINK = 1
    AUDIT = 2
    DOCUMENT = 3
    PRODUCT = 4
    NONCOMPLIANCE = 5
    LOT = 6
    LOT_INPUT = 7


# Error codes of lab_error, by value, for LabauditError.name.
_ERROR_NAMES = {
    -1: "ENOMEM", -2: "EINVAL", -3: "EIO", -4: "EPARSE", -5: "ESCHEMA",
    -6: "ENOTFOUND", -7: "EVERSION", -8: "ELIMIT", -9: "EDUPLICATE",
    -10: "ECRYPTO", -11: "EDB", -12: "ENET", -13: "EUNSUPPORTED",
    -14: "ETEST", -15: "EBLOCKED",
}


class LabauditError(Exception):
    """A call into liblabaudit failed.

    `code` is the negative lab_error value, `name` its symbolic name
    (``"EPARSE"``...), `message` the library's one-line lab_errmsg() (what
    failed, where, what was expected) and `function` the C function.
    """

    def __init__(self, code: int, message: str, function: str = ""):
        self.code = code
        self.name = _ERROR_NAMES.get(code, str(code))
        self.message = message
        self.function = function
        super().__init__(message or f"{function}: error {self.name}")


@dataclass(frozen=True)
class Finding:
    """One rule firing on one subject, with the evidence that made it fire."""
    rule_id: str
    pack_id: str
    severity: Severity
    subject: Subject
    subject_id: str
    title: str
    message: str
    basis: str
    remediation: str
    #: field name -> value (decoded from the library's JSON text)
    evidence: Mapping[str, Any] = field(default_factory=dict)
    #: who accepted the finding, why and until when, when a waiver does
    waiver: Optional[Mapping[str, str]] = None
    #: for a finding in Report.history: how the facility's history took
    #: it out of play ("superseded by AUD-7, ..."); None for a live one
    history: Optional[str] = None

    @property
    def open(self) -> bool:
        """True unless a waiver accepts the finding."""
        return self.waiver is None

    def evidence_text(self) -> str:
        """The evidence as ``field=value`` pairs, values as JSON."""
        return " ".join(f"{k}={json.dumps(v, ensure_ascii=False)}"
                        for k, v in self.evidence.items())


@dataclass(frozen=True)
class ProductVerdict:
    """A product checked, with the worst severity found in its chain."""
    id: str
    worst: Optional[Severity]
    #: required facts unknown in its chain (a certificate is refused while
    #: any is); None when the library does not report them
    unknowns: Optional[int] = None
    #: the lot this verdict judges (one verdict per lot when the dataset
    #: has lot records), and the weakest custody model on its chain; None
    #: for a verdict on the chain of whole suppliers
    lot: Optional[str] = None
    custody: Optional[str] = None

    @property
    def blocked(self) -> bool:
        return self.worst is Severity.BLOCKER


@dataclass(frozen=True)
class Unknown:
    """A fact a rule pack requires that a facility's current audits leave
    unknown (unknown is not compliant)."""
    supplier_id: str
    #: "audit.documents_held_by_employer"
    field: str
    pack_id: str


@dataclass(frozen=True)
class PackInfo:
    """A rule pack compiled into an engine."""
    id: str
    version: str
    sha256: str


# ---------------------------------------------------------------- structs
#
# Option structs are filled by the library's *_init() before we set our
# fields.  labaudit grows them at the end (new optional fields, NULL
# meaning "not used"), so each one here carries spare zeroed room: a
# newer library's *_init() then writes its defaults into memory we own,
# and fields this binding does not know stay at those defaults.

_SPARE = ("_spare", ctypes.c_void_p * 32)

class _EngineOptions(ctypes.Structure):
    _fields_ = [
        ("version", ctypes.c_uint),
        ("packs", ctypes.POINTER(ctypes.c_char_p)),
        ("npacks", ctypes.c_size_t),
        ("lists", ctypes.POINTER(ctypes.c_char_p)),
        ("nlists", ctypes.c_size_t),
        _SPARE,
    ]


_PROGRESS_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_size_t,
                                ctypes.c_size_t)


class _CheckOptions(ctypes.Structure):
    _fields_ = [
        ("version", ctypes.c_uint),
        ("as_of", ctypes.c_char_p),
        ("product", ctypes.c_char_p),
        ("supplier", ctypes.c_char_p),
        ("progress", _PROGRESS_FN),
        ("progress_ud", ctypes.c_void_p),
        ("waivers", ctypes.c_char_p),
        ("evidence_dir", ctypes.c_char_p),
        _SPARE,
    ]


class _VerifyOptions(ctypes.Structure):
    _fields_ = [
        ("version", ctypes.c_uint),
        ("trust_list", ctypes.c_char_p),
        ("status_list", ctypes.c_char_p),
        ("status_list_len", ctypes.c_size_t),
        ("evidence_dir", ctypes.c_char_p),
        ("at", ctypes.c_char_p),
        _SPARE,
    ]


# ---------------------------------------------------------------- library

_P = ctypes.c_void_p
_S = ctypes.c_char_p
_I = ctypes.c_int
_Z = ctypes.c_size_t
_PP = ctypes.POINTER(ctypes.c_void_p)
_PS = ctypes.POINTER(ctypes.c_char_p)

# name: (restype, argtypes, returns an error code)
_SIGNATURES = {
    "lab_version": (_S, [], False),
    "lab_version_number": (_I, [], False),
    "lab_abi_version": (_I, [], False),
    "lab_errmsg": (_S, [], False),
    "lab_strerror": (_S, [_I], False),
    "lab_free": (None, [_P], False),
    "lab_severity_name": (_S, [_I], False),
    "lab_engine_options_init": (_I, [ctypes.POINTER(_EngineOptions),
                                     ctypes.c_uint], True),
    "lab_engine_new": (_I, [_PP, ctypes.POINTER(_EngineOptions)], True),
    "lab_engine_free": (None, [_P], False),
    "lab_engine_pack_count": (_Z, [_P], False),
    "lab_engine_rule_count": (_Z, [_P], False),
    "lab_engine_pack_info": (_I, [_P, _Z, _PS, _PS, _PS], True),
    "lab_engine_describe": (_I, [_PP, _P, _I], True),
    "lab_dataset_new": (_I, [_PP], True),
    "lab_dataset_free": (None, [_P], False),
    "lab_dataset_load": (_I, [_P, _S], True),
    "lab_dataset_load_epcis": (_I, [_P, _S], True),
    "lab_dataset_add": (_I, [_P, _I, _PS, _PS, _Z, _S], True),
    "lab_dataset_count": (_Z, [_P, _I], False),
    "lab_dataset_warning_count": (_Z, [_P], False),
    "lab_dataset_warning": (_S, [_P, _Z], False),
    "lab_check_options_init": (_I, [ctypes.POINTER(_CheckOptions),
                                    ctypes.c_uint], True),
    "lab_check": (_I, [_PP, _P, _P, ctypes.POINTER(_CheckOptions)], True),
    "lab_report_free": (None, [_P], False),
    "lab_report_finding_count": (_Z, [_P], False),
    "lab_report_finding": (_P, [_P, _Z], False),
    "lab_report_worst": (_I, [_P], False),
    "lab_report_count_at_least": (_Z, [_P, _I], False),
    "lab_report_warning_count": (_Z, [_P], False),
    "lab_report_warning": (_S, [_P, _Z], False),
    "lab_finding_waiver": (_I, [_P, _PS, _PS, _PS], False),
    "lab_report_product_count": (_Z, [_P], False),
    "lab_report_product": (_I, [_P, _Z, _PS, ctypes.POINTER(_I)], True),
    "lab_report_product_lot": (_I, [_P, _Z, _PS, _PS], True),
    "lab_report_render": (_I, [_PP, _P, _I], True),
    "lab_finding_rule_id": (_S, [_P], False),
    "lab_finding_pack_id": (_S, [_P], False),
    "lab_finding_subject": (_I, [_P], False),
    "lab_finding_subject_id": (_S, [_P], False),
    "lab_finding_severity": (_I, [_P], False),
    "lab_finding_title": (_S, [_P], False),
    "lab_finding_message": (_S, [_P], False),
    "lab_finding_basis": (_S, [_P], False),
    "lab_finding_remediation": (_S, [_P], False),
    "lab_finding_evidence_count": (_Z, [_P], False),
    "lab_finding_evidence": (_I, [_P, _Z, _PS, _PS], True),
    "lab_check_json": (_I, [_PP, _P, _S], True),
    "lab_schema_describe": (_I, [_PP], True),
}

# Functions a newer library adds: typed if present, never required.
_OPTIONAL = {
    "lab_verify_options_init": (_I, [ctypes.POINTER(_VerifyOptions),
                                     ctypes.c_uint], True),
    "lab_verify": (_I, [ctypes.POINTER(_I), _PP, _S, _Z,
                        ctypes.POINTER(_VerifyOptions)], True),
    "lab_verify_reason": (_S, [_I], False),
    # history and unknowns (labaudit 0.2)
    "lab_report_history_count": (_Z, [_P], False),
    "lab_report_history": (_P, [_P, _Z], False),
    "lab_finding_history": (_S, [_P], False),
    "lab_report_unknown_count": (_Z, [_P], False),
    "lab_report_unknown": (_I, [_P, _Z, _PS, _PS, _PS], True),
    "lab_report_product_unknowns": (_Z, [_P, _Z], False),
}
_VERIFY_OPTIONS_VERSION = 1


def _text(b: Optional[bytes]) -> str:
    return "" if b is None else b.decode("utf-8", "replace")


def _arg(s: Optional[Union[str, os.PathLike]]) -> Optional[bytes]:
    if s is None:
        return None
    return os.fsencode(s) if isinstance(s, os.PathLike) else s.encode()


class Library:
    """A loaded liblabaudit with its functions typed.

    Most callers use load(), which keeps one Library per path.
    """

    def __init__(self, path: Optional[str] = None):
        path = path or os.environ.get("LABAUDIT_LIB") or DEFAULT_NAME
        try:
            self._dll = ctypes.CDLL(path)
        except OSError as e:
            raise LabauditError(-13, f"cannot load {path}: {e}",
                                "dlopen") from None
        self.path = path
        self._fn = {}
        optional = {n: sig for n, sig in _OPTIONAL.items()
                    if hasattr(self._dll, n)}
        for name, (res, args, checked) in {**_SIGNATURES,
                                           **optional}.items():
            f = getattr(self._dll, name)
            f.restype = res
            f.argtypes = args
            self._fn[name] = (f, checked)
        abi = self._dll.lab_abi_version()
        if abi != ABI_VERSION:
            raise LabauditError(
                -7, f"{path}: library ABI {abi}, this binding speaks ABI "
                f"{ABI_VERSION}", "lab_abi_version")

    def has(self, name: str) -> bool:
        """Whether the library exports function `name` (e.g. lab_verify)."""
        return name in self._fn or hasattr(self._dll, name)

    def need(self, name: str) -> None:
        """Raises LabauditError EUNSUPPORTED unless the library has the
        optional function `name`: what it would report is never made up."""
        if name not in self._fn:
            raise LabauditError(
                -13, f"{name} not available: {self.path} is older than "
                "the binding", name)

    def call(self, name: str, *args):
        """Calls `name`; a negative result of a checked call raises."""
        f, checked = self._fn[name]
        rc = f(*args)
        if checked and rc != 0:
            raise self.error(rc, name)
        return rc

    def error(self, rc: int, function: str) -> LabauditError:
        msg = _text(self._dll.lab_errmsg())
        if not msg:
            msg = f"{function}: {_text(self._dll.lab_strerror(rc))}"
        return LabauditError(rc, msg, function)

    def take_string(self, ptr: ctypes.c_void_p) -> str:
        """Copies a string the library returned, then lab_free()s it."""
        if not ptr.value:
            return ""
        try:
            return ctypes.string_at(ptr.value).decode("utf-8", "replace")
        finally:
            self._dll.lab_free(ptr)

    @property
    def version(self) -> str:
        return _text(self._dll.lab_version())

    @property
    def version_number(self) -> int:
        return self._dll.lab_version_number()

    @property
    def abi_version(self) -> int:
        return self._dll.lab_abi_version()

    def strerror(self, code: int) -> str:
        return _text(self._dll.lab_strerror(code))

    @property
    def can_verify(self) -> bool:
        """Whether this library verifies certificates (lab_verify)."""
        return "lab_verify" in self._fn

    def verify(self, certificate: str, trust_list: Union[str, Mapping],
               status_list: Optional[str] = None,
               evidence_dir: Optional[str] = None,
               at: Optional[str] = None) -> dict:
        """Verifies a certificate (compact vc+jwt or enveloped JSON).

        Returns the library's result as a dict with "valid" (bool),
        "reason" ("valid", "bad_signature", ...), "message", "issuer"...
        An invalid certificate is a result, not an exception; a bad trust
        list or argument raises.  A library without lab_verify raises
        LabauditError EUNSUPPORTED: nothing is ever reported as verified
        that was not.
        """
        if not self.can_verify:
            raise LabauditError(
                -13, f"verification not available: {self.path} has no "
                "lab_verify", "lab_verify")
        if not isinstance(trust_list, str):
            trust_list = json.dumps(trust_list)
        opts = _VerifyOptions()
        self.call("lab_verify_options_init", ctypes.byref(opts),
                  _VERIFY_OPTIONS_VERSION)
        opts.trust_list = trust_list.encode()
        sl = _arg(status_list)
        if sl is not None:
            opts.status_list, opts.status_list_len = sl, len(sl)
        opts.evidence_dir = _arg(evidence_dir)
        opts.at = _arg(at)
        cert = certificate.encode()
        status, out = ctypes.c_int(), ctypes.c_void_p()
        self.call("lab_verify", ctypes.byref(status), ctypes.byref(out),
                  cert, len(cert), ctypes.byref(opts))
        result = json.loads(self.take_string(out)) if out.value else {}
        result.setdefault("valid", status.value == 0)
        result.setdefault("reason",
                          _text(self._fn["lab_verify_reason"][0](
                              status.value)))
        result["status"] = status.value
        return result

    def schema(self) -> dict:
        """The record schema (kinds, fields, types) as a dict."""
        out = ctypes.c_void_p()
        self.call("lab_schema_describe", ctypes.byref(out))
        return json.loads(self.take_string(out))


_libs: dict = {}
_libs_lock = threading.Lock()


def load(path: Optional[str] = None) -> Library:
    """The library at `path` (default: $LABAUDIT_LIB, else by its SONAME)."""
    key = path or os.environ.get("LABAUDIT_LIB") or DEFAULT_NAME
    with _libs_lock:
        lib = _libs.get(key)
        if lib is None:
            lib = _libs[key] = Library(key)
        return lib


# ---------------------------------------------------------------- handles

class _Handle:
    """An owned C handle.  close() frees it once no report still borrows
    from it (a report borrows rule texts from its engine and ids from its
    dataset), so closing in any order is safe."""

    _free_fn = ""

    def __init__(self, lib: Library):
        self._lib = lib
        self._ptr = ctypes.c_void_p()
        self._borrowers = 0
        self._closing = False
        self._lock = threading.Lock()

    @property
    def _h(self) -> ctypes.c_void_p:
        if self._closing or not self._ptr.value:
            raise LabauditError(-2, f"{type(self).__name__} is closed",
                                type(self).__name__)
        return self._ptr

    @property
    def closed(self) -> bool:
        return self._closing

    def _pin(self) -> None:
        with self._lock:
            self._borrowers += 1

    def _unpin(self) -> None:
        with self._lock:
            self._borrowers -= 1
            free = self._closing and self._borrowers == 0
        if free:
            self._release()

    def _release(self) -> None:
        if self._ptr.value:
            self._lib.call(self._free_fn, self._ptr)
            self._ptr = ctypes.c_void_p()

    def close(self) -> None:
        """Releases the handle (at once, or when its last report closes)."""
        with self._lock:
            if self._closing:
                return
            self._closing = True
            free = self._borrowers == 0
        if free:
            self._release()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


def _strings(items: Iterable) -> tuple:
    """A C array of char * and the bytes objects that keep it alive."""
    keep = [_arg(s) for s in items]
    arr = (ctypes.c_char_p * max(len(keep), 1))(*keep)
    return arr, keep


class Engine(_Handle):
    """Compiled rule packs.  Immutable: share one engine between threads.

    `packs` are rule-pack files or folders of *.xml; `lists` reference
    lists (CSV files or folders, e.g. ``rules/data``).
    """

    _free_fn = "lab_engine_free"

    def __init__(self, packs: Sequence[Union[str, os.PathLike]],
                 lists: Sequence[Union[str, os.PathLike]] = (),
                 lib: Optional[Library] = None):
        super().__init__(lib or load())
        if isinstance(packs, (str, os.PathLike)):
            packs = [packs]
        if isinstance(lists, (str, os.PathLike)):
            lists = [lists]
        opts = _EngineOptions()
        self._lib.call("lab_engine_options_init", ctypes.byref(opts),
                       _ENGINE_OPTIONS_VERSION)
        parr, pkeep = _strings(packs)
        larr, lkeep = _strings(lists)
        opts.packs, opts.npacks = parr, len(pkeep)
        opts.lists, opts.nlists = larr, len(lkeep)
        self._lib.call("lab_engine_new", ctypes.byref(self._ptr),
                       ctypes.byref(opts))

    @property
    def rule_count(self) -> int:
        return self._lib.call("lab_engine_rule_count", self._h)

    @property
    def packs(self) -> list:
        out = []
        n = self._lib.call("lab_engine_pack_count", self._h)
        for i in range(n):
            pid, ver, sha = ctypes.c_char_p(), ctypes.c_char_p(), \
                ctypes.c_char_p()
            self._lib.call("lab_engine_pack_info", self._h, i,
                           ctypes.byref(pid), ctypes.byref(ver),
                           ctypes.byref(sha))
            out.append(PackInfo(_text(pid.value), _text(ver.value),
                                _text(sha.value)))
        return out

    def describe(self, jsonlogic: bool = False) -> dict:
        """Every pack, rule and test, as a dict."""
        out = ctypes.c_void_p()
        self._lib.call("lab_engine_describe", ctypes.byref(out), self._h,
                       1 if jsonlogic else 0)
        return json.loads(self._lib.take_string(out))

    def check(self, dataset: "Dataset", as_of: Optional[str] = None,
              product: Optional[str] = None, supplier: Optional[str] = None,
              waivers: Optional[Union[str, os.PathLike]] = None,
              evidence_dir: Optional[Union[str, os.PathLike]] = None,
              progress=None) -> "Report":
        """Runs every rule on `dataset`; returns a Report.

        `as_of` is YYYY-MM-DD (default: today, UTC); `product` or
        `supplier` limit the check to that chain; `waivers` names a waiver
        CSV file (waived findings stay, marked, but no longer count);
        `evidence_dir` the folder documents' uris are relative to (their
        files are then hashed and compared with the recorded SHA-256);
        `progress(done, total)` is called now and then from the checking
        thread.
        """
        opts = _CheckOptions()
        self._lib.call("lab_check_options_init", ctypes.byref(opts),
                       _CHECK_OPTIONS_VERSION)
        opts.as_of = _arg(as_of)
        opts.product = _arg(product)
        opts.supplier = _arg(supplier)
        opts.waivers = _arg(waivers)
        opts.evidence_dir = _arg(evidence_dir)
        cb = None
        if progress is not None:
            cb = _PROGRESS_FN(lambda _ud, done, total: progress(done, total))
            opts.progress = cb
        rep = ctypes.c_void_p()
        with dataset._borrow():
            self._lib.call("lab_check", ctypes.byref(rep), self._h,
                           dataset._h, ctypes.byref(opts))
        return Report(self._lib, rep, self, dataset)

    def check_json(self, request: Union[str, Mapping[str, Any]]) -> dict:
        """The JSON call: `request` as in lab_check_json (a dict or JSON
        text with "data" (folder or inline records), "as_of", "product",
        "supplier"); returns the report as a dict."""
        if not isinstance(request, str):
            request = json.dumps(request)
        return json.loads(self.check_json_text(request))

    def check_json_text(self, request: str) -> str:
        """lab_check_json with text in and text out."""
        out = ctypes.c_void_p()
        self._lib.call("lab_check_json", ctypes.byref(out), self._h,
                       request.encode())
        return self._lib.take_string(out)


class Dataset(_Handle):
    """Records and their supply graph.  Use it from one thread at a time."""

    _free_fn = "lab_dataset_free"

    def __init__(self, source: Optional[Union[str, os.PathLike]] = None,
                 lib: Optional[Library] = None):
        super().__init__(lib or load())
        self._busy = threading.Lock()
        self._lib.call("lab_dataset_new", ctypes.byref(self._ptr))
        if source is not None:
            self.load(source)

    def _borrow(self):
        """Held while the library works on the dataset: a second thread
        using the same dataset at once waits instead of racing."""
        return self._busy

    def load(self, source: Union[str, os.PathLike]) -> "Dataset":
        """Loads a folder of CSV files (all or nothing)."""
        with self._busy:
            self._lib.call("lab_dataset_load", self._h, _arg(source))
        return self

    def load_epcis(self, path: Union[str, os.PathLike]) -> "Dataset":
        """Adds the lots, lot inputs and shipments of GS1 EPCIS 2.0
        documents (a file, or a folder of *.json / *.jsonld), all or
        nothing; their locations must be suppliers already loaded."""
        with self._busy:
            self._lib.call("lab_dataset_load_epcis", self._h, _arg(path))
        return self

    def add(self, kind: Union[RecordKind, str], fields: Mapping[str, Any],
            origin: Optional[str] = None) -> "Dataset":
        """Adds one record from field names and values, validated as the
        CSV adapter does.  `kind` is a RecordKind or its name
        ("supplier", ...); values are converted with str() (booleans as
        true/false, None as empty)."""
        if isinstance(kind, str):
            kind = RecordKind[kind.upper()]
        names, nkeep = _strings(fields.keys())
        values, vkeep = _strings(_field_text(v) for v in fields.values())
        with self._busy:
            self._lib.call("lab_dataset_add", self._h, int(kind), names,
                           values, len(nkeep), _arg(origin))
        del vkeep
        return self

    def count(self, kind: Union[RecordKind, str]) -> int:
        if isinstance(kind, str):
            kind = RecordKind[kind.upper()]
        return self._lib.call("lab_dataset_count", self._h, int(kind))

    @property
    def warnings(self) -> list:
        n = self._lib.call("lab_dataset_warning_count", self._h)
        return [_text(self._lib.call("lab_dataset_warning", self._h, i))
                for i in range(n)]


def _field_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, tuple)):
        return ";".join(str(x) for x in v)
    return str(v)


class Report(_Handle):
    """The result of one check.  It borrows from its engine and dataset,
    which stay alive (even if closed) until the report is closed."""

    _free_fn = "lab_report_free"

    def __init__(self, lib: Library, ptr: ctypes.c_void_p, engine: Engine,
                 dataset: Dataset):
        super().__init__(lib)
        self._ptr = ptr
        self._engine, self._dataset = engine, dataset
        engine._pin()
        dataset._pin()
        self._findings = None
        self._history = None

    def _release(self) -> None:
        super()._release()
        if self._engine is not None:
            engine, dataset = self._engine, self._dataset
            self._engine = self._dataset = None
            engine._unpin()
            dataset._unpin()

    @property
    def worst(self) -> Optional[Severity]:
        """The worst severity of any open finding, None when none."""
        w = self._lib.call("lab_report_worst", self._h)
        return None if w < 0 else Severity(w)

    @property
    def warnings(self) -> list:
        """Warnings of the check (expired or unmatched waivers...)."""
        n = self._lib.call("lab_report_warning_count", self._h)
        return [_text(self._lib.call("lab_report_warning", self._h, i))
                for i in range(n)]

    def count_at_least(self, severity: Union[Severity, str]) -> int:
        """Findings at or above `severity` that no waiver accepts."""
        return self._lib.call("lab_report_count_at_least", self._h,
                              int(Severity.parse(severity)))

    @property
    def findings(self) -> list:
        """Every finding, in the library's deterministic order."""
        if self._findings is None:
            h = self._h
            n = self._lib.call("lab_report_finding_count", h)
            self._findings = [self._finding(
                self._lib.call("lab_report_finding", h, i))
                for i in range(n)]
        return list(self._findings)

    @property
    def history(self) -> list:
        """Findings the facilities' history took out of play (on an audit
        a newer full audit superseded, or whose non-compliances were all
        corrected and verified), each with Finding.history saying why.
        They never count in a verdict."""
        if self._history is None:
            self._lib.need("lab_report_history_count")
            h = self._h
            n = self._lib.call("lab_report_history_count", h)
            self._history = [self._finding(
                self._lib.call("lab_report_history", h, i))
                for i in range(n)]
        return list(self._history)

    @property
    def unknowns(self) -> list:
        """Required facts (rule packs' <require>) that facilities' current
        audits leave unknown, as Unknown records."""
        self._lib.need("lab_report_unknown_count")
        h = self._h
        out = []
        for i in range(self._lib.call("lab_report_unknown_count", h)):
            sup, fld, pack = (ctypes.c_char_p(), ctypes.c_char_p(),
                              ctypes.c_char_p())
            self._lib.call("lab_report_unknown", h, i, ctypes.byref(sup),
                           ctypes.byref(fld), ctypes.byref(pack))
            out.append(Unknown(_text(sup.value), _text(fld.value),
                               _text(pack.value)))
        return out

    def _finding(self, f: int) -> Finding:
        c = self._lib.call
        ev = {}
        for i in range(c("lab_finding_evidence_count", f)):
            name, val = ctypes.c_char_p(), ctypes.c_char_p()
            c("lab_finding_evidence", f, i, ctypes.byref(name),
              ctypes.byref(val))
            try:
                ev[_text(name.value)] = json.loads(_text(val.value))
            except ValueError:
                ev[_text(name.value)] = _text(val.value)
        waiver = None
        who, why, until = (ctypes.c_char_p(), ctypes.c_char_p(),
                           ctypes.c_char_p())
        if c("lab_finding_waiver", f, ctypes.byref(who), ctypes.byref(why),
             ctypes.byref(until)):
            waiver = {"approver": _text(who.value),
                      "justification": _text(why.value),
                      "expires": _text(until.value)}
        history = None
        if self._lib.has("lab_finding_history"):
            why_history = c("lab_finding_history", f)
            history = None if why_history is None else _text(why_history)
        return Finding(
            rule_id=_text(c("lab_finding_rule_id", f)),
            pack_id=_text(c("lab_finding_pack_id", f)),
            severity=Severity(c("lab_finding_severity", f)),
            subject=Subject(c("lab_finding_subject", f)),
            subject_id=_text(c("lab_finding_subject_id", f)),
            title=_text(c("lab_finding_title", f)),
            message=_text(c("lab_finding_message", f)),
            basis=_text(c("lab_finding_basis", f)),
            remediation=_text(c("lab_finding_remediation", f)),
            evidence=ev, waiver=waiver, history=history)

    @property
    def products(self) -> list:
        out = []
        counts = self._lib.has("lab_report_product_unknowns")
        lots = self._lib.has("lab_report_product_lot")
        for i in range(self._lib.call("lab_report_product_count", self._h)):
            pid, worst = ctypes.c_char_p(), ctypes.c_int()
            self._lib.call("lab_report_product", self._h, i,
                           ctypes.byref(pid), ctypes.byref(worst))
            lot, custody = ctypes.c_char_p(), ctypes.c_char_p()
            if lots:
                self._lib.call("lab_report_product_lot", self._h, i,
                               ctypes.byref(lot), ctypes.byref(custody))
            out.append(ProductVerdict(
                _text(pid.value),
                None if worst.value < 0 else Severity(worst.value),
                self._lib.call("lab_report_product_unknowns", self._h, i)
                if counts else None,
                _text(lot.value) if lot.value else None,
                _text(custody.value) if custody.value else None))
        return out

    def render(self, format: str = "text") -> str:
        """The whole report as "text" (for people) or "json"."""
        fmt = {"text": 0, "json": 1}[format]
        out = ctypes.c_void_p()
        self._lib.call("lab_report_render", ctypes.byref(out), self._h, fmt)
        return self._lib.take_string(out)

    def to_dict(self) -> dict:
        """The report as the library's JSON, decoded."""
        return json.loads(self.render("json"))
