# screening.py - the bridge between Tryton and liblabaudit: it loads the
# binding, keeps one compiled engine per configuration (an engine is
# immutable, so every Tryton worker thread shares it), and screens one
# supplier id against the dataset folder named in the configuration.  It
# knows nothing of Tryton models beyond the configuration record it is
# handed, so the models stay thin.  The library it loads is named only by
# the server's configuration (trytond.conf, [labaudit] library), never by
# a database record: whoever can edit records must not choose what code
# the server loads.  Without the Python binding the module still loads;
# every screening then fails as "labaudit unavailable", which the purchase
# policy treats as unscreened (refused).
import threading

from trytond.config import config as tryton_config

try:
    import labaudit as lab
    _import_error = None
except ImportError as e:  # the binding is not installed on this server
    lab = None
    _import_error = e

_engines = {}
_lock = threading.Lock()

# Status values stored on a party, from best to worst.
STATUSES = [
    ('clear', "Clear"),
    ('findings', "Findings below the blocking level"),
    ('blocked', "Blocked: open blocking finding"),
    ('not_found', "Not in the labaudit data"),
    ('error', "Screening failed"),
    ]

SEVERITIES = [
    ('info', "Info"),
    ('minor', "Minor"),
    ('major', "Major"),
    ('blocker', "Blocker"),
    ]


class ScreeningError(Exception):
    "Screening could not run (bad configuration, data or rule packs)."


def _lines(text):
    return tuple(x.strip() for x in (text or '').splitlines() if x.strip())


def library_path():
    """The library the server loads: trytond.conf's [labaudit] library, or
    None for $LABAUDIT_LIB or the system loader's liblabaudit.so.0."""
    return tryton_config.get('labaudit', 'library', default=None) or None


def available():
    "Raises ScreeningError when the Python binding cannot be imported."
    if lab is None:
        raise ScreeningError("labaudit unavailable: the Python binding "
            "cannot be imported (%s)" % _import_error)


def library(config):
    "The binding's Library for the server's configured path."
    available()
    try:
        return lab.load(library_path())
    except lab.LabauditError as e:
        raise ScreeningError(str(e)) from e


def engine(config):
    "The engine for the configured rule packs and lists, compiled once."
    packs, lists = _lines(config.rules_paths), _lines(config.lists_paths)
    if not packs:
        raise ScreeningError("no rule packs configured")
    key = (library_path() or '', packs, lists)
    with _lock:
        eng = _engines.get(key)
        if eng is None:
            try:
                eng = lab.Engine(packs, lists, lib=library(config))
            except lab.LabauditError as e:
                raise ScreeningError(str(e)) from e
            _engines[key] = eng
        return eng


def forget_engines():
    "Drops cached engines (after the configuration changed)."
    with _lock:
        _engines.clear()


class Result:
    "The outcome of screening one supplier id."

    def __init__(self, status, worst=None, findings=(), message='',
            block_at=None):
        self.status = status
        self.block_at = (block_at if block_at is not None
            else lab.Severity.BLOCKER if lab is not None else None)
        self.worst = worst
        self.findings = list(findings)
        self.message = message

    @property
    def blocking(self):
        "Open findings at or above the blocking severity."
        return [f for f in self.findings
                if f.open and f.severity >= self.block_at]


def screen(config, supplier_id):
    """Checks `supplier_id` and its upstream chain.  Returns a Result;
    raises ScreeningError if screening itself cannot run."""
    available()
    if not config.data_path:
        raise ScreeningError("no labaudit data folder configured")
    eng = engine(config)
    as_of = config.as_of.isoformat() if config.as_of else None
    block_at = lab.Severity.parse(config.block_severity or 'blocker')
    try:
        with lab.Dataset(config.data_path, lib=eng._lib) as ds, \
                eng.check(ds, as_of=as_of, supplier=supplier_id,
                    waivers=config.waivers_path or None) as rep:
            findings = rep.findings
            worst = rep.worst
            blocking = rep.count_at_least(block_at)
    except lab.LabauditError as e:
        # The library names an unknown supplier with LAB_ENOTFOUND.
        if e.name == 'ENOTFOUND' and supplier_id in e.message:
            return Result('not_found', message=str(e))
        raise ScreeningError(str(e)) from e
    if blocking:
        status = 'blocked'
    elif findings:
        status = 'findings'
    else:
        status = 'clear'
    return Result(status, str(worst) if worst is not None else None,
        findings, "%d finding(s), %d open at or above %s"
        % (len(findings), blocking, block_at), block_at)


def verify_certificate(config, certificate):
    """A one-line verification status for a certificate text.  It says
    'verified' only when lab_verify said valid; anything else starts with
    'not verified:' and says why."""
    if not certificate:
        return ''
    try:
        lib = library(config)
    except ScreeningError as e:
        return "not verified: %s" % e
    if not lib.can_verify:
        return "not verified: verification not available"
    if not config.trust_list:
        return "not verified: no trust list configured"
    lists = []
    for path in _lines(getattr(config, 'status_lists', None)):
        try:
            with open(path, encoding='utf-8') as f:
                lists.append(f.read())
        except (OSError, UnicodeDecodeError) as e:
            # fail closed: a list that cannot be read is no all-clear
            return "not verified: status list %s cannot be read (%s)" % (
                path, e)
    try:
        result = lib.verify(certificate.strip(), config.trust_list,
            status_list='\n'.join(lists) or None)
    except lab.LabauditError as e:
        return "not verified: %s" % e
    credential = result.get('credential') or {}
    if (result.get('valid') and credential.get('credentialStatus')
            and not result.get('status_checked')):
        return ("not verified: its revocation status was not checked "
            "(no status list configured for it)")
    if result.get('valid'):
        return "verified: issued by %s" % (result.get('issuer') or '?')
    return "not verified: %s: %s" % (
        result.get('reason'), result.get('message', ''))
