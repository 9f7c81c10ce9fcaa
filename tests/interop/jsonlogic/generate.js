#!/usr/bin/env node
// generate.js - differential test data for labaudit's JsonLogic evaluator.
// Makes random JsonLogic rules and data from a seeded generator (every
// operator, nested, mixed types: strings that look like numbers, null,
// arrays, empty arrays, objects, wrong arities), evaluates each with the
// reference implementation json-logic-js, and writes the cases as a JSON
// array of [rule, data, expected], one case a line.  Cases that throw in
// json-logic-js, or whose result is not representable in JSON (NaN,
// Infinity, undefined), are skipped.  tests/unit/test_jsonlogic_diff.c
// checks that labaudit agrees with every case.
//
// usage: node generate.js [--seed N] [--count N] [--out FILE]
'use strict';

const fs = require('fs');
const jsonLogic = require('json-logic-js');

function parseArgs(argv) {
  const opts = { seed: 1, count: 5000, out: 'cases.json' };
  for (let i = 2; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    if (!(key in opts) || i + 1 >= argv.length) {
      throw new Error(`usage: generate.js [--seed N] [--count N] [--out FILE]`);
    }
    opts[key] = key === 'out' ? argv[i + 1] : Number(argv[i + 1]);
  }
  return opts;
}

// mulberry32: small, fast and the same on every Node version.
function makeRandom(seed) {
  let a = seed >>> 0;
  return function () {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const opts = parseArgs(process.argv);
const rnd = makeRandom(opts.seed);
const int = (n) => Math.floor(rnd() * n);
const pick = (list) => list[int(list.length)];
const chance = (p) => rnd() < p;

const NUMBERS = [0, 1, -1, 2, 3, 3.5, -2.25, 7, 10, 100, 0.1, 0.2, 0.5,
  1e21, 1e-7, 123456789, 2.5e-3, -0.75, 42];
const STRINGS = ['', '0', '1', '2', ' 12 ', '10', '9', 'abc', 'b', '1e3',
  '0x1A', '-5', '3.5abc', 'a,b', '1,2', 'é', 'Zürich', '€ 5', 'true',
  'null', 'undefined', '[object Object]', 'apple', 'AB', 'ab', ' ', '.5',
  'Infinity', '-0', '0b11', ' \t7\n', 'x.y'];
const KEYS = ['n', 'm', 's', 't', 'b', 'z', 'arr', 'nums', 'strs', 'objs',
  'e', 'o', 'es', 'q'];
const PATHS = KEYS.concat(['o.x', 'o.y', 'o.p.q', 'o.p', 'arr.0', 'arr.1',
  'nums.2', 'objs.0.x', 'objs.1.y', 's.length', 'arr.length', 'e.0',
  'o.missing', 'nope', 'nope.deeper', 'z.x', 's.0', 'strs.1', '']);

function scalar() {
  switch (int(5)) {
    case 0: return pick(NUMBERS);
    case 1: case 2: return pick(STRINGS);
    case 3: return chance(0.5);
    default: return null;
  }
}

function literalArray(max) {
  const out = [];
  const n = int(max + 1);
  for (let i = 0; i < n; i++) {
    out.push(chance(0.15) ? literalArray(2) : scalar());
  }
  return out;
}

function dataObject() {
  const d = {
    n: pick(NUMBERS),
    m: pick(NUMBERS),
    s: pick(STRINGS),
    t: pick(STRINGS),
    b: chance(0.5),
    z: null,
    arr: literalArray(4),
    nums: Array.from({ length: int(5) }, () => pick(NUMBERS)),
    strs: Array.from({ length: int(4) }, () => pick(STRINGS)),
    objs: Array.from({ length: int(4) }, () => ({ x: scalar(), y: pick(NUMBERS) })),
    e: [],
    o: { x: scalar(), y: pick(STRINGS), p: { q: scalar() } },
    es: '',
  };
  // Leave some keys out, so that var and missing find nothing.
  for (const k of Object.keys(d)) {
    if (chance(0.12)) delete d[k];
  }
  return d;
}

// Inside map/filter/all/some/none the data is the element; inside reduce
// it is {current, accumulator}.
const SCOPED_PATHS = ['', '', 'x', 'y', '0', 'length', 'nope'];
const REDUCE_PATHS = ['current', 'accumulator', 'current.x', 'current.y',
  'accumulator.0', 'current.length'];

function varRule(paths) {
  const p = pick(paths);
  switch (int(6)) {
    case 0: return { var: [p] };
    case 1: return { var: [p, scalar()] };
    case 2: return p === '' ? { var: [] } : { var: p };
    case 3: return { var: { cat: [pick(['o', 'objs', 'arr']), '.', pick(['x', '0', '1', 'p'])] } };
    default: return { var: p };
  }
}

function list(n, depth, paths) {
  return Array.from({ length: n }, () => expr(depth - 1, paths));
}

// Arguments as an array, or (sometimes, when there is one) on their own.
function args(values) {
  if (values.length === 1 && chance(0.3) && !Array.isArray(values[0])) {
    return values[0];
  }
  return values;
}

function arrayExpr(depth, paths) {
  switch (int(6)) {
    case 0: return { var: pick(['arr', 'nums', 'strs', 'objs', 'e', 'nope', 's']) };
    case 1: return literalArray(4);
    case 2: return [];
    case 3: return { merge: list(int(3) + 1, depth, paths) };
    case 4: return list(int(3), depth, paths);
    default: return expr(depth - 1, paths);
  }
}

function iterLogic(depth, isReduce) {
  const paths = isReduce ? REDUCE_PATHS : SCOPED_PATHS;
  return expr(Math.min(depth - 1, 2), paths);
}

const OPS = ['var', 'missing', 'missing_some', 'if', '?:', '==', '===', '!=',
  '!==', '!', '!!', 'or', 'and', '>', '>=', '<', '<=', 'max', 'min', '+',
  '-', '*', '/', '%', 'map', 'filter', 'reduce', 'all', 'none', 'some',
  'merge', 'in', 'cat', 'substr', 'log'];

function operation(op, depth, paths) {
  switch (op) {
    case 'var':
      return varRule(paths);
    case 'missing': {
      const keys = Array.from({ length: int(4) }, () => pick(PATHS));
      if (chance(0.3)) return { missing: [keys] };
      if (chance(0.2)) return { missing: { merge: [pick(PATHS), keys] } };
      return { missing: args(keys) };
    }
    case 'missing_some': {
      const keys = Array.from({ length: int(4) }, () => pick(PATHS));
      return { missing_some: [pick([0, 1, 2, '1', 3]), keys] };
    }
    case 'if': case '?:':
      return { [op]: list(int(7), depth, paths) };
    case '<': case '<=':
      return { [op]: list(chance(0.3) ? 3 : chance(0.1) ? 1 : 2, depth, paths) };
    case '!': case '!!': case 'log':
      return { [op]: args(list(1, depth, paths)) };
    case 'or': case 'and': case 'max': case 'min': case '+': case 'merge':
    case 'cat':
      return { [op]: args(list(int(5), depth, paths)) };
    case '*':
      return { [op]: args(list(int(4) + 1, depth, paths)) };
    case '-':
      return { [op]: args(list(int(2) + 1, depth, paths)) };
    case 'map': case 'filter': case 'all': case 'none': case 'some': {
      const a = [arrayExpr(depth, paths)];
      if (!chance(0.05)) a.push(iterLogic(depth, false));
      return { [op]: a };
    }
    case 'reduce': {
      const a = [arrayExpr(depth, paths), iterLogic(depth, true)];
      if (chance(0.8)) a.push(expr(depth - 1, paths));
      return { reduce: a };
    }
    case 'in':
      return { in: [expr(depth - 1, paths), chance(0.5) ? arrayExpr(depth, paths) : expr(depth - 1, paths)] };
    case 'substr': {
      const a = [expr(depth - 1, paths), chance(0.7) ? pick([0, 1, 2, -1, -3, -10, 10, '1', null]) : expr(depth - 1, paths)];
      if (chance(0.7)) a.push(chance(0.7) ? pick([0, 1, 2, -1, -2, 5, '2', '-1', null]) : expr(depth - 1, paths));
      return { substr: a };
    }
    default: // comparisons with two arguments, and /, %
      return { [op]: list(chance(0.1) ? int(4) : 2, depth, paths) };
  }
}

function expr(depth, paths) {
  if (depth <= 0 || chance(0.25)) {
    switch (int(6)) {
      case 0: case 1: return varRule(paths);
      case 2: return chance(0.5) ? literalArray(3) : [];
      default: return scalar();
    }
  }
  return operation(pick(OPS), depth, paths);
}

// Is v plain JSON that JSON.stringify writes unchanged (no NaN,
// Infinity, undefined or functions at the top or in an object)?
function representable(v) {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every((x) => x === undefined || representable(x));
  if (typeof v === 'object') return Object.values(v).every((x) => x === undefined || representable(x));
  return false;
}

function main() {
  const cases = [];
  let skipped = 0;
  const quiet = console.log;
  console.log = () => {}; // "log" prints; keep the output clean
  try {
    while (cases.length < opts.count) {
      // Mostly a random operator at the top, sometimes a plain value.
      const rule = chance(0.95)
        ? operation(OPS[cases.length % OPS.length], 4, PATHS)
        : expr(3, PATHS);
      const data = dataObject();
      let result;
      try {
        result = jsonLogic.apply(rule, data);
      } catch (e) {
        skipped++;
        continue;
      }
      if (!representable(result)) {
        skipped++;
        continue;
      }
      cases.push([rule, data, JSON.parse(JSON.stringify(result))]);
    }
  } finally {
    console.log = quiet;
  }
  const text = '[\n' + cases.map((c) => JSON.stringify(c)).join(',\n') + '\n]\n';
  fs.writeFileSync(opts.out, text);
  process.stderr.write(`wrote ${cases.length} cases to ${opts.out} (seed ${opts.seed}, ${skipped} skipped)\n`);
}

main();
