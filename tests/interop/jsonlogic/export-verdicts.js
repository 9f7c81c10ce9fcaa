// export-verdicts.js - evaluates labaudit's rule packs, exported as
// JsonLogic, with the reference implementation json-logic-js on the very
// scopes labaudit evaluates (`labaudit check --scopes`), and compares the
// findings with labaudit's own report.  Usage:
//   node export-verdicts.js RULES.json SCOPES.jsonl REPORT.json
// Exits 1 and lists the differences if any finding differs.
'use strict';
const fs = require('fs');
const jsonLogic = require('json-logic-js');

const [rulesPath, scopesPath, reportPath] = process.argv.slice(2);
if (!reportPath) {
  console.error('usage: node export-verdicts.js RULES.json SCOPES.jsonl REPORT.json');
  process.exit(2);
}
const described = JSON.parse(fs.readFileSync(rulesPath, 'utf8'));
const rules = described.packs.flatMap((p) => p.rules);
const bySubject = {};
for (const r of rules) (bySubject[r.subject] ||= []).push(r);

const fromJs = new Set();
let evaluations = 0;
for (const line of fs.readFileSync(scopesPath, 'utf8').split('\n')) {
  if (!line) continue;
  const s = JSON.parse(line);
  for (const r of bySubject[s.subject] || []) {
    evaluations++;
    if (jsonLogic.truthy(jsonLogic.apply(r.condition, s.scope)))
      fromJs.add(`${r.id}|${s.subject}|${s.id}`);
  }
}
const report = JSON.parse(fs.readFileSync(reportPath, 'utf8'));
// A rule fires the same whatever the facility's history; labaudit then
// files the findings on superseded or corrected facts as history.
const fromLab = new Set(report.findings.concat(report.history || [])
                            .map((f) => `${f.rule}|${f.subject}|${f.subject_id}`));

const onlyJs = [...fromJs].filter((k) => !fromLab.has(k));
const onlyLab = [...fromLab].filter((k) => !fromJs.has(k));
for (const k of onlyJs) console.log(`only json-logic-js: ${k}`);
for (const k of onlyLab) console.log(`only labaudit:      ${k}`);
console.log(`${rules.length} rules, ${evaluations} evaluations, ` +
            `${fromJs.size} findings by json-logic-js, ${fromLab.size} by labaudit`);
const agree = onlyJs.length === 0 && onlyLab.length === 0 && fromLab.size > 0;
console.log(`${agree ? 1 : 0} passed, ${agree ? 0 : 1} failed`);
process.exit(agree ? 0 : 1);
