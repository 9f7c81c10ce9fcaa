#!/usr/bin/env python3
"""bench/driver.py, run as bench/run - labaudit's benchmarks, side by side
with their peers and physical limits, in one run:

    bench/run            full run (1 million suppliers; takes a while)
    bench/run --quick    small sizes, for CI (a smoke test, no assertions)
    bench/run --json     the same figures as JSON on stdout

It builds the library and bench/lab_bench (Release, in build-bench/),
installs the npm peers in bench/node/ if they are missing, generates the
datasets with bench/gen (kept under build-bench/bench-data/ for the next
run) and prints a table: figure | labaudit | peer or limit | ratio |
target.  Throughput is CPU time (user + system) of the process doing the
work, for labaudit and its peers alike, so that other load on the machine
moves the figures less; latency is wall time as a host sees it.
"""
import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
AS_OF = "2026-12-01"
SEED = 1
LOG = sys.stderr


def log(msg):
    print("bench: " + msg, file=LOG, flush=True)


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def child_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(cmd, repeat=1, **kw):
    """Best CPU seconds of `repeat` runs of cmd (its children included)."""
    best = None
    for _ in range(repeat):
        t0 = child_cpu()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, **kw)
        dt = child_cpu() - t0
        best = dt if best is None or dt < best else best
    return best


def run_json(cmd, **kw):
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True,
                         **kw).stdout
    return json.loads(out.strip().splitlines()[-1])


class Bench:
    def __init__(self, a):
        self.a = a
        self.build = os.path.join(SRC, "build-bench")
        self.data = os.path.join(self.build, "bench-data")
        self.lab = os.path.join(self.build, "bench", "lab_bench")
        self.cli = os.path.join(self.build, "labaudit")
        self.rules = os.path.join(SRC, "rules")
        self.rows = []
        self.notes = []

    # ---- setup ----
    def build_all(self):
        if self.a.no_build:
            return
        log("building (Release) in " + self.build)
        for cmd in (["cmake", "-S", SRC, "-B", self.build,
                     "-DCMAKE_BUILD_TYPE=Release", "-DLAB_TESTS=OFF",
                     "-DLAB_BENCH=ON"],
                    ["cmake", "--build", self.build, "--parallel",
                     str(os.cpu_count() or 2), "--target", "lab_bench",
                     "labaudit_cli"]):
            r = subprocess.run(cmd, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
            if self.a.verbose or r.returncode != 0:
                lines = r.stdout.splitlines()
                print("\n".join(lines if self.a.verbose else lines[-30:]),
                      file=LOG)
            if r.returncode != 0:
                log("build failed: " + " ".join(cmd))
                sys.exit(1)

    def node_ready(self):
        node = os.path.join(SRC, "bench", "node")
        if not shutil.which("node") or not shutil.which("npm"):
            self.notes.append("node/npm not installed: peers not run")
            return False
        if not os.path.isdir(os.path.join(node, "node_modules",
                                          "json-rules-engine")):
            log("npm install in bench/node")
            r = subprocess.run(["npm", "install", "--no-audit", "--no-fund"],
                               cwd=node, stdout=LOG, stderr=LOG)
            if r.returncode != 0:
                self.notes.append("npm install failed: peers not run")
                return False
        return True

    def dataset(self, n, xml=False, products=None):
        name = "s%d%s%s" % (n, "-xml" if xml else "",
                            "" if products is None else "-p%d" % products)
        out = os.path.join(self.data, name)
        if os.path.exists(os.path.join(out, "bench.json")):
            return out
        log("generating %s" % name)
        shutil.rmtree(out, ignore_errors=True)
        cmd = [sys.executable, os.path.join(SRC, "bench", "gen"),
               "--suppliers", str(n), "--seed", str(SEED), "--out", out + ".tmp"]
        if xml:
            cmd.append("--xml")
        if products is not None:
            cmd += ["--products", str(products)]
        shutil.rmtree(out + ".tmp", ignore_errors=True)
        sh(cmd)
        os.rename(out + ".tmp", out)
        return out

    def no_products(self, src):
        """The same dataset with no products: rule evaluation without the
        per-product verdicts."""
        out = src + "-noprod"
        if not os.path.isdir(out):
            os.makedirs(out)
            for f in ("suppliers.csv", "links.csv", "audits.csv"):
                os.symlink(os.path.join(src, f), os.path.join(out, f))
            with open(os.path.join(out, "products.csv"), "w") as f:
                f.write("id,name,supplier_id\n")
        return out

    def row(self, figure, ours, peer, ratio, target, met=None, detail=None):
        self.rows.append({"figure": figure, "labaudit": ours, "peer": peer,
                          "ratio": ratio, "target": target, "met": met,
                          "detail": detail or {}})

    # ---- figures ----
    def evaluations(self, export, counts):
        per = {"supplier": 0, "audit": 0, "link": 0, "chain": 0,
               "noncompliance": 0}
        for p in export["packs"]:
            for r in p["rules"]:
                per[r["subject"]] += 1
        return (per["supplier"] * counts["suppliers"] +
                per["audit"] * counts["audits"] + per["link"] * counts["links"] +
                per["chain"] * counts["products"] +
                per["noncompliance"] * counts.get("noncompliances", 0))

    def rule_eval(self, n, peers):
        ds = self.dataset(n)
        exp_path = os.path.join(self.build, "bench-export.json")
        fields_path = os.path.join(self.build, "bench-fields.json")
        with open(exp_path, "w") as f:
            sh([self.cli, "rules", "export", "--jsonlogic", self.rules], stdout=f)
        with open(fields_path, "w") as f:
            sh([self.cli, "rules", "fields", "--format", "json"], stdout=f)
        with open(exp_path) as f:
            export = json.load(f)
        log("rule evaluation on %d suppliers" % n)
        ours = run_json([self.lab, "check", self.rules, ds, AS_OF, "3"])
        ev = self.evaluations(export, ours)
        rate = ev / ours["check_seconds"]
        np_ds = self.no_products(ds)
        ours_np = run_json([self.lab, "check", self.rules, np_ds, AS_OF, "3"])
        ev_np = self.evaluations(export, ours_np)
        rate_np = ev_np / ours_np["check_seconds"]
        detail = {"suppliers": n, "labaudit": ours, "evaluations": ev,
                  "labaudit_no_products": ours_np}
        if not peers:
            self.row("rule evaluation (evaluations/s, %s suppliers)" % fmt_n(n),
                     fmt_rate(rate), "not run (no node)", None, ">= 20x")
            return
        node = os.path.join(SRC, "bench", "node")
        base = ["node", "rules_bench.js", "--rules", exp_path, "--fields",
                fields_path, "--data", ds, "--as-of", AS_OF]
        jl = run_json(base, cwd=node)
        jl_rate = jl["evaluations"] / jl["seconds"]
        jre = run_json(base + ["--engine", "rules-engine", "--limit",
                               str(2000 if self.a.quick else 20000)], cwd=node)
        jre_rate = jre["evaluations"] / jre["seconds"]
        detail.update(json_logic_js=jl, json_rules_engine=jre)
        # a rule fires the same whatever the history; labaudit then files
        # findings on superseded or corrected facts as history
        lab_fired = ours["findings"] + ours.get("history", 0)
        agree = "fired %d = labaudit findings and history %d" % (jl["fired"],
                                                                 lab_fired)
        if jl["fired"] != lab_fired:
            agree = "fired %d != labaudit findings and history %d" % (
                jl["fired"], lab_fired)
        label = "rule evaluation, lab_check (eval/s, %s suppliers, %d rules)" % (
            fmt_n(n), ours["rules"])
        self.row(label, fmt_rate(rate), "json-logic-js %s %s" % (
            jl["version"], fmt_rate(jl_rate)), rate / jl_rate, ">= 20x",
            rate / jl_rate >= 20, detail)
        self.row("rule evaluation, no product verdicts (eval/s)",
                 fmt_rate(rate_np), "json-logic-js %s" % fmt_rate(jl_rate),
                 rate_np / jl_rate, ">= 20x", rate_np / jl_rate >= 20)
        self.row("rule evaluation vs json-rules-engine (%d of %d rules "
                 "translated)" % (jre["translated"],
                                  jre["translated"] + jre["skipped"]),
                 fmt_rate(rate), "json-rules-engine %s %s" % (
                     jre["version"], fmt_rate(jre_rate)), rate / jre_rate, "-")
        self.notes.append("json-logic-js on the same documents: " + agree)
        share = ours["rederive_check_seconds"] / ours["check_seconds"] - 1
        self.row("deriving each facility's history, share of a whole check "
                 "(%s suppliers, %d audits, %d non-compliances)" % (
                     fmt_n(n), ours["audits"], ours.get("noncompliances", 0)),
                 "+%.1f %%" % (100 * share),
                 "the check reusing it", 1 + share, "<= +10 %",
                 share <= 0.10,
                 {"check_seconds": ours["check_seconds"],
                  "rederive_check_seconds": ours["rederive_check_seconds"]})
        self.notes.append("json-rules-engine: rules not translated (arithmetic,"
                          " ?:, some, ...): " + ", ".join(jre["skipped_ids"]))

    def ingest(self, n):
        ds = self.dataset(n)
        files = [os.path.join(ds, f) for f in ("suppliers.csv", "links.csv",
                                               "audits.csv", "products.csv")]
        mb = sum(os.path.getsize(f) for f in files) / 1e6
        log("CSV ingest of %.0f MB" % mb)
        reps = "1" if n >= 1000000 else "3"
        ours = run_json([self.lab, "ingest", ds, reps])
        wc = timed(["wc", "-l"] + files, repeat=3)
        r_ours, r_wc = mb / ours["seconds"], mb / max(wc, 1e-6)
        self.row("CSV ingest (MB/s, %.0f MB, %s suppliers)" % (mb, fmt_n(n)),
                 "%.1f" % r_ours, "wc -l %.1f" % r_wc, r_ours / r_wc,
                 ">= 0.25x", r_ours / r_wc >= 0.25,
                 {"mb": mb, "labaudit": ours, "wc_seconds": wc})

    def xml(self, n):
        have = os.path.exists(os.path.join(SRC, "adapters", "xml",
                                           "auditreport.h"))
        if not have or not shutil.which("xmllint"):
            self.row("XML audit reports (MB/s)", "not built yet",
                     "xmllint --stream --noout", None, ">= 0.8x")
            return
        ds = self.dataset(n, xml=True)
        xdir = os.path.join(ds, "audits")
        files = sorted(os.path.join(xdir, f) for f in os.listdir(xdir))
        mb = sum(os.path.getsize(f) for f in files) / 1e6
        log("XML ingest of %d reports, %.0f MB" % (len(files), mb))
        try:
            with_xml = run_json([self.lab, "ingest", ds, "3"])
        except subprocess.CalledProcessError:
            self.row("XML audit reports (MB/s)", "failed to load",
                     "xmllint --stream --noout", None, ">= 0.8x")
            return
        # the same folder without the reports: the CSV part to subtract
        csv_only = ds + "-csvonly"
        if not os.path.isdir(csv_only):
            os.makedirs(csv_only)
            for f in ("suppliers.csv", "links.csv", "audits.csv",
                      "products.csv"):
                os.symlink(os.path.join(ds, f), os.path.join(csv_only, f))
        base = run_json([self.lab, "ingest", csv_only, "3"])
        secs = max(with_xml["seconds"] - base["seconds"], 1e-6)
        lint = 0.0
        for i in range(0, len(files), 4000):
            lint += timed(["xmllint", "--stream", "--noout"] +
                          files[i:i + 4000], repeat=1)
        r_ours, r_lint = mb / secs, mb / max(lint, 1e-6)
        self.row("XML audit reports (MB/s, %d reports)" % len(files),
                 "%.1f" % r_ours, "xmllint --stream %.1f" % r_lint,
                 r_ours / r_lint, ">= 0.8x", r_ours / r_lint >= 0.8,
                 {"mb": mb, "labaudit_seconds": secs, "xmllint_seconds": lint,
                  "audits_loaded": with_xml["audits"]})

    def latency(self, n):
        ds = self.dataset(n)
        with open(os.path.join(ds, "bench.json")) as f:
            hints = json.load(f)
        calls = 10000
        log("one-supplier latency on %s suppliers" % fmt_n(n))
        r = run_json([self.lab, "latency", self.rules, ds,
                      hints["latency_supplier"], AS_OF, str(calls),
                      "30" if not self.a.quick else "5"])
        self.row("one-supplier check, chain depth %d (%d suppliers), of %s: "
                 "median / p99 us (%d calls)" % (
                     hints["latency_supplier_depth"],
                     hints["latency_supplier_upstream"], fmt_n(n), r["calls"]),
                 "%.1f / %.1f" % (r["median_us"], r["p99_us"]),
                 "limit 50 us p99", r["p99_us"] / 50.0, "p99 < 50 us",
                 r["p99_us"] < 50, r)
        w = run_json([self.lab, "latency", self.rules, ds,
                      hints["wide_supplier"], AS_OF, "1000",
                      "15" if not self.a.quick else "5"])
        self.row("one-supplier check, garment maker depth %d with %d upstream:"
                 " median / p99 us (%d calls)" % (
                     hints["wide_supplier_depth"],
                     hints["wide_supplier_upstream"], w["calls"]),
                 "%.0f / %.0f" % (w["median_us"], w["p99_us"]),
                 "limit 50 us p99", w["p99_us"] / 50.0, "(informative)",
                 None, w)

    def memory_and_growth(self, sizes):
        per = []
        detail = []
        for n in sizes:
            ds = self.dataset(n)
            log("check of %s suppliers" % fmt_n(n))
            r = run_json([self.lab, "check", self.rules, ds, AS_OF, "1"])
            detail.append(r)
            per.append(r["check_seconds"] / n * 1e6)
        big = detail[-1]
        mib = big["peak_rss"] / 2**20
        self.row("peak memory, load + check: %s suppliers, %s links, %s "
                 "audits (MiB)" % (fmt_n(big["suppliers"]), fmt_n(big["links"]),
                                   fmt_n(big["audits"])),
                 "%.0f" % mib, "limit 1024", mib / 1024, "< 1 GiB",
                 mib < 1024, big)
        growth = per[-1] / per[0]
        self.row("growth: check time per supplier at %s (us)" %
                 " / ".join(fmt_n(n) for n in sizes),
                 " / ".join("%.2f" % p for p in per), "constant",
                 growth, "linear (ratio ~1)", growth < 1.5,
                 {"checks": detail})
        self.row("chain facts: first check at %s suppliers (s)" %
                 fmt_n(sizes[-1]), "%.2f" % (big["first_check_seconds"] -
                                              big["check_seconds"]),
                 "-", None, "-")

    def epcis(self, n):
        """Reading n EPCIS 2.0 events (bench/gen_epcis) into lots, lot
        inputs and links, beside jq -c . over the same file."""
        out = os.path.join(self.data, "epcis-%d" % n)
        if not os.path.exists(os.path.join(out, "bench.json")):
            log("generating %d EPCIS events" % n)
            shutil.rmtree(out, ignore_errors=True)
            sh([sys.executable, os.path.join(SRC, "bench", "gen_epcis"),
                "--events", str(n), "--seed", str(SEED), "--out", out])
        with open(os.path.join(out, "bench.json")) as f:
            meta = json.load(f)
        mb = meta["bytes"] / 1e6
        log("EPCIS read of %d events, %.0f MB" % (n, mb))
        ours = run_json([self.lab, "epcis", out,
                         os.path.join(SRC, "rules", "chain-of-custody")])
        rate, mbs = n / ours["seconds"], mb / ours["seconds"]
        peer, ratio = "jq not installed", None
        if shutil.which("jq"):
            jq = timed(["jq", "-c", ".", meta["file"]])
            peer = "jq -c . %.1f MB/s" % (mb / max(jq, 1e-6))
            ratio = jq / ours["seconds"]
            ours["jq_seconds"] = jq
        self.row("EPCIS 2.0 events (%s events, %.0f MB)" % (fmt_n(n), mb),
                 "%s events/s, %.1f MB/s, peak RSS %.0f MB; then %s "
                 "product lots judged per lot in %.2f s" % (
                     fmt_rate(rate), mbs, ours["peak_rss"] / 1e6,
                     fmt_n(ours["verdicts"]), ours["check_seconds"]),
                 peer, ratio, "-", None, {"mb": mb, "labaudit": ours})

    def placeholders(self):
        self.row("PostgreSQL read", "not built yet",
                 "psql \\copy ... TO '/dev/null'", None, "within 1.5x")

    def verify_status(self):
        """What the status checks cost a verify: the example's certificate
        verified with no status list, its revocation list, and a suspension
        list as well (each list a 16 KiB bitstring, GZIP-compressed)."""
        d = os.path.join(self.data, "verify")
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        iss = "did:web:brand.example"
        sh([self.cli, "keygen", "--issuer", iss, "-o", os.path.join(d, "k.pem")])
        lists = []
        for purpose in ("revocation", "suspension"):
            f = os.path.join(d, purpose + ".jwt")
            sh([self.cli, "status-list", "create", "--purpose", purpose, "--url",
                "https://brand.example/status/" + purpose, "--issuer", iss,
                "--key", os.path.join(d, "k.pem"), "-o", f])
            lists.append(f)
        cert = os.path.join(d, "cert.jwt")
        sh([self.cli, "certify", os.path.join(SRC, "examples", "cotton"), "--rules",
            self.rules, "--lists", os.path.join(SRC, "rules", "data"), "--product",
            "SKU-TEE-CREW-001", "--issuer", iss, "--key", os.path.join(d, "k.pem"),
            "--status-list", lists[0], "-q", "-o", cert])
        ours = run_json([self.lab, "verify", cert, os.path.join(d, "k.pem.trust.json")]
                        + lists)
        r = [x["per_second"] for x in ours["rates"]]
        h = [x["per_second_verifier"] for x in ours["rates"]]
        self.row("verify per second, %d-byte certificate: no status list / "
                 "+ revocation list / + suspension list; lab_verify each "
                 "call, then one lab_verifier reused" % ours["cert_bytes"],
                 " / ".join("%.0f" % x for x in r) + "; " +
                 " / ".join("%.0f" % x for x in h),
                 "the same verify without status lists", r[1] / r[0], "-", None,
                 {"labaudit": ours})

    def run(self):
        q = self.a.quick
        self.build_all()
        peers = self.node_ready()
        growth = [1000, 10000, 100000] if q else [10000, 100000, 1000000]
        only = set(self.a.only.split(",")) if self.a.only else None
        want = lambda name: only is None or name in only
        if want("rules"):
            self.rule_eval(10000 if q else 100000, peers)
        if want("ingest"):
            self.ingest(growth[-1])
        if want("xml"):
            self.xml(2000 if q else 20000)
        if only is None:
            self.placeholders()
        if want("epcis"):
            self.epcis(30000 if q else 1000000)
        if want("verify"):
            self.verify_status()
        if want("latency"):
            self.latency(growth[-1])
        if want("growth"):
            self.memory_and_growth(growth)


def fmt_n(n):
    for div, suf in ((1000000, "M"), (1000, "k")):
        if n >= div and n % div == 0:
            return "%d%s" % (n // div, suf)
    return str(n)


def fmt_rate(r):
    if r >= 1e6:
        return "%.2fM" % (r / 1e6)
    if r >= 1e3:
        return "%.0fk" % (r / 1e3)
    return "%.0f" % r


def machine():
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as f:
            mem = int(f.readline().split()[1]) / 2**20
    except OSError:
        mem = 0
    return {"nproc": os.cpu_count(), "cpu": model, "ram_gib": round(mem, 1),
            "os": platform.platform(), "load": os.getloadavg()[0]}


def print_table(b, m, mode, secs):
    head = ["figure", "labaudit", "peer or limit", "ratio", "target"]
    rows = []
    for r in b.rows:
        ratio = "-" if r["ratio"] is None else "%.2fx" % r["ratio"]
        tgt = r["target"]
        if r["met"] is not None:
            tgt += " (met)" if r["met"] else " (MISSED)"
        rows.append([r["figure"], r["labaudit"], r["peer"], ratio, tgt])
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join("---" for _ in head) + "|")
    for r in rows:
        print("| " + " | ".join(str(c).replace("|", "/") for c in r) + " |")
    print()
    print("machine: %d CPUs, %s, %.0f GiB RAM; load average %.1f at the "
          "start; `bench/run%s` took %.0f s" % (
              m["nproc"], m["cpu"], m["ram_gib"], m["load"],
              " --quick" if mode == "quick" else "", secs))
    for n in b.notes:
        print("- " + n)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true",
                   help="small sizes (CI smoke test, under 2 minutes)")
    p.add_argument("--json", action="store_true", help="JSON on stdout")
    p.add_argument("--verbose", action="store_true", help="show build output")
    p.add_argument("--only", metavar="LIST",
                   help="only these figures: rules,ingest,xml,epcis,latency,"
                   "growth")
    p.add_argument("--no-build", action="store_true",
                   help="use the programs already built in build-bench/")
    a = p.parse_args()
    t0 = time.time()
    m = machine()
    b = Bench(a)
    b.run()
    secs = time.time() - t0
    mode = "quick" if a.quick else "full"
    if a.json:
        json.dump({"mode": mode, "machine": m, "seconds": secs,
                   "rows": b.rows, "notes": b.notes}, sys.stdout, indent=1)
        print()
    else:
        print_table(b, m, mode, secs)


if __name__ == "__main__":
    main()
