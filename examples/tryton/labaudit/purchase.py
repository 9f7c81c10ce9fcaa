# purchase.py - stops a purchase at the moment the buyer commits: quoting
# or confirming screens the supplier afresh and raises a UserError naming
# every open blocking rule, its subject and its evidence while the
# supplier's chain has one.  A supplier without a labaudit id is refused
# (or, by the configuration's policy, warned about) unless the compliance
# group exempted it; a supplier that cannot be screened (missing data, bad
# rule pack, not in the data) is refused too, so a broken setup or an
# emptied id never lets a purchase through unseen.
from trytond.exceptions import UserError, UserWarning
from trytond.i18n import gettext
from trytond.pool import Pool, PoolMeta

MAX_LINES = 12


class Purchase(metaclass=PoolMeta):
    __name__ = 'purchase.purchase'

    @classmethod
    def quote(cls, purchases):
        cls.labaudit_check(purchases)
        super().quote(purchases)

    @classmethod
    def confirm(cls, purchases):
        cls.labaudit_check(purchases)
        super().confirm(purchases)

    @classmethod
    def labaudit_check(cls, purchases):
        "Raises UserError if a purchase's supplier may not be bought from."
        pool = Pool()
        Party = pool.get('party.party')
        Configuration = pool.get('labaudit.configuration')
        Warning = pool.get('res.user.warning')
        policy = Configuration(1).unmapped_policy or 'block'
        for purchase in purchases:
            party = purchase.party
            if (party is None or party.labaudit_supplier_id
                    or party.labaudit_exempt):
                continue
            text = gettext('labaudit.msg_purchase_unmapped',
                purchase=purchase.rec_name, party=party.rec_name)
            if policy != 'warn':
                raise UserError(text)
            key = 'labaudit_unmapped_%s' % purchase.id
            if Warning.check(key):
                raise UserWarning(key, text)
        parties = list({p.party for p in purchases
                if p.party and p.party.labaudit_supplier_id})
        if not parties:
            return
        results = Party.labaudit_screen_parties(parties)
        for purchase in purchases:
            result = results.get(purchase.party.id if purchase.party
                else None)
            if result is None:
                continue
            party = purchase.party
            if result.status in ('error', 'not_found'):
                raise UserError(gettext('labaudit.msg_purchase_unscreened',
                        purchase=purchase.rec_name, party=party.rec_name,
                        supplier=party.labaudit_supplier_id,
                        reason=result.message))
            if result.status == 'blocked':
                raise UserError(gettext('labaudit.msg_purchase_blocked',
                        purchase=purchase.rec_name, party=party.rec_name,
                        supplier=party.labaudit_supplier_id,
                        count=len(result.blocking),
                        findings=findings_text(result.blocking)))


# Findings about whole product chains first: they say the most to a buyer.
SUBJECT_ORDER = {'chain': 0, 'supplier': 1, 'audit': 2, 'link': 3}


def findings_text(findings):
    "One line per finding: rule, severity, subject, evidence."
    findings = sorted(findings,
        key=lambda f: (SUBJECT_ORDER.get(str(f.subject), 9), f.subject_id,
            f.rule_id))
    lines = ["- %s (%s) on %s %s: %s" % (f.rule_id, f.severity, f.subject,
            f.subject_id, f.evidence_text() or f.message)
        for f in findings[:MAX_LINES]]
    if len(findings) > MAX_LINES:
        lines.append("- and %d more" % (len(findings) - MAX_LINES))
    return "\n".join(lines)
