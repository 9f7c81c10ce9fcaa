# party.py - a supplier party's labour-audit screening: the labaudit
# supplier id it maps to, the status and findings of its last screening
# (stored on the party and shown on its form), the "Screen" button and
# the scheduled task that screens every mapped party.
import datetime

from trytond.model import ModelSQL, ModelView, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval
from trytond.transaction import Transaction

from . import screening


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    labaudit_supplier_id = fields.Char("labaudit Supplier ID",
        help="The supplier's id in the labaudit data (suppliers.csv).")
    labaudit_status = fields.Selection(
        [(None, "")] + screening.STATUSES, "Screening Status",
        readonly=True)
    labaudit_worst = fields.Selection(
        [(None, "")] + screening.SEVERITIES, "Worst Finding", readonly=True)
    labaudit_screened = fields.DateTime("Screened At", readonly=True)
    labaudit_message = fields.Text("Screening Summary", readonly=True)
    labaudit_findings = fields.One2Many('party.labaudit.finding', 'party',
        "Findings", readonly=True)
    labaudit_exempt = fields.Boolean("Exempt from Screening",
        help="Purchases from this party, which has no labaudit supplier "
        "id, may go ahead (office supplies, services).  Set by the labour "
        "audit compliance group only, with a reason; who and when are "
        "recorded.")
    labaudit_exempt_reason = fields.Text("Exemption Reason",
        states={'required': Bool(Eval('labaudit_exempt'))},
        depends=['labaudit_exempt'])
    labaudit_exempt_by = fields.Many2One('res.user', "Exempted By",
        readonly=True)
    labaudit_exempt_at = fields.DateTime("Exempted At", readonly=True)

    @classmethod
    def _labaudit_stamp(cls, values):
        "Records who changed an exemption, and when."
        if 'labaudit_exempt' in values:
            values = values.copy()
            values['labaudit_exempt_by'] = Transaction().user
            values['labaudit_exempt_at'] = datetime.datetime.now()
        return values

    @classmethod
    def create(cls, vlist):
        return super().create([cls._labaudit_stamp(v) for v in vlist])

    @classmethod
    def write(cls, *args):
        actions = iter(args)
        args = []
        for records, values in zip(actions, actions):
            args.extend((records, cls._labaudit_stamp(values)))
        super().write(*args)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'labaudit_screen': {
                    'invisible': ~Bool(Eval('labaudit_supplier_id')),
                    'depends': ['labaudit_supplier_id'],
                    'icon': 'tryton-launch',
                    },
                })

    @classmethod
    def copy(cls, parties, default=None):
        default = default.copy() if default is not None else {}
        for name in ['labaudit_status', 'labaudit_worst',
                'labaudit_screened', 'labaudit_message',
                'labaudit_findings', 'labaudit_exempt',
                'labaudit_exempt_reason', 'labaudit_exempt_by',
                'labaudit_exempt_at']:
            default.setdefault(name, None)
        return super().copy(parties, default=default)

    @classmethod
    @ModelView.button
    def labaudit_screen(cls, parties):
        "Screens each party with a labaudit supplier id now."
        cls.labaudit_screen_parties(parties)

    @classmethod
    def labaudit_screen_all(cls):
        "The scheduled task: screens every party with a supplier id."
        parties = cls.search([('labaudit_supplier_id', '!=', None)])
        cls.labaudit_screen_parties(parties)

    @classmethod
    def labaudit_screen_parties(cls, parties):
        """Screens parties and stores the outcome; returns {party id:
        screening.Result}.  A screening failure is stored as status
        'error' with its message (nothing is raised)."""
        pool = Pool()
        Configuration = pool.get('labaudit.configuration')
        Finding = pool.get('party.labaudit.finding')
        config = Configuration(1)
        results = {}
        for party in parties:
            if not party.labaudit_supplier_id:
                continue
            try:
                result = screening.screen(config,
                    party.labaudit_supplier_id)
            except screening.ScreeningError as e:
                result = screening.Result('error', message=str(e))
            results[party.id] = result
        now = datetime.datetime.now()
        to_write, to_create = [], []
        for party in parties:
            result = results.get(party.id)
            if result is None:
                continue
            to_write.extend(([party], {
                        'labaudit_status': result.status,
                        'labaudit_worst': result.worst,
                        'labaudit_screened': now,
                        'labaudit_message': result.message,
                        }))
            to_create.extend(Finding.values_from(party, f)
                for f in result.findings)
        # The outcome is the system's, not the user's edit: store it even
        # for a buyer who may not write parties or findings.
        with Transaction().set_context(_check_access=False):
            Finding.delete(Finding.search(
                    [('party', 'in', list(results.keys()))]))
            if to_write:
                cls.write(*to_write)
            if to_create:
                Finding.create(to_create)
        return results


class Finding(ModelSQL, ModelView):
    'Labour Audit Finding'
    __name__ = 'party.labaudit.finding'

    party = fields.Many2One('party.party', "Party", required=True,
        ondelete='CASCADE', select=True, readonly=True)
    rule = fields.Char("Rule", readonly=True)
    pack = fields.Char("Rule Pack", readonly=True)
    severity = fields.Selection(screening.SEVERITIES, "Severity",
        readonly=True)
    subject = fields.Char("Subject", readonly=True)
    subject_id = fields.Char("Subject ID", readonly=True)
    title = fields.Char("Title", readonly=True)
    message = fields.Text("Message", readonly=True)
    evidence = fields.Text("Evidence", readonly=True)
    remediation = fields.Text("Remediation", readonly=True)
    waived = fields.Boolean("Waived", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('waived', 'ASC'))

    @staticmethod
    def values_from(party, finding):
        "Values of a record for a binding Finding of `party`."
        return {
            'party': party.id,
            'rule': finding.rule_id,
            'pack': finding.pack_id,
            'severity': str(finding.severity),
            'subject': str(finding.subject),
            'subject_id': finding.subject_id,
            'title': finding.title,
            'message': finding.message,
            'evidence': finding.evidence_text(),
            'remediation': finding.remediation,
            'waived': not finding.open,
            }

    def get_rec_name(self, name):
        return '%s (%s) %s' % (self.rule, self.severity, self.subject_id)
