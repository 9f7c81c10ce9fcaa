#!/usr/bin/env bash
# labelled.sh - the labelled corpus tests/labelled/: small supply chains
# whose verdicts an experienced SMETA 7.0 / amfori BSCI / SLCP auditor
# gave (blocked or not per product, rules that must or must not be live,
# rules that must be history, how many required facts are unknown, and
# whether `labaudit certify` issues or refuses), each case a folder of
# CSV files with an expect.json saying why.  tests/labelled/bad/ holds
# invalid datasets that must exit 2 with an error naming file:line.  A
# case marked "known_gap" is the auditor's verdict where labaudit is
# believed wrong: its failing expectations print "GAP  NAME: ..." and do
# not fail the test (once they all hold, the runner says to remove the
# mark).  A case's "extra_rules" names packs in its folder loaded after
# the shipped ones, "extra_lists" reference lists (fixture entities), and
# "warnings_regex" a warning the report must hold.  Prints "ok   NAME: ..." or "FAIL NAME: ..." per expectation and
# exits 1 on any failure.
# labels: integration
set -euo pipefail
cli=${LAB_CLI:?LAB_CLI is not set}
src=${LAB_SOURCE_DIR:?LAB_SOURCE_DIR is not set}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$cli" keygen --issuer did:web:brand.example -o "$tmp/issuer.pem" >/dev/null

python3 - "$cli" "$src" "$tmp" <<'PY'
import glob, json, os, re, subprocess, sys

cli, src, tmp = sys.argv[1:4]
corpus = os.path.join(src, "tests", "labelled")
rules = os.path.join(src, "rules")
lists = os.path.join(src, "rules", "data")
fails = 0
gaps = []


class Case:
    def __init__(self, name, gap):
        self.name, self.gap, self.failed = name, gap, []

    def check(self, what, cond, detail=""):
        global fails
        if cond:
            print(f"ok   {self.name}: {what}")
        elif self.gap:
            self.failed.append(what + (f" ({detail})" if detail else ""))
        else:
            print(f"FAIL {self.name}: {what}" + (f" ({detail})" if detail else ""))
            fails += 1

    def done(self):
        if not self.gap:
            return
        if self.failed:
            print(f"GAP  {self.name}: {self.gap}")
            for f in self.failed:
                print(f"       not as the auditor says: {f}")
            gaps.append(self.name)
        else:
            print(f"ok   {self.name}: every expectation holds; remove its known_gap")


def run(args):
    p = subprocess.run(args, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def by_rule(items):
    out = {}
    for f in items:
        out.setdefault(f["rule"], []).append(f)
    return out


SEV = ["info", "minor", "major", "blocker"]

for path in sorted(glob.glob(os.path.join(corpus, "*", "expect.json"))):
    d = os.path.dirname(path)
    name = os.path.basename(d)
    exp = json.load(open(path))
    c = Case(name, exp.get("known_gap"))
    as_of = exp.get("as_of", "2026-11-01")
    # case-local packs (e.g. one declaring its own fields), after the shipped ones
    extra = [a for p in exp.get("extra_rules", []) for a in ("--rules", os.path.join(d, p))]
    # case-local reference lists (fixture entities), after the shipped ones
    extra += [a for p in exp.get("extra_lists", []) for a in ("--lists", os.path.join(d, p))]
    rc, out, err = run([cli, "check", d, "--rules", rules, *extra, "--lists", lists,
                        "--as-of", as_of, "--format", "json", "--fail-on", "never", "-q"])
    c.check("check exits 0", rc == 0, f"exit {rc}: {err.strip()}")
    if rc != 0:
        c.done()
        continue
    rep = json.loads(out)
    prods = {p["id"]: p for p in rep["products"]}
    live = by_rule(rep["findings"])
    hist = by_rule(rep.get("history", []))
    for sku, want in exp.get("products", {}).items():
        p = prods.get(sku)
        c.check(f"product {sku} known", p is not None)
        if p is not None and "blocked" in want:
            c.check(f"{sku} {'blocked' if want['blocked'] else 'not blocked'}",
                    p["blocked"] is want["blocked"],
                    f"blocked={p['blocked']}, worst={p['worst']}")
    for r in exp.get("live_rules", []):
        c.check(f"{r} live", r in live, "history" if r in hist else "not found")
    for r in exp.get("not_live_rules", []):
        c.check(f"{r} not live", r not in live,
                "; ".join(f["message"][:160] for f in live.get(r, [])))
    for r in exp.get("history_rules", []):
        c.check(f"{r} in history", r in hist, "live" if r in live else "not found")
    for r, sev in exp.get("live_severity", {}).items():
        got = [f["severity"] for f in live.get(r, [])]
        worst = max(got, key=SEV.index) if got else None
        c.check(f"{r} live at most {sev}", worst == sev, f"got {got}")
    if "warnings_regex" in exp:
        # the report's warnings, or the dataset's (printed on stderr)
        said = rep.get("warnings", []) + err.splitlines()
        c.check(f"a warning matches /{exp['warnings_regex']}/",
                any(re.search(exp["warnings_regex"], w) for w in said),
                "; ".join(said)[:300])
    if "unknowns" in exp:
        n = len(rep.get("unknowns", []))
        c.check(f"{exp['unknowns']} unknown required fact(s)", n == exp["unknowns"],
                f"got {n}: " + ", ".join(f"{u['supplier']} {u['field']}" for u in rep.get("unknowns", [])))
    cert = exp.get("certify")
    if cert is not None:
        if isinstance(cert, str):
            cert = {sku: cert for sku in exp.get("products", {})}
        for sku, want in cert.items():
            o = os.path.join(tmp, f"{name}.{sku}.jwt")
            rc, out, err = run([cli, "certify", d, "--rules", rules, *extra, "--lists", lists,
                                "--as-of", as_of, "--product", sku,
                                "--issuer", "did:web:brand.example",
                                "--key", os.path.join(tmp, "issuer.pem"),
                                "--valid-from", as_of + "T00:00:00Z", "-o", o])
            got = "issued" if rc == 0 and os.path.exists(o) else \
                  "refused" if rc == 1 and not os.path.exists(o) else f"exit {rc}"
            c.check(f"certify {sku} {want}", got == want,
                    f"{got}: {(out + err).strip()[:300]}")
    c.done()

for path in sorted(glob.glob(os.path.join(corpus, "bad", "*", "expect.json"))):
    d = os.path.dirname(path)
    name = "bad/" + os.path.basename(d)
    exp = json.load(open(path))
    c = Case(name, exp.get("known_gap"))
    out_file = os.path.join(tmp, "bad.json")
    rc, out, err = run([cli, "check", d, "--rules", rules, "--lists", lists,
                        "--as-of", "2026-11-01", "--format", "json", "-q", "-o", out_file])
    c.check(f"exit {exp['exit']}", rc == exp["exit"], f"exit {rc}")
    c.check(f"error matches /{exp['error_regex']}/", re.search(exp["error_regex"], err) is not None,
            err.strip()[:300])
    c.check("no report written", not os.path.exists(out_file))
    c.done()

print(f"{fails} failure(s); {len(gaps)} known gap(s)" + (": " + ", ".join(gaps) if gaps else ""))
sys.exit(1 if fails else 0)
PY
