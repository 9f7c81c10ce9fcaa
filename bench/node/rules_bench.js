#!/usr/bin/env node
// rules_bench.js - the peers' side of bench/run's rule-evaluation figure.
// It reads a dataset folder written by bench/gen, builds for every rule
// subject the scope documents labaudit evaluates ({"supplier":{...},
// "audit":{...}, "chain":{...}} and so on, typed as `labaudit rules
// fields` describes, with the chain facts derived the same way), and
// evaluates the rules exported by `labaudit rules export --jsonlogic` on
// them with json-logic-js, and the rules it can translate with
// json-rules-engine.  Only evaluation is timed (CPU time of this
// process); it prints one JSON object.
//
//   node rules_bench.js --rules export.json --fields fields.json \
//        --data DIR --as-of 2026-12-01 [--engine jsonlogic|rules-engine]
//        [--limit N]     (at most N documents per subject)
'use strict';
const fs = require('fs');
const path = require('path');

function args() {
  const a = {engine: 'jsonlogic', limit: Infinity};
  const v = process.argv.slice(2);
  for (let i = 0; i < v.length; i += 2) {
    const k = v[i].replace(/^--/, '').replace(/-/g, '_');
    a[k] = v[i + 1];
  }
  if (a.limit !== Infinity) a.limit = Number(a.limit);
  for (const k of ['rules', 'fields', 'data', 'as_of'])
    if (!a[k]) throw new Error('missing --' + k.replace('_', '-'));
  return a;
}

// RFC 4180 CSV: quotes, doubled quotes, embedded newlines, CRLF.
function* csvRows(text) {
  let i = 0;
  const n = text.length;
  if (text.charCodeAt(0) === 0xfeff) i = 1;
  while (i < n) {
    const row = [];
    for (;;) {
      let field = '';
      if (text[i] === '"') {
        i++;
        for (;;) {
          const q = text.indexOf('"', i);
          if (q < 0) throw new Error('unterminated quote');
          field += text.slice(i, q);
          i = q + 1;
          if (text[i] === '"') { field += '"'; i++; } else break;
        }
      } else {
        let j = i;
        while (j < n && text[j] !== ',' && text[j] !== '\n' && text[j] !== '\r') j++;
        field = text.slice(i, j);
        i = j;
      }
      row.push(field);
      if (text[i] === ',') { i++; continue; }
      if (text[i] === '\r') i++;
      if (text[i] === '\n') i++;
      break;
    }
    yield row;
  }
}

const YES = new Set(['true', 'yes', '1', 'y']);
function converter(type) {
  switch (type) {
    case 'number': return (s) => (s === '' ? null : Number(s));
    case 'boolean': return (s) => (s === '' ? null : YES.has(s.toLowerCase()));
    case 'list': return (s) => (s === '' ? null : s.split(';').map((x) => x.trim()).filter((x) => x !== ''));
    default: return (s) => (s === '' ? null : s);
  }
}

// Reads a CSV file into typed records (every schema field present, null
// when absent, as labaudit's scope gives null for an absent field).
function readTable(file, entity) {
  if (!fs.existsSync(file)) return [];
  const rows = csvRows(fs.readFileSync(file, 'utf8'));
  const header = rows.next().value || [];
  const fields = entity.fields.filter((f) => !f.derived);
  const conv = fields.map((f) => converter(f.type));
  const col = fields.map((f) => header.indexOf(f.name));
  const out = [];
  for (const r of rows) {
    if (r.length === 1 && r[0] === '') continue;
    const rec = {};
    for (let k = 0; k < fields.length; k++)
      rec[fields[k].name] = col[k] < 0 ? null : conv[k](r[col[k]] ?? '');
    out.push(rec);
  }
  return out;
}

function dayNumber(iso) {
  return iso ? Math.floor(Date.parse(iso + 'T00:00:00Z') / 86400000) : null;
}

// Chain facts as plugin/src/chain.c derives them: strongly connected
// components (iterative Tarjan over "v -> its sellers"), each emitted
// after everything upstream, then one sweep.
function deriveChains(sup, inputs) {
  const nv = sup.length;
  const index = new Int32Array(nv).fill(-1), low = new Int32Array(nv);
  const onstack = new Uint8Array(nv), comp = new Int32Array(nv);
  const stack = [], call = [], edge = new Int32Array(nv);
  let next = 0, nc = 0;
  const members = [];
  for (let root = 0; root < nv; root++) {
    if (index[root] >= 0) continue;
    call.length = 0;
    call.push(root);
    index[root] = low[root] = next++;
    edge[root] = 0;
    stack.push(root);
    onstack[root] = 1;
    while (call.length) {
      const v = call[call.length - 1];
      if (edge[v] < inputs[v].length) {
        const w = inputs[v][edge[v]++];
        if (index[w] < 0) {
          index[w] = low[w] = next++;
          edge[w] = 0;
          stack.push(w);
          onstack[w] = 1;
          call.push(w);
        } else if (onstack[w] && index[w] < low[v]) {
          low[v] = index[w];
        }
        continue;
      }
      if (low[v] === index[v]) {
        const m = [];
        let w;
        do { w = stack.pop(); onstack[w] = 0; comp[w] = nc; m.push(w); } while (w !== v);
        members.push(m);
        nc++;
      }
      call.pop();
      if (call.length) {
        const p = call[call.length - 1];
        if (low[v] < low[p]) low[p] = low[v];
      }
    }
  }
  const facts = new Array(nc);
  const sorted = (set) => (set.size ? [...set].sort() : null);
  for (let c = 0; c < nc; c++) {
    const ms = members[c];
    const sets = [new Set(), new Set(), new Set(), new Set(), new Set()];
    let depth = 0, cyc = ms.length > 1;
    for (const v of ms) {
      const s = sup[v];
      sets[0].add(s.country);
      if (s.subdivision) sets[1].add(s.subdivision);
      if (s.role) sets[3].add(s.role);
      const leaf = inputs[v].length === 0;
      if (leaf) sets[2].add(s.country);
      if (leaf && s.role !== 'farm' && s.role !== 'gin') sets[4].add(s.id);
      for (const w of inputs[v]) {
        if (w === v) cyc = true;
        if (comp[w] === c) continue;
        const up = facts[comp[w]];
        if (up.depth + 1 > depth) depth = up.depth + 1;
        if (up.in_cycle) cyc = true;
        for (const [k, key] of [[0, 'countries'], [1, 'subdivisions'], [2, 'origin_countries'], [3, 'roles'], [4, 'untraced_ids']])
          if (up[key]) for (const x of up[key]) sets[k].add(x);
      }
    }
    const untracedIds = sorted(sets[4]);
    facts[c] = {depth, countries: sorted(sets[0]), subdivisions: sorted(sets[1]),
      origin_countries: sorted(sets[2]), roles: sorted(sets[3]),
      untraced: untracedIds ? untracedIds.length : 0, untraced_ids: untracedIds,
      in_cycle: cyc, verified_volume: null, untraced_volume: null};
  }
  return Array.from(comp, (c) => facts[c]);
}

function auditDay(a) { return dayNumber(a.end_date || a.start_date); }

function buildDocs(dir, schema, asOf) {
  const sup = readTable(path.join(dir, 'suppliers.csv'), schema.supplier);
  const links = readTable(path.join(dir, 'links.csv'), schema.link);
  const audits = readTable(path.join(dir, 'audits.csv'), schema.audit);
  const products = readTable(path.join(dir, 'products.csv'), schema.product);
  const at = new Map(sup.map((s, i) => [s.id, i]));
  const inputs = sup.map(() => []);
  for (const l of links) {
    if (l.id === null) l.id = l.supplier_id + '>' + l.buyer_id;
    inputs[at.get(l.buyer_id)].push(at.get(l.supplier_id));
  }
  const chain = deriveChains(sup, inputs);
  const today = dayNumber(asOf);
  const byOwner = sup.map(() => []);
  const iloFields = schema.audit.fields.filter((f) => f.name.startsWith('ilo_') && f.type === 'number').map((f) => f.name);
  for (const a of audits) {
    byOwner[at.get(a.supplier_id)].push(a);
    const d = auditDay(a);
    a.age_days = d === null ? null : today - d;
    a.ilo_indicator_count = iloFields.reduce((n, f) => n + (a[f] > 0 ? 1 : 0), 0);
  }
  // The supplier as rules see it: its newest audit and computed fields.
  const latest = sup.map((s, i) => {
    let best = null, bestd = -Infinity;
    for (const a of byOwner[i]) {
      const d = auditDay(a);
      if (d !== null && d > bestd) { bestd = d; best = a; }
    }
    s.audit_count = byOwner[i].length;
    s.days_since_last_audit = best ? today - bestd : null;
    s.unannounced_audits = byOwner[i].filter((a) => a.type === 'semi_announced' || a.type === 'unannounced').length;
    return best;
  });
  return {
    supplier: sup.map((s, i) => ({supplier: s, audit: latest[i], chain: chain[i]})),
    audit: audits.map((a) => { const i = at.get(a.supplier_id); return {audit: a, supplier: sup[i], chain: chain[i]}; }),
    link: links.map((l) => { const i = at.get(l.supplier_id); return {link: l, supplier: sup[i], buyer: sup[at.get(l.buyer_id)], chain: chain[i]}; }),
    chain: products.map((p) => { const i = at.get(p.supplier_id); return {product: p, supplier: sup[i], chain: chain[i]}; }),
  };
}

function cpuSeconds() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

// ---- json-rules-engine: translating the simple comparisons ----
const OPS = {'==': 'equal', '===': 'equal', '!=': 'notEqual', '!==': 'notEqual', '>': 'greaterThan',
  '>=': 'greaterThanInclusive', '<': 'lessThan', '<=': 'lessThanInclusive'};
const FLIP = {greaterThan: 'lessThan', lessThan: 'greaterThan', greaterThanInclusive: 'lessThanInclusive',
  lessThanInclusive: 'greaterThanInclusive', equal: 'equal', notEqual: 'notEqual'};
const isVar = (x) => x && typeof x === 'object' && !Array.isArray(x) && Object.keys(x).length === 1 && typeof x.var === 'string' && x.var.includes('.');
const isLit = (x) => x === null || ['string', 'number', 'boolean'].includes(typeof x);
function fact(v) {
  const dot = v.var.indexOf('.');
  return {fact: v.var.slice(0, dot), path: '$.' + v.var.slice(dot + 1)};
}
function translate(c) {
  if (!c || typeof c !== 'object' || Array.isArray(c)) return null;
  const [op] = Object.keys(c);
  const a = c[op];
  if (op === 'and' || op === 'or') {
    const parts = a.map(translate);
    return parts.every(Boolean) ? {[op === 'and' ? 'all' : 'any']: parts} : null;
  }
  if (op === '!' ) {
    const inner = translate(Array.isArray(a) ? a[0] : a);
    return inner ? {not: inner} : null;
  }
  if (OPS[op] && Array.isArray(a) && a.length === 2) {
    if (isVar(a[0]) && isLit(a[1])) return {...fact(a[0]), operator: OPS[op], value: a[1]};
    if (isLit(a[0]) && isVar(a[1])) return {...fact(a[1]), operator: FLIP[OPS[op]], value: a[0]};
    return null;
  }
  if (op === 'in' && Array.isArray(a) && a.length === 2) {
    if (isVar(a[0]) && Array.isArray(a[1]) && a[1].every(isLit)) return {...fact(a[0]), operator: 'in', value: a[1]};
    if (typeof a[0] === 'string' && isVar(a[1])) return {...fact(a[1]), operator: 'contains', value: a[0]};
  }
  return null;
}

async function runRulesEngine(byKind, docs, limit) {
  const {Engine} = require('json-rules-engine');
  let evals = 0, fired = 0, seconds = 0;
  const translated = [], skipped = [];
  for (const kind of Object.keys(byKind)) {
    const engine = new Engine([], {allowUndefinedFacts: true});
    // `contains` on a null list, `in` with a null fact: false, not an error.
    engine.addOperator('contains', (a, b) => Array.isArray(a) && a.includes(b));
    let n = 0;
    for (const r of byKind[kind]) {
      const t = translate(r.condition);
      if (!t) { skipped.push(r.id); continue; }
      translated.push(r.id);
      const top = t.all || t.any ? t : {all: [t]};
      engine.addRule({conditions: top, event: {type: r.id}});
      n++;
    }
    if (!n) continue;
    const list = docs[kind].slice(0, limit);
    const t0 = cpuSeconds();
    for (const d of list) {
      const res = await engine.run(d);
      fired += res.events.length;
    }
    seconds += cpuSeconds() - t0;
    evals += n * list.length;
  }
  return {engine: 'json-rules-engine', version: require('json-rules-engine/package.json').version,
    evaluations: evals, seconds, fired, translated: translated.length, skipped: skipped.length,
    translated_ids: translated, skipped_ids: skipped};
}

function runJsonLogic(byKind, docs, limit) {
  const jsonLogic = require('json-logic-js');
  let evals = 0, fired = 0, seconds = 0;
  for (const kind of Object.keys(byKind)) {
    const rules = byKind[kind].map((r) => r.condition);
    const list = docs[kind].slice(0, limit);
    const t0 = cpuSeconds();
    for (const d of list)
      for (const c of rules)
        if (jsonLogic.truthy(jsonLogic.apply(c, d))) fired++;
    seconds += cpuSeconds() - t0;
    evals += rules.length * list.length;
  }
  return {engine: 'json-logic-js', version: require('json-logic-js/package.json').version,
    evaluations: evals, seconds, fired};
}

async function main() {
  const a = args();
  const exp = JSON.parse(fs.readFileSync(a.rules, 'utf8'));
  const schema = JSON.parse(fs.readFileSync(a.fields, 'utf8'));
  const byKind = {supplier: [], audit: [], link: [], chain: []};
  // non-compliance rules need the records and the history labaudit
  // derives; this peer builds its documents from the CSV files alone
  for (const p of exp.packs)
    for (const r of p.rules)
      if (byKind[r.subject]) byKind[r.subject].push(r);
  const t0 = cpuSeconds();
  const docs = buildDocs(a.data, schema, a.as_of);
  const build = cpuSeconds() - t0;
  const res = a.engine === 'rules-engine' ? await runRulesEngine(byKind, docs, a.limit) : runJsonLogic(byKind, docs, a.limit);
  res.build_seconds = build;
  res.documents = Object.fromEntries(Object.entries(docs).map(([k, v]) => [k, Math.min(v.length, a.limit)]));
  process.stdout.write(JSON.stringify(res) + '\n');
}

main().catch((e) => { process.stderr.write('rules_bench: ' + (e.stack || e) + '\n'); process.exit(1); });
