# labaudit - a Tryton module that screens suppliers with liblabaudit, stops
# a purchase from being quoted or confirmed while the supplier's chain has
# an open blocking finding, and lets a product carry its certificate.  It
# reaches the C library through the ctypes binding examples/python/
# labaudit.py, which must be importable (on PYTHONPATH) as `labaudit`.
from trytond.pool import Pool

from . import configuration, ir, party, product, purchase

__all__ = ['register']


def register():
    Pool.register(
        configuration.Configuration,
        party.Party,
        party.Finding,
        product.Template,
        purchase.Purchase,
        ir.Cron,
        module='labaudit', type_='model')
