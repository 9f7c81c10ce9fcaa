// jsonld-check.mjs - expands labaudit credentials as JSON-LD with an
// independent processor (npm jsonld, in safe mode: any term or type
// without a definition, relative IRI or other lossy construct is an
// error), the check UNTP's own test suite runs first.
// usage: node jsonld-check.mjs UNTP-CONTEXT.jsonld LABAUDIT-CONTEXT.jsonld CERT...
// Every CERT is a compact JWS (its payload is expanded: a certificate or
// a status list credential) or an EnvelopedVerifiableCredential JSON
// document (the envelope and the credential inside are expanded).  The
// document loader is offline: it serves the VC 2.0 context from the npm
// package @digitalbazaar/credentials-context, the UNTP DCC 0.6.1 context
// and labaudit's context from the files given, and throws for any other
// URL.  Negative controls: with any one top-level term removed from
// labaudit's context, some credential must fail to expand (so every
// term is needed and the check cannot pass vacuously).  Exits 1 if
// anything fails.
import { readFileSync } from 'node:fs';
import jsonld from 'jsonld';
import { contexts as vcContexts } from '@digitalbazaar/credentials-context';

const VC = 'https://www.w3.org/ns/credentials/v2';
const UNTP = 'https://test.uncefact.org/vocabulary/untp/dcc/0.6.1/';
const LABAUDIT = 'https://w3id.org/labaudit/credentials/v1';

const [untpPath, labPath, ...certs] = process.argv.slice(2);
if (!untpPath || !labPath || certs.length === 0) {
  console.error('usage: node jsonld-check.mjs UNTP-CONTEXT LABAUDIT-CONTEXT CERT...');
  process.exit(2);
}
const untpContext = JSON.parse(readFileSync(untpPath, 'utf8'));
const labContext = JSON.parse(readFileSync(labPath, 'utf8'));
if (!vcContexts.get(VC)) throw new Error(`${VC} is not in @digitalbazaar/credentials-context`);

function loaderWith(lab) {
  const docs = new Map([
    [VC, vcContexts.get(VC)],
    [UNTP, untpContext],
    [LABAUDIT, lab],
  ]);
  return async (url) => {
    if (!docs.has(url)) throw new Error(`offline document loader: no local copy of ${url}`);
    return { contextUrl: null, documentUrl: url, document: structuredClone(docs.get(url)) };
  };
}

function b64url(s) {
  return Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');
}

// The JSON-LD documents in a file: [name, document] pairs.
function documentsOf(file) {
  const text = readFileSync(file, 'utf8').trim();
  if (text.startsWith('{')) {
    const env = JSON.parse(text);
    const prefix = 'data:application/vc+jwt,';
    if (env.type !== 'EnvelopedVerifiableCredential' || !env.id.startsWith(prefix))
      throw new Error(`${file}: not an EnvelopedVerifiableCredential`);
    const inner = env.id.slice(prefix.length).split('.');
    return [[`${file} (envelope)`, env], [`${file} (inner credential)`, JSON.parse(b64url(inner[1]))]];
  }
  const parts = text.split('.');
  if (parts.length !== 3) throw new Error(`${file}: not a compact JWS`);
  return [[file, JSON.parse(b64url(parts[1]))]];
}

async function expand(doc, loader) {
  const out = await jsonld.expand(doc, { safe: true, documentLoader: loader });
  if (!Array.isArray(out) || out.length !== 1) throw new Error(`expanded to ${out.length} nodes, not 1`);
  return out;
}

let failed = 0;
const docs = [];
for (const file of certs) {
  try {
    docs.push(...documentsOf(file));
  } catch (e) {
    failed++;
    console.log(`FAIL ${file}: ${e.message}`);
  }
}
// No example product has a finding below blocker open, so a finding is
// made from a waiver (a finding's own fields), in a copy of that
// credential, for the "findings" context to be exercised too.
const waived = docs.find(([, d]) => d.credentialSubject?.assessment?.[0]?.waivers?.length);
if (waived) {
  const copy = structuredClone(waived[1]);
  const a = copy.credentialSubject.assessment[0];
  const { rule, severity, subject, subjectId } = a.waivers[0];
  a.findings = [{ rule, severity, subject, subjectId }];
  docs.push([`${waived[0]} with its waiver as a finding`, copy]);
}
const loader = loaderWith(labContext);
for (const [name, doc] of docs) {
  try {
    const ctx = doc['@context'];
    if (!Array.isArray(ctx) || ctx[0] !== VC) throw new Error('the first @context is not the VC 2.0 context');
    const credential = Array.isArray(doc.type) && doc.type.includes('DigitalConformityCredential');
    if (credential && (ctx[1] !== UNTP || ctx[2] !== LABAUDIT))
      throw new Error(`@context is ${JSON.stringify(ctx)}, not VC 2.0, UNTP DCC 0.6.1, labaudit v1`);
    await expand(doc, loader);
    console.log(`ok ${name}: jsonld.expand in safe mode, nothing dropped`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e.message}${e.details?.event ? ' (' + e.details.event.code + ': ' + JSON.stringify(e.details.event.details).slice(0, 300) + ')' : ''}`);
  }
}

// Negative controls: each labaudit term must be needed by some document
// (those naming the term are tried first: the others expand the same).
const texts = new Map(docs.map(([name, d]) => [name, JSON.stringify(d)]));
const naming = (term) => {
  const some = docs.filter(([name]) => texts.get(name).includes(`"${term}"`));
  return some.length ? some : docs;
};
// The first document whose expansion fails on `term` itself (the error
// names it) with loader l, or null.
async function failsOn(term, l) {
  for (const [name, doc] of naming(term)) {
    try {
      await expand(doc, l);
    } catch (e) {
      const what = JSON.stringify(e.details?.event?.details ?? {}) + e.message;
      if (what.includes(term)) return name;
      console.log(`note: without "${term}", ${name} fails for another reason: ${what.slice(0, 200)}`);
    }
  }
  return null;
}
const terms = Object.keys(labContext['@context']).filter((k) => !k.startsWith('@'));
for (const term of terms) {
  const cut = structuredClone(labContext);
  delete cut['@context'][term];
  const l = loaderWith(cut);
  const caught = await failsOn(term, l);
  if (caught) {
    console.log(`ok without "${term}" in labaudit's context, ${caught} fails to expand`);
  } else {
    failed++;
    console.log(`FAIL without "${term}" in labaudit's context every credential still expands: the term is unused or the check is vacuous`);
  }
}
// And each term of a property-scoped context that some document uses.
// (keys are counted under the property whose value holds them)
const used = new Set();
(function keys(v, parent) {
  if (Array.isArray(v)) v.forEach((x) => keys(x, parent));
  else if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) {
      used.add(`${parent}/${k}`);
      keys(x, k);
    }
})(docs.map(([, d]) => d), '');
for (const term of terms) {
  const scoped = labContext['@context'][term]?.['@context'];
  for (const inner of Object.keys(scoped ?? {}).filter((k) => !k.startsWith('@'))) {
    if (!used.has(`${term}/${inner}`)) {
      console.log(`note: "${term}"'s "${inner}" is in no credential checked here`);
      continue;
    }
    const cut = structuredClone(labContext);
    delete cut['@context'][term]['@context'][inner];
    const l = loaderWith(cut);
    const caught = await failsOn(inner, l);
    if (caught) {
      console.log(`ok without "${inner}" in "${term}"'s context, ${caught} fails to expand`);
    } else {
      failed++;
      console.log(`FAIL without "${inner}" in "${term}"'s context every credential still expands`);
    }
  }
}
// And the whole context still serves every document (nothing cached
// from the controls above).
for (const [name, doc] of docs) {
  try {
    await expand(doc, loader);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name} after the negative controls: ${e.message}`);
  }
}
process.exit(failed ? 1 : 0);
