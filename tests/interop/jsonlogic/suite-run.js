// suite-run.js - runs test suites in the official JsonLogic format
// (jsonlogic.com/tests.json: an array of strings, which name what follows,
// and [logic, data, expected] cases) with the reference implementation
// json-logic-js.  With --export, the argument is `labaudit rules export
// --jsonlogic` output and the suite is every rule's jsonlogic_tests
// joined, so that a rule pack's own tests run outside labaudit.  Usage:
//   node suite-run.js [--export] FILE
// Prints each failed case with its name; exits 1 if any failed or none ran.
'use strict';
const fs = require('fs');
const assert = require('assert');
const jsonLogic = require('json-logic-js');

const args = process.argv.slice(2);
const fromExport = args[0] === '--export';
const file = fromExport ? args[1] : args[0];
if (!file) {
  console.error('usage: node suite-run.js [--export] FILE');
  process.exit(2);
}
let suite = JSON.parse(fs.readFileSync(file, 'utf8'));
if (fromExport)
  suite = suite.packs.flatMap((p) => p.rules.flatMap((r) => r.jsonlogic_tests || []));
let name = '', passed = 0, failed = 0;
for (const entry of suite) {
  if (typeof entry === 'string') { name = entry; continue; }
  const [logic, data, expected] = entry;
  let got;
  try {
    got = jsonLogic.apply(logic, data);
    assert.deepStrictEqual(got, expected);
    passed++;
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(got)}`);
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
