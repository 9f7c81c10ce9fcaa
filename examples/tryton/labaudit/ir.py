# ir.py - registers the scheduled task that screens every mapped supplier
# (ir.cron method "party.party|labaudit_screen_all").
from trytond.pool import PoolMeta


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.append(
            ('party.party|labaudit_screen_all',
                "Screen Suppliers with labaudit"))
