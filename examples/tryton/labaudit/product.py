# product.py - a product carries its labaudit certificate (the vc+jwt
# token or enveloped credential its brand issued) and shows whether it
# verifies against the configured trust list.  Verification is the
# library's (lab_verify); without it the status says so and never claims
# a certificate verified.
from trytond.model import fields
from trytond.pool import Pool, PoolMeta

from . import screening


class Template(metaclass=PoolMeta):
    __name__ = 'product.template'

    labaudit_certificate = fields.Text("Labour Certificate",
        help="The product's labaudit certificate (vc+jwt token).")
    labaudit_certificate_status = fields.Function(
        fields.Char("Certificate Status"), 'get_labaudit_certificate_status')

    @classmethod
    def get_labaudit_certificate_status(cls, templates, name):
        Configuration = Pool().get('labaudit.configuration')
        config = Configuration(1)
        return {t.id: screening.verify_certificate(config,
                t.labaudit_certificate) for t in templates}
