"""test_labaudit.py - the specification of the ctypes binding labaudit.py.

Runs with the standard library only (`python3 -m unittest test_labaudit`
from this folder), against the library named by LABAUDIT_LIB (else the
one the loader finds), with the repository's rule packs and the cotton
example found from LAB_SOURCE_DIR (else two folders up).  It checks
loading and the ABI, every handle's life cycle, errors raised as
LabauditError with the library's message, findings as dataclasses, the
JSON call, records added one by one, the history and unknowns of a
report under every rule pack, and one engine shared by threads.
"""

import concurrent.futures
import dataclasses
import json
import os
import tempfile
import unittest

import labaudit
from labaudit import (Dataset, Engine, LabauditError, RecordKind, Severity,
                      Subject)

SRC = os.environ.get("LAB_SOURCE_DIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
COTTON = os.path.join(SRC, "examples", "cotton")
STARTER = os.path.join(SRC, "examples", "starter-pack")
RULES = os.path.join(SRC, "rules")
LISTS = os.path.join(SRC, "rules", "data")
AS_OF = "2026-11-28"
TEE, SHIRT = "SKU-TEE-CREW-001", "SKU-SHIRT-POP-002"
VNECK = "SKU-TEE-VNECK-003"  # over-claimed: blocked by the volume rules
LONG = "SKU-TEE-LONG-004"  # its lot was spun with Xinjiang lint: blocked
POLO = "SKU-POLO-005"  # the same maker's lot traced to Indian bales: ok


class LibraryTest(unittest.TestCase):
    def test_loads_and_checks_abi(self):
        lib = labaudit.load()
        self.assertEqual(lib.abi_version, labaudit.ABI_VERSION)
        self.assertRegex(lib.version, r"^\d+\.\d+\.\d+")
        major, minor, patch = (int(x) for x in lib.version.split(".")[:3])
        self.assertEqual(lib.version_number,
                         major * 10000 + minor * 100 + patch)
        self.assertIs(labaudit.load(), lib)

    def test_wrong_abi_is_refused(self):
        saved = labaudit.ABI_VERSION
        labaudit.ABI_VERSION = saved + 1
        try:
            with self.assertRaises(LabauditError) as cm:
                labaudit.Library(labaudit.load().path)
            self.assertEqual(cm.exception.name, "EVERSION")
            self.assertIn("ABI", str(cm.exception))
        finally:
            labaudit.ABI_VERSION = saved

    def test_missing_library_is_an_error(self):
        with self.assertRaises(LabauditError) as cm:
            labaudit.Library("/nonexistent/liblabaudit.so.0")
        self.assertIn("cannot load /nonexistent/liblabaudit.so.0",
                      str(cm.exception))

    def test_strerror_and_schema(self):
        lib = labaudit.load()
        self.assertTrue(lib.strerror(-4))
        schema = lib.schema()
        self.assertIn("supplier", json.dumps(schema))

    def test_verify_is_never_faked(self):
        lib = labaudit.load()
        token = "eyJhbGciOiJub25lIn0.e30."  # alg none: never valid
        if not lib.can_verify:
            with self.assertRaises(LabauditError) as cm:
                lib.verify(token, trust_list={"issuers": []})
            self.assertEqual(cm.exception.name, "EUNSUPPORTED")
            self.assertIn("verification not available", str(cm.exception))
            return
        try:
            result = lib.verify(token, trust_list={"issuers": []})
        except LabauditError as e:  # a trust list the library refuses
            self.assertTrue(e.message)
        else:
            self.assertFalse(result["valid"])
            self.assertNotEqual(result["reason"], "valid")


class EngineTest(unittest.TestCase):
    def test_compiles_packs_and_lists(self):
        with Engine([RULES], [LISTS]) as e:
            self.assertGreater(e.rule_count, 50)
            ids = [p.id for p in e.packs]
            self.assertIn("labaudit.origin", ids)
            self.assertTrue(all(len(p.sha256) == 64 for p in e.packs))
        self.assertTrue(e.closed)

    def test_single_path_is_accepted(self):
        with Engine(STARTER) as e:
            self.assertEqual(len(e.packs), 1)

    def test_bad_pack_raises_with_message(self):
        with tempfile.TemporaryDirectory() as d:
            bad = os.path.join(d, "bad.xml")
            with open(bad, "w") as f:
                f.write("<pack><unclosed></pack>\n")
            with self.assertRaises(LabauditError) as cm:
                Engine([bad])
        err = cm.exception
        self.assertLess(err.code, 0)
        self.assertEqual(err.function, "lab_engine_new")
        self.assertIn("bad.xml", err.message)
        self.assertEqual(str(err), err.message)

    def test_missing_pack_raises(self):
        with self.assertRaises(LabauditError) as cm:
            Engine(["/nonexistent/pack.xml"])
        self.assertIn("/nonexistent/pack.xml", str(cm.exception))

    def test_closed_engine_refuses_use(self):
        e = Engine(STARTER)
        e.close()
        e.close()  # twice is fine
        with self.assertRaises(LabauditError) as cm:
            e.rule_count
        self.assertEqual(cm.exception.name, "EINVAL")

    def test_describe(self):
        with Engine(STARTER) as e:
            d = e.describe()
            self.assertIn("starter.xinjiang-cotton", json.dumps(d))
            j = e.describe(jsonlogic=True)
            self.assertIn("CN-XJ", json.dumps(j))


class CheckTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.engine = Engine(STARTER)

    @classmethod
    def tearDownClass(cls):
        cls.engine.close()

    def test_cotton_verdicts(self):
        with Dataset(COTTON) as ds, \
                self.engine.check(ds, as_of=AS_OF) as rep:
            self.assertEqual(ds.count(RecordKind.SUPPLIER), 17)
            self.assertEqual(ds.count("product"), 5)
            self.assertEqual(ds.count(RecordKind.LOT), 18)
            self.assertEqual(ds.count(RecordKind.NONCOMPLIANCE), 1)
            verdicts = {p.id: p for p in rep.products}
            self.assertEqual(list(verdicts), [TEE, VNECK, POLO, LONG, SHIRT])
            # one maker buys Xinjiang lint: its lot spun from it is
            # blocked, its lot traced to Indian bales is not
            self.assertTrue(verdicts[LONG].blocked)
            self.assertFalse(verdicts[POLO].blocked)
            self.assertEqual((verdicts[POLO].lot, verdicts[POLO].custody),
                             ("POLO-2026-08", "segregated"))
            self.assertEqual(verdicts[LONG].custody, "unknown")
            self.assertIsNone(verdicts[TEE].worst)
            self.assertFalse(verdicts[TEE].blocked)
            # The starter pack has no volume rules: the over-claim is
            # only caught by chain-coverage (EveryPackTest).
            self.assertIsNone(verdicts[VNECK].worst)
            self.assertFalse(verdicts[VNECK].blocked)
            self.assertIs(verdicts[SHIRT].worst, Severity.BLOCKER)
            self.assertTrue(verdicts[SHIRT].blocked)
            self.assertIs(rep.worst, Severity.BLOCKER)
            # + the link that brings Xinjiang lint to the Indian spinner
            self.assertEqual(rep.count_at_least("blocker"), 3)
            self.assertEqual(rep.count_at_least(Severity.MAJOR), 5)

    def test_findings_are_dataclasses_with_evidence(self):
        with Dataset(COTTON) as ds, \
                self.engine.check(ds, as_of=AS_OF) as rep:
            findings = rep.findings
        self.assertEqual(len(findings), 5)
        f = next(f for f in findings
                 if f.rule_id == "starter.identity-documents-held")
        self.assertTrue(dataclasses.is_dataclass(f))
        self.assertIs(f.severity, Severity.BLOCKER)
        self.assertIs(f.subject, Subject.AUDIT)
        self.assertEqual(f.subject_id, "AUD-2026-0202")
        self.assertEqual(f.pack_id, "labaudit.starter")
        self.assertEqual(f.evidence["audit.documents_held_by_employer"], 37)
        self.assertIn("audit.documents_held_by_employer=37",
                      f.evidence_text())
        self.assertIn("37", f.message)
        self.assertTrue(f.basis and f.remediation and f.title)
        with self.assertRaises(dataclasses.FrozenInstanceError):
            f.rule_id = "x"
        x = next(f for f in findings if f.rule_id == "starter.xinjiang-cotton")
        self.assertIn("CN-XJ", x.evidence["chain.subdivisions"])

    def test_supplier_scope(self):
        with Dataset(COTTON) as ds:
            with self.engine.check(ds, as_of=AS_OF,
                                   supplier="GM-IN-001") as rep:
                self.assertEqual(rep.findings, [])
                self.assertIsNone(rep.worst)
            with self.engine.check(ds, as_of=AS_OF,
                                   supplier="GM-BD-001") as rep:
                self.assertIs(rep.worst, Severity.BLOCKER)

    def test_unknown_supplier_raises(self):
        with Dataset(COTTON) as ds:
            with self.assertRaises(LabauditError) as cm:
                self.engine.check(ds, as_of=AS_OF, supplier="NO-SUCH")
        self.assertIn("NO-SUCH", str(cm.exception))

    def test_bad_as_of_raises(self):
        with Dataset(COTTON) as ds:
            with self.assertRaises(LabauditError) as cm:
                self.engine.check(ds, as_of="28/11/2026")
        self.assertTrue(cm.exception.message)

    def test_waiver_marks_finding_without_counting_it(self):
        with tempfile.TemporaryDirectory() as d:
            w = os.path.join(d, "waivers.csv")
            with open(w, "w") as f:
                f.write("rule,subject_id,approver,justification,expires\n"
                        "starter.excessive-hours,AUD-2026-0202,A. Buyer,"
                        "Corrective plan agreed,2026-12-31\n")
            with Dataset(COTTON) as ds, \
                    self.engine.check(ds, as_of=AS_OF, waivers=w) as rep:
                findings = rep.findings
                self.assertEqual(rep.count_at_least("major"), 4)
        waived = [f for f in findings if not f.open]
        self.assertEqual(len(waived), 1)
        self.assertEqual(waived[0].waiver["approver"], "A. Buyer")
        self.assertEqual(waived[0].waiver["expires"], "2026-12-31")

    def test_render_text_and_json(self):
        with Dataset(COTTON) as ds, \
                self.engine.check(ds, as_of=AS_OF) as rep:
            text = rep.render()
            doc = rep.to_dict()
        self.assertIn("BLOCKED", text)
        self.assertEqual(doc["summary"]["blocker"], 3)
        self.assertEqual(doc["as_of"], AS_OF)

    def test_report_outlives_closed_engine_and_dataset(self):
        e = Engine(STARTER)
        ds = Dataset(COTTON)
        rep = e.check(ds, as_of=AS_OF)
        e.close()
        ds.close()
        # Both are closed for use, but the report still reads their texts.
        self.assertRaises(LabauditError, lambda: e.rule_count)
        self.assertEqual(len(rep.findings), 5)
        self.assertIn("Xinjiang", rep.render())
        rep.close()
        self.assertFalse(e._ptr.value)
        self.assertFalse(ds._ptr.value)

    def test_progress_callback(self):
        calls = []
        with Dataset(COTTON) as ds:
            self.engine.check(ds, as_of=AS_OF,
                              progress=lambda d, t: calls.append((d, t))
                              ).close()
        # Small data may not report at all; any report is well formed.
        for done, total in calls:
            self.assertLessEqual(done, total)


class EveryPackTest(unittest.TestCase):
    """The cotton example under every rule pack with its reference lists:
    the verdicts, and the history and unknowns the binding exposes."""

    @classmethod
    def setUpClass(cls):
        cls.engine = Engine([RULES], [LISTS])
        cls.dataset = Dataset(COTTON)
        cls.report = cls.engine.check(cls.dataset, as_of=AS_OF)
        cls.doc = cls.report.to_dict()

    @classmethod
    def tearDownClass(cls):
        cls.report.close()
        cls.dataset.close()
        cls.engine.close()

    def test_cotton_verdicts(self):
        verdicts = {p.id: p for p in self.report.products}
        self.assertEqual(list(verdicts), [TEE, VNECK, POLO, LONG, SHIRT])
        self.assertFalse(verdicts[POLO].blocked)
        self.assertTrue(verdicts[LONG].blocked)
        self.assertIsNone(verdicts[TEE].worst)
        self.assertFalse(verdicts[TEE].blocked)
        self.assertTrue(verdicts[VNECK].blocked)
        self.assertTrue(verdicts[SHIRT].blocked)
        by_product = {p["id"]: p for p in self.doc["products"]}
        self.assertEqual(by_product[TEE]["findings"], 0)
        chain = {f.rule_id for f in self.report.findings
                 if f.subject is Subject.CHAIN}
        self.assertIn("cc.over-claimed", chain)
        vneck = [f.rule_id for f in self.report.findings
                 if f.subject_id == VNECK]
        self.assertEqual(vneck, ["cc.over-claimed"])
        self.assertEqual(by_product[VNECK]["findings"], 1)

    def test_history_count(self):
        # lab_report_history_count through the binding, as the JSON says
        self.assertGreater(len(self.report.history), 0)
        self.assertEqual(len(self.report.history), len(self.doc["history"]))

    def test_history_findings(self):
        # lab_report_history: the same findings, in the same order
        got = [(f.rule_id, f.subject_id) for f in self.report.history]
        want = [(f["rule"], f["subject_id"]) for f in self.doc["history"]]
        self.assertEqual(got, want)
        self.assertIn(("id.held-by-employer", "AUD-2025-0103"), got)
        live = {f.subject_id for f in self.report.findings}
        self.assertNotIn("AUD-2025-0103", live)
        for f in self.report.history:
            self.assertTrue(dataclasses.is_dataclass(f))
            self.assertIsInstance(f.severity, Severity)

    def test_finding_history(self):
        # lab_finding_history: why each is history; None on live findings
        for f, d in zip(self.report.history, self.doc["history"]):
            self.assertTrue(f.history)
            self.assertEqual(f.history, d["history"])
        held = next(f for f in self.report.history
                    if f.rule_id == "id.held-by-employer")
        self.assertIn("AUD-2026-0103", held.history)
        for f in self.report.findings:
            self.assertIsNone(f.history)

    def test_report_unknown_count(self):
        self.assertGreater(len(self.report.unknowns), 0)
        self.assertEqual(len(self.report.unknowns), len(self.doc["unknowns"]))

    def test_report_unknown(self):
        got = [(u.supplier_id, u.field, u.pack_id)
               for u in self.report.unknowns]
        want = [(u["supplier"], u["field"], u["pack"])
                for u in self.doc["unknowns"]]
        self.assertEqual(got, want)
        self.assertIn(("F-CN-001", "audit.documents_held_by_employer",
                       "labaudit.identity-documents"), got)

    def test_report_product_unknowns(self):
        got = {p.id: p.unknowns for p in self.report.products}
        want = {p["id"]: p["unknowns"] for p in self.doc["products"]}
        self.assertEqual(got, want)
        self.assertGreater(got[SHIRT], 0)  # F-CN-001 is in its chain
        self.assertEqual(got[TEE], 0)

    def test_noncompliance_subject_and_record_kind(self):
        with Dataset() as ds:
            ds.add("supplier", {"id": "S1", "name": "Example Mill",
                                "country": "IN", "role": "spinner"})
            ds.add(RecordKind.AUDIT, {"id": "A1", "supplier_id": "S1",
                                      "start_date": "2026-05-01"})
            ds.add(RecordKind.NONCOMPLIANCE, {
                "id": "NC1", "audit_id": "A1", "severity": "critical",
                "status": "open", "due_date": "2026-06-01"})
            self.assertEqual(ds.count("noncompliance"), 1)
            with self.engine.check(ds, as_of=AS_OF) as rep:
                nc = [f for f in rep.findings
                      if f.subject is Subject.NONCOMPLIANCE]
        self.assertIn("nc.critical-open", [f.rule_id for f in nc])
        self.assertEqual(str(Subject.NONCOMPLIANCE), "noncompliance")

    def test_missing_function_is_unsupported(self):
        with self.assertRaises(LabauditError) as cm:
            labaudit.load().need("lab_no_such_function")
        self.assertEqual(cm.exception.name, "EUNSUPPORTED")


class DatasetTest(unittest.TestCase):
    def test_missing_folder_raises(self):
        with Dataset() as ds:
            with self.assertRaises(LabauditError) as cm:
                ds.load("/nonexistent/folder")
        self.assertIn("/nonexistent/folder", str(cm.exception))

    def test_add_records_then_check(self):
        with Engine(STARTER) as e, Dataset() as ds:
            ds.add("supplier", {"id": "S1", "name": "Example Gin",
                                "country": "CN", "subdivision": "CN-XJ",
                                "role": "gin"}, origin="test")
            ds.add(RecordKind.SUPPLIER, {"id": "S2", "name": "Example Mill",
                                         "country": "IN", "role":
                                         "garment_maker"})
            ds.add("link", {"supplier_id": "S1", "buyer_id": "S2"})
            ds.add("product", {"id": "P1", "supplier_id": "S2",
                               "name": "Example shirt"})
            self.assertEqual(ds.count("supplier"), 2)
            with e.check(ds, as_of=AS_OF) as rep:
                self.assertEqual(rep.products[0].id, "P1")
                self.assertTrue(rep.products[0].blocked)
                self.assertIn("starter.xinjiang-cotton",
                              [f.rule_id for f in rep.findings])

    def test_bad_value_names_origin_and_field(self):
        with Dataset() as ds:
            with self.assertRaises(LabauditError) as cm:
                ds.add("supplier", {"id": "S1", "name": "X",
                                    "country": "Narnia"}, origin="erp:42")
            self.assertEqual(ds.count("supplier"), 0)
        msg = str(cm.exception)
        self.assertIn("country", msg)

    def test_epcis_events_add_lots(self):
        with tempfile.TemporaryDirectory() as d:
            doc = {"type": "EPCISDocument", "schemaVersion": "2.0",
                   "creationDate": "2026-01-01T00:00:00Z",
                   "epcisBody": {"eventList": [{
                       "type": "ObjectEvent", "action": "ADD",
                       "bizStep": "commissioning",
                       "eventTime": "2026-01-05T08:00:00Z",
                       "eventTimeZoneOffset": "+00:00",
                       "bizLocation": {"id": "G-IN-001"},
                       "quantityList": [{
                           "epcClass": "urn:epc:class:lgtin:"
                                       "9520123.011111.BALE-7",
                           "quantity": 2000, "uom": "KGM"}]}]}}
            path = os.path.join(d, "bales.json")
            with open(path, "w") as f:
                json.dump(doc, f)
            with Dataset(COTTON) as ds:
                before = ds.count(RecordKind.LOT)
                ds.load_epcis(path)
                self.assertEqual(ds.count(RecordKind.LOT), before + 1)
                with open(path, "w") as f:
                    f.write('{"type": "EPCISDocument", "epcisBody": 7}')
                with self.assertRaises(LabauditError) as cm:
                    ds.load_epcis(path)
                self.assertIn("bales.json", cm.exception.message)
                self.assertEqual(ds.count(RecordKind.LOT), before + 1)

    def test_unknown_field_is_an_error(self):
        with Dataset() as ds, self.assertRaises(LabauditError):
            ds.add("supplier", {"id": "S1", "name": "X", "country": "DE",
                                "colour": "blue"})

    def test_value_conversion(self):
        self.assertEqual(labaudit._field_text(True), "true")
        self.assertEqual(labaudit._field_text(None), "")
        self.assertEqual(labaudit._field_text(["a", "b"]), "a;b")
        self.assertEqual(labaudit._field_text(12), "12")


class CheckJsonTest(unittest.TestCase):
    def test_folder_request(self):
        with Engine(STARTER) as e:
            doc = e.check_json({"data": COTTON, "as_of": AS_OF,
                                "product": SHIRT})
        self.assertEqual(doc["summary"]["worst"], "blocker")
        self.assertEqual([p["id"] for p in doc["products"]], [SHIRT])

    def test_inline_request(self):
        req = {"as_of": AS_OF, "data": {
            "suppliers": [{"id": "S1", "name": "Example", "country": "DE"}],
            "links": [], "audits": [{
                "id": "A1", "supplier_id": "S1", "start_date": "2026-05-01",
                "documents_held_by_employer": 2}]}}
        with Engine(STARTER) as e:
            doc = e.check_json(json.dumps(req))
        rules = [f["rule"] for f in doc["findings"]]
        self.assertIn("starter.identity-documents-held", rules)

    def test_bad_request_raises(self):
        with Engine(STARTER) as e:
            with self.assertRaises(LabauditError) as cm:
                e.check_json_text("{not json")
            self.assertEqual(cm.exception.name, "EPARSE")
            with self.assertRaises(LabauditError) as cm:
                e.check_json({"as_of": AS_OF})
            self.assertIn("data", str(cm.exception))


class ThreadTest(unittest.TestCase):
    def test_one_engine_many_threads(self):
        with Engine([RULES], [LISTS]) as e:
            def run(_):
                with Dataset(COTTON) as ds, e.check(ds, as_of=AS_OF) as r:
                    return r.render("json")
            with concurrent.futures.ThreadPoolExecutor(8) as pool:
                results = list(pool.map(run, range(32)))
        self.assertEqual(len(set(results)), 1)
        self.assertIn("blocker", results[0])


if __name__ == "__main__":
    unittest.main()
