# configuration.py - where labaudit finds its inputs inside Tryton: one
# Configuration record (a singleton) naming the dataset folder the
# supplier network is read from, the rule packs and reference lists, an
# optional waiver file, the severity that blocks a purchase, an optional
# evaluation date and the trust list for certificates; it shows, read
# only, the library path the server's trytond.conf sets.
from trytond.model import ModelSingleton, ModelSQL, ModelView, fields

from . import screening


class Configuration(ModelSingleton, ModelSQL, ModelView):
    'Labour Audit Configuration'
    __name__ = 'labaudit.configuration'

    data_path = fields.Char("Data Folder",
        help="Folder of labaudit CSV files (suppliers.csv, links.csv, "
        "audits.csv...) describing the supply network.")
    rules_paths = fields.Text("Rule Packs",
        help="Rule-pack files or folders, one per line.")
    lists_paths = fields.Text("Reference Lists",
        help="Reference-list CSV files or folders, one per line.")
    waivers_path = fields.Char("Waiver File",
        help="Optional CSV of accepted findings (rule, subject_id, "
        "approver, justification, expires).")
    block_severity = fields.Selection(screening.SEVERITIES,
        "Blocking Severity", required=True,
        help="Purchases are stopped while the supplier's chain has an "
        "open finding at or above this severity.")
    as_of = fields.Date("Evaluate As Of",
        help="Date to evaluate audits against; empty means today.")
    library_path = fields.Function(fields.Char("Library", readonly=True,
            help="The library the server loads, set by the server's "
            "administrator in trytond.conf ([labaudit] library = PATH); "
            "empty means $LABAUDIT_LIB or the system loader's "
            "liblabaudit.so.0.  Not editable here: it chooses code the "
            "server runs."),
        'get_library_path')
    trust_list = fields.Text("Trust List",
        help="JSON trust list (issuers and their keys) used to verify "
        "product certificates.")
    status_lists = fields.Text("Status List Files",
        help="Files holding the status lists (revocation, suspension) "
        "that certificates point at, one per line, kept current by a "
        "download job.  A certificate that names a status list is shown "
        "verified only when its status could be checked against them.")

    unmapped_policy = fields.Selection([
            ('block', "Refuse the purchase"),
            ('warn', "Warn the buyer"),
            ], "Party without Supplier ID", required=True,
        help="A purchase from a party with no labaudit supplier id and no "
        "exemption from the compliance group is refused, or only warned "
        "about (the buyer's acceptance is recorded by Tryton).")

    @classmethod
    def default_block_severity(cls):
        return 'blocker'

    @classmethod
    def default_unmapped_policy(cls):
        return 'block'

    def get_library_path(self, name):
        return screening.library_path()

    @classmethod
    def write(cls, *args):
        super().write(*args)
        screening.forget_engines()
