# test_labaudit.py - the labaudit Tryton module under trytond's own test
# framework: the module's models and views pass ModuleTestCase; screening
# stores status and findings on the party (tainted blocked, clean clear,
# unknown and misconfigured suppliers said so); the scheduled task
# screens every mapped party; a product's certificate never shows as
# verified without lab_verify, nor revoked, unchecked or with an
# unreadable status list as verified; the library path is the server's, not a
# record's; a buyer can neither empty a party's labaudit id nor exempt it;
# the module loads without the binding and refuses to screen;
# and the proteus scenario
# scenario_labaudit.rst quotes and confirms real purchases.  Paths come
# from LAB_SOURCE_DIR (the repository) and the library from LABAUDIT_LIB.
import datetime
import doctest
import os
import unittest

import trytond.tests.test_tryton
from trytond.exceptions import UserError
from trytond.pool import Pool
from trytond.tests.test_tryton import (
    ModuleTestCase, doctest_checker, doctest_teardown, with_transaction)

SRC = os.environ.get('LAB_SOURCE_DIR') or os.path.abspath(
    os.path.join(os.path.dirname(__file__), '..', '..', '..', '..'))
AS_OF = datetime.date(2026, 11, 28)


def configure(data=True):
    "Writes the labaudit configuration for the repository's example."
    Configuration = Pool().get('labaudit.configuration')
    Configuration.write([Configuration(1)], {
            'data_path': (os.path.join(SRC, 'examples', 'cotton')
                if data else None),
            'rules_paths': '\n'.join([
                os.path.join(SRC, 'rules'),
                os.path.join(SRC, 'examples', 'starter-pack')]),
            'lists_paths': os.path.join(SRC, 'rules', 'data'),
            'as_of': AS_OF,
            })


def supplier(name, labaudit_id):
    Party = Pool().get('party.party')
    party, = Party.create([{
                'name': name, 'labaudit_supplier_id': labaudit_id}])
    return party


class LabauditTestCase(ModuleTestCase):
    'Test labaudit module'
    module = 'labaudit'

    @with_transaction()
    def test_tainted_supplier_blocked(self):
        "Screening the tainted garment maker stores its blockers"
        configure()
        party = supplier('Example Shirts', 'GM-BD-001')
        Party = Pool().get('party.party')
        Party.labaudit_screen([party])
        party = Party(party.id)
        self.assertEqual(party.labaudit_status, 'blocked')
        self.assertEqual(party.labaudit_worst, 'blocker')
        self.assertIsNotNone(party.labaudit_screened)
        rules = {f.rule: f for f in party.labaudit_findings}
        xj = rules['starter.xinjiang-cotton']
        self.assertEqual(xj.severity, 'blocker')
        self.assertEqual(xj.subject, 'chain')
        self.assertEqual(xj.subject_id, 'SKU-SHIRT-POP-002')
        self.assertIn('CN-XJ', xj.evidence)
        docs = rules['starter.identity-documents-held']
        self.assertIn('audit.documents_held_by_employer=37', docs.evidence)
        self.assertTrue(docs.message and docs.remediation)

    @with_transaction()
    def test_clean_supplier_clear(self):
        "Screening the clean garment maker finds nothing"
        configure()
        party = supplier('Example Apparel', 'GM-IN-001')
        Party = Pool().get('party.party')
        Party.labaudit_screen([party])
        party = Party(party.id)
        self.assertEqual(party.labaudit_status, 'clear')
        self.assertIsNone(party.labaudit_worst)
        self.assertEqual(len(party.labaudit_findings), 0)

    @with_transaction()
    def test_screen_again_replaces_findings(self):
        "A second screening replaces the findings of the first"
        configure()
        party = supplier('Example Shirts', 'GM-BD-001')
        Party = Pool().get('party.party')
        Party.labaudit_screen([party])
        first = len(Party(party.id).labaudit_findings)
        Party.labaudit_screen([party])
        self.assertEqual(len(Party(party.id).labaudit_findings), first)

    @with_transaction()
    def test_unknown_supplier(self):
        "A supplier id missing from the data is reported, not cleared"
        configure()
        party = supplier('Somebody', 'NO-SUCH-SUPPLIER')
        Party = Pool().get('party.party')
        Party.labaudit_screen([party])
        party = Party(party.id)
        self.assertEqual(party.labaudit_status, 'not_found')
        self.assertIn('NO-SUCH-SUPPLIER', party.labaudit_message)

    @with_transaction()
    def test_misconfigured(self):
        "Without a data folder screening fails and says why"
        configure(data=False)
        party = supplier('Example Shirts', 'GM-BD-001')
        Party = Pool().get('party.party')
        Party.labaudit_screen([party])
        party = Party(party.id)
        self.assertEqual(party.labaudit_status, 'error')
        self.assertIn('data folder', party.labaudit_message)

    @with_transaction()
    def test_buyer_cannot_unmap_or_exempt(self):
        "Only the compliance group sets a party's labaudit id or exemption"
        from trytond.model.exceptions import AccessError
        from trytond.transaction import Transaction
        pool = Pool()
        User = pool.get('res.user')
        Party = pool.get('party.party')
        ModelData = pool.get('ir.model.data')
        buyer, = User.create([{'name': 'Buyer', 'login': 'buyer',
                    'groups': [('add', [
                                ModelData.get_id('purchase', 'group_purchase'),
                                ModelData.get_id('party',
                                    'group_party_admin')])]}])
        party = supplier('Example Shirts', 'GM-BD-001')
        for values in ({'labaudit_supplier_id': None},
                {'labaudit_exempt': True,
                    'labaudit_exempt_reason': 'cheaper'}):
            with Transaction().set_user(buyer.id), \
                    Transaction().set_context(_check_access=True):
                with self.assertRaises(AccessError, msg=str(values)):
                    Party.write([Party(party.id)], values)
        self.assertEqual(Party(party.id).labaudit_supplier_id, 'GM-BD-001')
        # the buyer may still edit the rest of the party
        with Transaction().set_user(buyer.id), \
                Transaction().set_context(_check_access=True):
            Party.write([Party(party.id)], {'name': 'Example Shirts Ltd'})
        # the compliance group (the admin is in it) may
        Party.write([Party(party.id)], {'labaudit_exempt': True,
                    'labaudit_exempt_reason': 'test'})
        self.assertTrue(Party(party.id).labaudit_exempt_by)

    @with_transaction()
    def test_library_path_not_editable(self):
        "The library comes from trytond.conf, never from a record"
        from trytond.model import fields
        Configuration = Pool().get('labaudit.configuration')
        field = Configuration._fields['library_path']
        self.assertIsInstance(field, fields.Function)
        self.assertTrue(field.readonly)
        self.assertIsNone(getattr(field, 'setter', None))
        with self.assertRaises(NotImplementedError):
            Configuration.write([Configuration(1)],
                {'library_path': '/tmp/evil.so'})

    def test_module_loads_without_binding(self):
        "Without the Python binding the module loads and refuses to screen"
        import subprocess
        import sys
        code = (
            "import sys\n"
            "sys.modules['labaudit'] = None\n"
            "import importlib.util as u\n"
            "spec = u.spec_from_file_location('screening', sys.argv[1])\n"
            "s = u.module_from_spec(spec)\n"
            "spec.loader.exec_module(s)\n"
            "assert s.lab is None\n"
            "class C: data_path = '/x'; rules_paths = 'r'; lists_paths = ''\n"
            "try:\n"
            "    s.screen(C(), 'S-1')\n"
            "except s.ScreeningError as e:\n"
            "    assert 'labaudit unavailable' in str(e), e\n"
            "    print('refused:', e)\n"
            "else:\n"
            "    raise SystemExit('screened without the binding')\n"
            "v = s.verify_certificate(C(), 'x.y.z')\n"
            "assert v.startswith('not verified: labaudit unavailable'), v\n")
        path = os.path.join(os.path.dirname(__file__), '..', 'screening.py')
        out = subprocess.run([sys.executable, '-c', code, path],
            capture_output=True, text=True)
        self.assertEqual(out.returncode, 0, out.stderr + out.stdout)
        self.assertIn('refused: labaudit unavailable', out.stdout)

    @with_transaction()
    def test_cron_screens_every_mapped_supplier(self):
        "The scheduled task screens every party with a supplier id"
        pool = Pool()
        Party = pool.get('party.party')
        Cron = pool.get('ir.cron')
        configure()
        tainted = supplier('Example Shirts', 'GM-BD-001')
        clean = supplier('Example Apparel', 'GM-IN-001')
        other, = Party.create([{'name': 'Not a supplier'}])
        crons = Cron.search(
            [('method', '=', 'party.party|labaudit_screen_all')])
        self.assertEqual(len(crons), 1)
        Cron.run_once(crons)
        self.assertEqual(Party(tainted.id).labaudit_status, 'blocked')
        self.assertEqual(Party(clean.id).labaudit_status, 'clear')
        self.assertIsNone(Party(other.id).labaudit_status)

    @with_transaction()
    def test_findings_text_names_rules_and_evidence(self):
        "The purchase error lists rule, severity, subject and evidence"
        from trytond.modules.labaudit import purchase, screening
        configure()
        config = Pool().get('labaudit.configuration')(1)
        result = screening.screen(config, 'GM-BD-001')
        text = purchase.findings_text(result.blocking)
        self.assertIn('- starter.xinjiang-cotton (blocker) on chain '
            'SKU-SHIRT-POP-002: chain.subdivisions=', text)
        self.assertIn('and ', text.splitlines()[-1])

    @with_transaction()
    def test_certificate_is_never_shown_verified_unchecked(self):
        "A product certificate is not verified without lab_verify"
        import labaudit as lab
        pool = Pool()
        Template = pool.get('product.template')
        Uom = pool.get('product.uom')
        configure()
        unit, = Uom.search([('symbol', '=', 'u')])
        template, = Template.create([{
                    'name': 'Example shirt',
                    'default_uom': unit.id,
                    'labaudit_certificate': 'eyJhbGciOiJFZERTQSJ9.e30.AA',
                    }])
        status = Template(template.id).labaudit_certificate_status
        self.assertTrue(status.startswith('not verified: '), status)
        if not lab.load().can_verify:
            self.assertEqual(status,
                'not verified: verification not available')
        empty, = Template.create([{
                    'name': 'No certificate', 'default_uom': unit.id}])
        self.assertEqual(Template(empty.id).labaudit_certificate_status, '')

    @with_transaction()
    def test_revoked_certificate_shown_revoked(self):
        "Revoked, unchecked and unreadable status never show as verified"
        import json
        import subprocess
        import tempfile
        lib = os.environ.get('LABAUDIT_LIB', '')
        cli = os.path.join(os.path.dirname(lib), 'labaudit')
        if not os.access(cli, os.X_OK):
            self.fail("no labaudit command beside %s" % lib)
        pool = Pool()
        Template = pool.get('product.template')
        Uom = pool.get('product.uom')
        Configuration = pool.get('labaudit.configuration')
        configure()
        with tempfile.TemporaryDirectory() as d:
            def run(*args):
                subprocess.run([cli] + list(args) + ['-q'], check=True,
                    cwd=d, capture_output=True)
            iss = 'did:web:brand.example'
            run('keygen', '--issuer', iss, '-o', 'key.pem')
            run('status-list', 'create', '--url', 'https://brand.example/s/1',
                '--issuer', iss, '--key', 'key.pem', '-o', 'status.jwt')
            run('certify', os.path.join(SRC, 'examples', 'cotton'),
                '--rules', os.path.join(SRC, 'rules'), '--lists',
                os.path.join(SRC, 'rules', 'data'), '--product',
                'SKU-TEE-CREW-001', '--issuer', iss, '--key', 'key.pem',
                '--status-list', 'status.jwt', '--status-index', '5',
                '-o', 'cert.jwt')
            with open(os.path.join(d, 'key.pem.trust.json')) as f:
                trust = f.read()
            with open(os.path.join(d, 'cert.jwt')) as f:
                cert = f.read()
            json.loads(trust)
            unit, = Uom.search([('symbol', '=', 'u')])
            template, = Template.create([{'name': 'Crew-neck T-shirt',
                        'default_uom': unit.id,
                        'labaudit_certificate': cert}])

            def status(lists):
                Configuration.write([Configuration(1)], {
                        'trust_list': trust, 'status_lists': lists})
                return Template(template.id).labaudit_certificate_status

            listed = os.path.join(d, 'status.jwt')
            self.assertIn('revocation status was not checked', status(''))
            self.assertTrue(status(listed).startswith('verified: issued by '
                    + iss), status(listed))
            run('revoke', '--status-list', 'status.jwt', '--index', '5',
                '--key', 'key.pem')
            self.assertTrue(status(listed).startswith('not verified: revoked'),
                status(listed))
            missing = os.path.join(d, 'gone.jwt')
            self.assertIn('cannot be read', status(missing))


def suite():
    suite = trytond.tests.test_tryton.suite()
    suite.addTests(unittest.TestLoader().loadTestsFromTestCase(
            LabauditTestCase))
    suite.addTests(doctest.DocFileSuite('scenario_labaudit.rst',
            tearDown=doctest_teardown, encoding='utf-8',
            optionflags=doctest.REPORT_ONLY_FIRST_FAILURE,
            checker=doctest_checker))
    return suite


def load_tests(loader, tests, pattern):
    return suite()
