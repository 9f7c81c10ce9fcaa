# Tests of the labaudit Tryton module: tests/test_labaudit.py (a
# ModuleTestCase) and the proteus scenario scenario_labaudit.rst.
