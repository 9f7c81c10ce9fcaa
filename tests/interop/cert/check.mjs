// check.mjs - verifies labaudit certificates with independent tools.
// usage: node check.mjs SCHEMA.json TRUST.json CERT...
// For every CERT (a compact vc+jwt, or an EnvelopedVerifiableCredential
// JSON document): jose checks the signature with the issuer's public JWK
// from the trust list (typ vc+jwt, algorithms EdDSA and ES256 only), and
// ajv validates the credential against the UNTP DCC JSON Schema.  A copy
// of each token with one byte changed must be rejected by jose (so the
// check cannot pass vacuously).  Exits 1 if anything fails.
import { readFileSync } from 'node:fs';
import { importJWK, jwtVerify, decodeProtectedHeader, decodeJwt } from 'jose';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const [schemaPath, trustPath, ...certs] = process.argv.slice(2);
if (!schemaPath || !trustPath || certs.length === 0) {
  console.error('usage: node check.mjs SCHEMA.json TRUST.json CERT...');
  process.exit(2);
}
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
const validate = ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')));
const trust = JSON.parse(readFileSync(trustPath, 'utf8'));
const prefix = 'data:application/vc+jwt,';
let failed = 0;

function tokenOf(text) {
  text = text.trim();
  if (!text.startsWith('{')) return text;
  const env = JSON.parse(text);
  if (env.type !== 'EnvelopedVerifiableCredential' || !env.id.startsWith(prefix))
    throw new Error('not an EnvelopedVerifiableCredential');
  return env.id.slice(prefix.length);
}

async function keyFor(token) {
  const hdr = decodeProtectedHeader(token);
  const cred = decodeJwt(token);
  const issuer = typeof cred.issuer === 'string' ? cred.issuer : cred.issuer.id;
  const entry = trust[issuer];
  const keys = Array.isArray(entry) ? entry : entry?.keys ?? [];
  // VC-JOSE-COSE: a DID issuer's kid is an absolute DID URL of its key
  if (issuer.startsWith('did:') && !hdr.kid.startsWith(issuer + '#'))
    throw new Error(`kid ${hdr.kid} is not a DID URL of ${issuer}`);
  const local = hdr.kid.startsWith(issuer + '#') ? hdr.kid.slice(issuer.length + 1) : hdr.kid;
  const jwk = keys.find((k) => k.kid === local);
  if (!jwk) throw new Error(`kid ${hdr.kid} of ${issuer} not in the trust list`);
  return importJWK(jwk, hdr.alg);
}

for (const file of certs) {
  try {
    const token = tokenOf(readFileSync(file, 'utf8'));
    const key = await keyFor(token);
    const { payload, protectedHeader } = await jwtVerify(token, key, {
      typ: 'vc+jwt',
      algorithms: ['EdDSA', 'ES256'],
    });
    if (protectedHeader.cty !== 'vc') throw new Error('cty is not vc');
    if (!validate(payload))
      throw new Error('UNTP DCC schema: ' + ajv.errorsText(validate.errors));
    // Negative control: one changed signature byte must fail.
    const i = token.length - 10;
    const bad = token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);
    let rejected = false;
    try {
      await jwtVerify(bad, key, { typ: 'vc+jwt', algorithms: ['EdDSA', 'ES256'] });
    } catch {
      rejected = true;
    }
    if (!rejected) throw new Error('jose accepted a tampered token');
    console.log(`ok ${file}: jose ${protectedHeader.alg} signature valid, UNTP DCC schema valid`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${file}: ${e.message}`);
  }
}
process.exit(failed ? 1 : 0);
