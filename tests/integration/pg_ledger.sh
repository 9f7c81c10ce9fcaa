#!/usr/bin/env bash
# pg_ledger.sh - the ledger end to end: init twice is a no-op; a run is
# recorded once however often it is sent; the database refuses UPDATE,
# TRUNCATE, young DELETEs and, for the writer role, anything but INSERT
# and SELECT; a finding a superuser edits with the triggers disabled is
# named by `ledger verify`; the server stopped with `pg_ctl stop -m
# immediate` while a run of 200000 findings is being written leaves
# nothing of it, and the retry completes; two runs at once both complete
# and the chain verifies.  Issue 21: deleting the oldest rows, TRUNCATE
# with the triggers off (of findings, of waivers, of everything), cutting
# the newest run, a writer adding findings to a recorded run, a superuser
# appending a well-chained finding to one, and a writer setting
# labaudit.head.findings are each found (or refused) with a clear
# message; pruning by the retention rule is told apart from deletion; an
# anchor finds what a chain alone cannot; a version-1 ledger is refused
# until `ledger init` migrates it, and its rows still verify.  Every
# subcommand's --json document is valid against its schema and says what
# the text says.
# labels: pg
set -euo pipefail
src=${LAB_SOURCE_DIR:?} cli=${LAB_CLI:?}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/pg_server.sh"
pg_start labaudit_ledger
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; pg_cleanup' EXIT
fails=0
check() { # check NAME CMD...
    local name=$1; shift
    if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fails=$((fails + 1)); fi
}
run() { # run EXPECTED-STATUS CMD... ; output in $tmp/out, $tmp/err
    local want=$1; shift
    set +e; "$@" >"$tmp/out" 2>"$tmp/err"; local got=$?; set -e
    [[ $got == "$want" ]] || { echo "  exit $got, wanted $want: $*"; cat "$tmp/err" "$tmp/out"; return 1; }
}
refused() { # refused SQL PATTERN: the statement fails with PATTERN
    ! pg_psql -c "$1" >"$tmp/out" 2>"$tmp/err" && grep -q "$2" "$tmp/err"
}
db=$PG_CONNINFO
rules=$src/examples/starter-pack
# The example without its long-sleeve T-shirt: four findings a run with
# the starter pack, which the sequence numbers below count on.
data=$tmp/cotton
cp -r "$src/examples/cotton" "$data"
grep -v '^SKU-TEE-LONG-004,' "$src/examples/cotton/products.csv" >"$data/products.csv"

check "init" run 0 "$cli" ledger init --db "$db"
check "init again is a no-op" run 0 "$cli" ledger init --db "$db"
check "schema versions 1 and 2" test "$(pg_psql -At -c "SELECT string_agg(version::text, ',' ORDER BY version) FROM labaudit.schema_version")" = "1,2"
check "record a run" run 0 "$cli" ledger record --db "$db" --run-id cotton-1 "$data" --rules "$rules"
check "same run id again: nothing recorded" run 0 "$cli" ledger record --db "$db" --run-id cotton-1 "$data" --rules "$rules"
check "  and says so" grep -q 'already in the ledger' "$tmp/out"
check "one run, four findings" test "$(pg_psql -At -c "SELECT count(*) FROM labaudit.runs") $(pg_psql -At -c "SELECT count(*) FROM labaudit.findings WHERE run_id = 'cotton-1'")" = "1 4"
check "who and digests recorded" test "$(pg_psql -At -c "SELECT db_user, application, length(dataset_sha256), packs->0->>'id' FROM labaudit.runs")" = "postgres|labaudit|64|labaudit.starter"
check "show lists the run" run 0 "$cli" ledger show --db "$db"
check "  with its hash" grep -q '^1  cotton-1 .* [0-9a-f]\{64\}$' "$tmp/out"
check "show one run" run 0 "$cli" ledger show --db "$db" cotton-1
check "  with its findings" grep -q 'starter.xinjiang-cotton' "$tmp/out"
check "verify a clean ledger" run 0 "$cli" ledger verify --db "$db"

# ---- --json: every subcommand's document, valid against its schema ----
J=$tmp/json
mkdir -p "$J"
jrun() { # jrun STATUS NAME CMD...: CMD's stdout in $J/NAME.json
    local want=$1 name=$2; shift 2
    set +e; "$@" >"$J/$name.json" 2>"$tmp/err"; local got=$?; set -e
    [[ $got == "$want" ]] || { echo "  exit $got, wanted $want: $*"; cat "$tmp/err"; return 1; }
}
check "init --json" jrun 0 ledger-init.1 "$cli" ledger init --db "$db" --json
check "record --json (already there)" jrun 0 ledger-record.again "$cli" ledger record --db "$db" --run-id cotton-1 "$data" --rules "$rules" --format json
check "record --json (new run)" jrun 0 ledger-record.new "$cli" ledger record --db "$db" --run-id cotton-json "$data" --rules "$rules" --json
check "show --json" jrun 0 ledger-runs.1 "$cli" ledger show --db "$db" --json
check "show RUN --json" jrun 0 ledger-run.1 "$cli" ledger show --db "$db" cotton-1 --json
check "verify --json" jrun 0 ledger-verify.ok "$cli" ledger verify --db "$db" --json
check "anchor --json" jrun 0 ledger-verify.anchor "$cli" ledger anchor --db "$db" -o "$tmp/json-anchor" --json
check "show --json of an unknown run fails" jrun 2 bad.unknown "$cli" ledger show --db "$db" no-such-run --json
check "ledger documents valid" python3 "$src/tests/integration/check_schemas.py" "$src/plugin/schemas" \
    --require ledger-init,ledger-record,ledger-runs,ledger-run,ledger-verify "$J"/ledger-*.json
check "ledger documents say what the text says" python3 - "$J" <<'PY'
import json, os, sys
d = lambda n: json.load(open(os.path.join(sys.argv[1], n + ".json")))
assert d("ledger-init.1")["version"] == 2
again, new = d("ledger-record.again"), d("ledger-record.new")
assert again["recorded"] is False and new["recorded"] is True and new["findings"] == 4, (again, new)
runs = d("ledger-runs.1")["runs"]
assert [r["run_id"] for r in runs] == ["cotton-1", "cotton-json"] and runs[0]["findings"] == 4, runs
run = d("ledger-run.1")
assert run["run_id"] == "cotton-1" and len(run["findings"]) == 4, run
assert any(f["rule"] == "starter.xinjiang-cotton" for f in run["findings"]), run["findings"]
v, a = d("ledger-verify.ok"), d("ledger-verify.anchor")
assert v["ok"] and v["problems"] == 0 and v["lines"] and v["anchor_written"] is None, v
assert a["ok"] and a["anchor_written"].endswith("json-anchor"), a
PY

check "UPDATE refused" refused "UPDATE labaudit.findings SET message = 'x'" 'append-only'
check "DELETE within 7 years refused" refused "DELETE FROM labaudit.findings" 'must be kept for 7 years'
check "TRUNCATE refused" refused "TRUNCATE labaudit.findings CASCADE" 'append-only'
pg_psql -c "DROP ROLE IF EXISTS lab_w; CREATE ROLE lab_w; GRANT labaudit_writer TO lab_w" >/dev/null
check "writer may not UPDATE" refused "SET ROLE lab_w; UPDATE labaudit.runs SET run_id = 'x'" 'permission denied'
check "writer may not DELETE" refused "SET ROLE lab_w; DELETE FROM labaudit.runs" 'permission denied'
check "writer may INSERT" pg_psql -c "SET ROLE lab_w; INSERT INTO labaudit.waivers (waiver_id, rule_id, subject_id, reason, granted_by, valid_from, valid_until) VALUES ('W-1', 'starter.excessive-hours', 'AUD-2026-0202', 'remediation agreed', 'compliance lead', '2026-01-01', '2026-12-31')"
check "the writer is recorded" test "$(pg_psql -At -c "SELECT db_user FROM labaudit.waivers")" = lab_w
check "a certificate event" pg_psql -c "INSERT INTO labaudit.certificates (serial, status, token, status_list, status_index) VALUES ('C-1', 'issued', 'eyJ...', 'https://example.org/status/1', 7)"
check "verify after waiver and certificate" run 0 "$cli" ledger verify --db "$db"

# ---- a superuser edits a finding behind the triggers' back ----
pg_psql -c "BEGIN; SET LOCAL session_replication_role = replica; UPDATE labaudit.findings SET message = 'nothing to see here' WHERE run_id = 'cotton-1' AND n = 2; COMMIT;" >/dev/null
check "verify finds the edit" run 1 "$cli" ledger verify --db "$db"
check "  and names the row" grep -q 'TAMPERED labaudit.findings row seq 2 (run_id cotton-1, n 2): its content does not match' "$tmp/err"
pg_psql -c "BEGIN; SET LOCAL session_replication_role = replica; UPDATE labaudit.findings SET message = (SELECT message FROM labaudit.findings WHERE seq = 2) WHERE seq = 2; DELETE FROM labaudit.findings WHERE seq = 3; COMMIT;" >/dev/null
check "verify finds a deleted row" run 1 "$cli" ledger verify --db "$db"
check "  and names the gap" grep -q 'row seq 4 .*rows seq 3 to 3 are missing' "$tmp/err"

# ---- issue 21: the ends of the chains, closed runs, the head of a chain ----
fresh() { # a new ledger holding runs cotton-1 and cotton-2 (4 findings each)
    pg_psql -c "DROP SCHEMA IF EXISTS labaudit CASCADE" >/dev/null
    "$cli" ledger init --db "$db" >/dev/null
    "$cli" ledger record --db "$db" --run-id cotton-1 "$data" --rules "$rules" >/dev/null
    "$cli" ledger record --db "$db" --run-id cotton-2 "$data" --rules "$rules" >/dev/null
}
behind() { # behind SQL: run SQL as a superuser with every trigger off
    pg_psql -c "BEGIN; SET LOCAL session_replication_role = replica; $1; COMMIT;" >/dev/null
}
writer_finding() { # writer_finding RUN N: the values of one finding
    echo "('$1', $2, 'starter.x', 'labaudit.starter', 'minor', 'supplier', 'S1', 'added later', '{}')"
}
cols="run_id, n, rule_id, pack_id, severity, subject, subject_id, message, evidence"

fresh
check "a fresh ledger verifies" run 0 "$cli" ledger verify --db "$db"
check "  and says what only an anchor finds" grep -q 'note: no anchor given' "$tmp/out"
check "runs seal their findings" test "$(pg_psql -At -c "SELECT string_agg(findings_count::text, ' ' ORDER BY seq) FROM labaudit.runs")" = "4 4"
check "anchor -o FILE" run 0 "$cli" ledger anchor --db "$db" -o "$tmp/anchor1"
check "  names each chain's head" grep -q "^findings 8 $(pg_psql -At -c 'SELECT hash FROM labaudit.findings WHERE seq = 8') 20[0-9-]*T[0-9:.]*+00\$" "$tmp/anchor1"
check "anchor needs -o" run 2 "$cli" ledger anchor --db "$db"
check "verify --anchor, nothing changed" run 0 "$cli" ledger verify --db "$db" --anchor "$tmp/anchor1"
"$cli" ledger record --db "$db" --run-id cotton-3 "$data" --rules "$rules" >/dev/null
check "verify --anchor after another run" run 0 "$cli" ledger verify --db "$db" --anchor "$tmp/anchor1"
printf 'labaudit-ledger-anchor 1\nfindings 8 xyz\n' >"$tmp/badanchor"
check "a malformed anchor is refused" run 2 "$cli" ledger verify --db "$db" --anchor "$tmp/badanchor"
check "  naming its line" grep -q 'ledger anchor:2: expected' "$tmp/err"

# Deleting the oldest rows behind the triggers' back.
behind "DELETE FROM labaudit.findings WHERE seq <= 2"
check "oldest findings deleted: verify fails" run 1 "$cli" ledger verify --db "$db"
check "  not called retention" bash -c "! grep -q 'allowed after the retention' '$tmp/err' '$tmp/out'"
check "  names the cut start" grep -q 'TAMPERED labaudit.findings row seq 3 (run_id cotton-1, n 3): rows seq 1 to 2 are missing and no prune was recorded' "$tmp/err"
check "  and the run whose findings went" grep -q 'run cotton-1 was sealed with 4 finding(s) but 2 are there: findings were removed' "$tmp/err"
fresh
behind "DELETE FROM labaudit.findings WHERE run_id = 'cotton-1'; DELETE FROM labaudit.runs WHERE run_id = 'cotton-1'"
check "oldest run and its findings deleted: verify fails" run 1 "$cli" ledger verify --db "$db"
check "  names the runs table's cut start" grep -q 'TAMPERED labaudit.runs row seq 2 (run_id cotton-2): rows seq 1 to 1 are missing and no prune' "$tmp/err"
check "the owner's plain DELETE of young rows is refused" refused "DELETE FROM labaudit.findings WHERE seq = 5" 'must be kept for 7 years'

# TRUNCATE with the triggers disabled.
fresh
"$cli" ledger anchor --db "$db" -o "$tmp/anchor2" >/dev/null
pg_psql -c "INSERT INTO labaudit.waivers (waiver_id, rule_id, subject_id, reason, granted_by, valid_from, valid_until) VALUES ('W-1', 'r', 's', 'why', 'who', '2026-01-01', '2026-12-31')"
"$cli" ledger anchor --db "$db" -o "$tmp/anchor3" >/dev/null
behind "TRUNCATE labaudit.findings"
check "findings truncated: verify fails" run 1 "$cli" ledger verify --db "$db"
check "  not '0 rows, ok'" grep -q 'run cotton-1 was sealed with 4 finding(s) but 0 are there' "$tmp/err"
check "  and the table's line says BAD" grep -q '^BAD  *labaudit.findings: 0 rows (see above)' "$tmp/err"
check "  and against the anchor" run 1 "$cli" ledger verify --db "$db" --anchor "$tmp/anchor2"
check "  which names the emptied table" grep -q 'TAMPERED labaudit.findings: the anchor names row seq 8 (hash [0-9a-f]\{16\}...) but the table is empty' "$tmp/err"
check "anchor refuses a ledger that does not verify" run 1 "$cli" ledger anchor --db "$db" -o "$tmp/anchor4"
check "  and writes nothing" test ! -e "$tmp/anchor4"
behind "TRUNCATE labaudit.waivers"
check "waivers truncated: found against the anchor" run 1 "$cli" ledger verify --db "$db" --anchor "$tmp/anchor3"
check "  by name" grep -q 'TAMPERED labaudit.waivers: the anchor names row seq 1 .* but the table is empty' "$tmp/err"
fresh
"$cli" ledger anchor --db "$db" -o "$tmp/anchor5" >/dev/null
behind "TRUNCATE labaudit.findings, labaudit.runs, labaudit.waivers, labaudit.certificates, labaudit.status_lists, labaudit.checkpoints"
check "everything truncated: found against the anchor" run 1 "$cli" ledger verify --db "$db" --anchor "$tmp/anchor5"
check "  runs and findings named" test "$(grep -c 'but the table is empty' "$tmp/err")" = 2
fresh
"$cli" ledger anchor --db "$db" -o "$tmp/anchor6" >/dev/null
behind "DELETE FROM labaudit.findings WHERE run_id = 'cotton-2'; DELETE FROM labaudit.runs WHERE run_id = 'cotton-2'"
check "newest run cut from the end: found against the anchor" run 1 "$cli" ledger verify --db "$db" --anchor "$tmp/anchor6"
check "  by name" grep -q 'TAMPERED labaudit.runs: the anchor names row seq 2 .* but the chain ends at seq 1: rows were cut from its end' "$tmp/err"

# An insert-only writer adds findings to a run already recorded.
fresh
pg_psql -c "DROP ROLE IF EXISTS lab_w; CREATE ROLE lab_w; GRANT labaudit_writer TO lab_w" >/dev/null
check "writer may not add findings to a closed run" refused "SET ROLE lab_w; INSERT INTO labaudit.findings ($cols) VALUES $(writer_finding cotton-1 5)" 'run cotton-1 is closed'
check "writer may record a new run, findings first" pg_psql -c "SET ROLE lab_w; BEGIN; INSERT INTO labaudit.findings ($cols) VALUES $(writer_finding w-1 1); INSERT INTO labaudit.runs (run_id, labaudit_version, packs, summary, findings_count) VALUES ('w-1', 'x', '[]', '{}', 99); COMMIT"
check "  sealed by the database, not by the writer" test "$(pg_psql -At -c "SELECT findings_count FROM labaudit.runs WHERE run_id = 'w-1'")" = 1
check "  and the ledger verifies" run 0 "$cli" ledger verify --db "$db"
check "writer may not add a finding without a run" refused "SET ROLE lab_w; INSERT INTO labaudit.findings ($cols) VALUES $(writer_finding none 1)" 'foreign key'
# A superuser appends a correctly chained finding to an old run.
pg_psql -c "BEGIN; SET LOCAL session_replication_role = replica; SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD';
WITH h AS (SELECT seq + 1 AS seq, hash AS prev, now() AS at FROM labaudit.findings ORDER BY seq DESC LIMIT 1)
INSERT INTO labaudit.findings (seq, $cols, recorded_at, db_user, prev_hash, hash)
SELECT h.seq, 'cotton-1', 5, 'r', 'p', 'minor', 'supplier', 'S1', 'forged', '{}', h.at, 'postgres', h.prev,
    labaudit.chain_hash(h.prev, labaudit.f('seq', h.seq::text) || labaudit.f('run_id', 'cotton-1') || labaudit.f('n', '5') ||
    labaudit.f('rule_id', 'r') || labaudit.f('pack_id', 'p') || labaudit.f('severity', 'minor') || labaudit.f('subject', 'supplier') ||
    labaudit.f('subject_id', 'S1') || labaudit.f('message', 'forged') || labaudit.f('evidence', '{}') ||
    labaudit.f('recorded_at', h.at::text) || labaudit.f('db_user', 'postgres')) FROM h; COMMIT;" >/dev/null
check "a well-chained finding added to an old run: verify fails" run 1 "$cli" ledger verify --db "$db"
check "  its chain is intact" bash -c "! grep -q 'TAMPERED labaudit.findings row' '$tmp/err'"
check "  the seal says so" grep -q 'run cotton-1 was sealed with 4 finding(s) but 5 are there: findings were added after it closed' "$tmp/err"

# An insert-only writer sets the session's chain head.
fresh
check "writer sets labaudit.head.findings, then writes a run" pg_psql -c "SET ROLE lab_w; BEGIN; SET LOCAL labaudit.head.findings = '100 $(printf 'f%.0s' {1..64})'; INSERT INTO labaudit.findings ($cols) VALUES $(writer_finding w-2 1); INSERT INTO labaudit.runs (run_id, labaudit_version, packs, summary) VALUES ('w-2', 'x', '[]', '{}'); COMMIT"
check "  the setting is ignored: the finding follows the head" test "$(pg_psql -At -c "SELECT seq, prev_hash = (SELECT hash FROM labaudit.findings WHERE seq = 8) FROM labaudit.findings WHERE run_id = 'w-2'")" = "9|t"
check "  and the chain verifies" run 0 "$cli" ledger verify --db "$db"

# Pruning by the retention rule is told apart from deletion.
fresh
"$cli" ledger anchor --db "$db" -o "$tmp/anchor7" >/dev/null
check "writer may not prune" refused "SET ROLE lab_w; SELECT labaudit.prune()" 'permission denied'
check "prune keeps young rows" test "$(pg_psql -At -c "SELECT labaudit.prune()")" = 0
pg_psql -c "CREATE OR REPLACE FUNCTION labaudit.retention() RETURNS interval LANGUAGE sql STABLE AS \$\$ SELECT interval '2 seconds' \$\$" >/dev/null
sleep 2.5
"$cli" ledger record --db "$db" --run-id cotton-3 "$data" --rules "$rules" >/dev/null
check "the owner's plain DELETE of old rows is refused" refused "DELETE FROM labaudit.findings WHERE seq = 1" 'may only be deleted through labaudit.prune()'
check "prune removes the old rows" test "$(pg_psql -At -c "SELECT labaudit.prune()")" = 10
check "  and records where it stopped" test "$(pg_psql -At -c "SELECT string_agg(table_name || ':' || through_seq, ' ' ORDER BY seq) FROM labaudit.checkpoints")" = "findings:8 runs:2"
check "after pruning the ledger verifies" run 0 "$cli" ledger verify --db "$db"
check "  and says rows were pruned" grep -q 'note: labaudit.findings starts at seq 9: rows 1 to 8 were pruned by labaudit.prune() at .* (retention 00:00:02)' "$tmp/out"
check "  and that the retention was shortened" grep -q 'note: labaudit.findings was pruned at .* with a retention of 00:00:02, shorter than the 7 years' "$tmp/out"
check "  against the older anchor too" run 0 "$cli" ledger verify --db "$db" --anchor "$tmp/anchor7"
check "  whose heads were pruned" grep -q 'note: labaudit.findings: the anchored row seq 8 has since been pruned' "$tmp/out"
"$cli" ledger anchor --db "$db" -o "$tmp/anchor8" >/dev/null
behind "DELETE FROM labaudit.findings WHERE seq <= 10"
check "deleting past the prune is found" run 1 "$cli" ledger verify --db "$db" --anchor "$tmp/anchor8"
check "  and named" grep -q 'rows seq 1 to 10 are missing but the last prune ended at seq 8: rows 9 to 10 were deleted, not pruned' "$tmp/err"

# A superuser makes up a well-chained prune record to excuse deleting
# young rows: the anchor knows when its head was recorded.
fresh
"$cli" ledger anchor --db "$db" -o "$tmp/anchor9" >/dev/null
pg_psql -c "BEGIN; SET LOCAL session_replication_role = replica; SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL IntervalStyle = postgres;
WITH v AS (SELECT 1::bigint AS seq, repeat('0', 64) AS prev, hash AS th, now() - interval '8 years' AS tat, now() AS at FROM labaudit.findings WHERE seq = 8)
INSERT INTO labaudit.checkpoints SELECT v.seq, 'prune', 'findings', 8, v.th, v.tat, interval '7 years', v.at, 'postgres', v.prev,
    labaudit.chain_hash(v.prev, labaudit.f('seq', v.seq::text) || labaudit.f('kind', 'prune') || labaudit.f('table_name', 'findings') ||
    labaudit.f('through_seq', '8') || labaudit.f('through_hash', v.th) || labaudit.f('through_recorded_at', v.tat::text) ||
    labaudit.f('retention', (interval '7 years')::text) || labaudit.f('recorded_at', v.at::text) || labaudit.f('db_user', 'postgres')) FROM v;
DELETE FROM labaudit.findings WHERE seq <= 8; COMMIT;" >/dev/null
check "a made-up prune: the chains pass, the seals do not" run 1 "$cli" ledger verify --db "$db"
check "  the checkpoint chain itself is intact" grep -q '^ok  *labaudit.checkpoints: 1 rows' "$tmp/err"
check "  against the anchor the prune is found out" run 1 "$cli" ledger verify --db "$db" --anchor "$tmp/anchor9"
check "  by name" grep -q 'TAMPERED labaudit.findings: the prune recorded at .* removed the anchored row seq 8, recorded at .*, before its retention ran out' "$tmp/err"

# A ledger made by schema version 1 is migrated in one transaction.
pg_psql -c "DROP SCHEMA labaudit CASCADE" >/dev/null
awk '/^-- migration 2:/ { exit } { print }' "$src/adapters/pg/ledger.sql" >"$tmp/v1.sql"
pg_psql -c "CREATE SCHEMA labaudit; CREATE TABLE labaudit.schema_version (version integer PRIMARY KEY, description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(), applied_by text NOT NULL DEFAULT CURRENT_USER)" >/dev/null
pg_psql -f "$tmp/v1.sql" >/dev/null
pg_psql -c "INSERT INTO labaudit.schema_version (version, description) VALUES (1, 'v1');
  BEGIN; INSERT INTO labaudit.runs (run_id, labaudit_version, packs, summary) VALUES ('old-1', '0.9', '[]', '{}');
  INSERT INTO labaudit.findings ($cols) VALUES $(writer_finding old-1 1), $(writer_finding old-1 2); COMMIT;" >/dev/null
check "a version 1 ledger: record refuses" run 2 "$cli" ledger record --db "$db" --run-id new-1 "$data" --rules "$rules"
check "  saying what to do" grep -q 'schema is at version 1 and this labaudit needs version 2: run `labaudit ledger init`' "$tmp/err"
check "  verify too" run 2 "$cli" ledger verify --db "$db"
check "init migrates it" run 0 "$cli" ledger init --db "$db"
check "  to version 2" grep -q 'at version 2' "$tmp/out"
check "  the old rows still verify" run 0 "$cli" ledger verify --db "$db"
check "  their run is reported as not sealed" grep -q 'note: 1 run(s) recorded before schema version 2 did not seal' "$tmp/out"
check "a run recorded after the migration" run 0 "$cli" ledger record --db "$db" --run-id new-1 "$data" --rules "$rules"
check "  verifies" run 0 "$cli" ledger verify --db "$db"
check "  old runs are closed too" refused "INSERT INTO labaudit.findings ($cols) VALUES $(writer_finding old-1 3)" 'run old-1 is closed'

# ---- a fresh database for the fault and concurrency cases ----
pg_psql -c "DROP SCHEMA labaudit CASCADE" >/dev/null
check "init a fresh ledger" run 0 "$cli" ledger init --db "$db"

mkdir -p "$tmp/big"
python3 - "$tmp/big" <<'PY'
import sys
d = sys.argv[1]
with open(d + "/suppliers.csv", "w") as f:
    f.write("id,name,country\n")
    for i in range(200000):
        f.write("S%06d,Supplier %d Ltd,BD\n" % (i, i))
open(d + "/links.csv", "w").write("supplier_id,buyer_id\n")
open(d + "/audits.csv", "w").write("id,supplier_id,start_date\n")
PY
cat >"$tmp/every.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<pack xmlns="urn:labaudit:rulepack:1" id="test.every" version="1.0.0">
  <title>A test pack that fires once per supplier in Bangladesh</title>
  <publisher>labaudit tests</publisher>
  <rule id="test.every-bd-supplier" severity="minor" subject="supplier">
    <title>Supplier in Bangladesh</title>
    <condition>supplier.country == "BD"</condition>
    <message>Supplier {supplier.id} ({supplier.name}) is in {supplier.country}.</message>
    <basis cite="labaudit test suite">A rule that fires once per supplier, to make many findings.</basis>
    <remediation>None: this is a test.</remediation>
    <test expect="fire"><supplier id="S1" name="A" country="BD"/></test>
    <test expect="pass"><supplier id="S1" name="A" country="IN"/></test>
  </rule>
</pack>
EOF

if ((PG_OWN)); then
    "$cli" ledger record --db "$db" --run-id big-1 "$tmp/big" --rules "$tmp/every.xml" \
        >"$tmp/big.out" 2>"$tmp/big.err" &
    rec=$!
    # Wait until findings are being written, then stop the server hard.
    caught=0
    for _ in $(seq 1 1200); do
        n=$(pg_psql -At -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'labaudit' AND query LIKE 'INSERT INTO labaudit.findings%' AND state = 'active'" 2>/dev/null || echo 0)
        if [[ $n -gt 0 ]]; then caught=1; break; fi
        kill -0 $rec 2>/dev/null || break
        sleep 0.1
    done
    check "caught the run while it wrote findings" test $caught = 1
    pg_stop_immediate
    set +e; wait $rec; rc=$?; set -e
    check "the interrupted run fails (exit 2)" test $rc = 2
    check "  with a clear message" grep -q 'ledger record: .*nothing of run .big-1. was recorded' <(tr '\n' ' ' <"$tmp/big.err")
    pg_start_again
    check "nothing partial: no run, no finding" test "$(pg_psql -At -c "SELECT (SELECT count(*) FROM labaudit.runs) + (SELECT count(*) FROM labaudit.findings)")" = 0
else
    echo "note: external server: the connection is cut with pg_terminate_backend instead of stopping the server"
    "$cli" ledger record --db "$db" --run-id big-1 "$tmp/big" --rules "$tmp/every.xml" \
        >"$tmp/big.out" 2>"$tmp/big.err" &
    rec=$!
    for _ in $(seq 1 1200); do
        n=$(pg_psql -At -c "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'labaudit' AND query LIKE 'INSERT INTO labaudit.findings%'")
        [[ $n -gt 0 ]] && break
        sleep 0.1
    done
    set +e; wait $rec; rc=$?; set -e
    check "the interrupted run fails (exit 2)" test $rc = 2
    check "nothing partial: no run, no finding" test "$(pg_psql -At -c "SELECT (SELECT count(*) FROM labaudit.runs) + (SELECT count(*) FROM labaudit.findings)")" = 0
fi
check "retry completes" run 0 "$cli" ledger record --db "$db" --run-id big-1 "$tmp/big" --rules "$tmp/every.xml"
check "  with every finding" test "$(pg_psql -At -c "SELECT count(*) FROM labaudit.findings WHERE run_id = 'big-1'")" = 200000

# ---- two runs at once ----
"$cli" ledger record --db "$db" --run-id con-a "$data" --rules "$rules" >"$tmp/a.out" 2>&1 &
a=$!
"$cli" ledger record --db "$db" --run-id con-b "$tmp/big" --rules "$tmp/every.xml" >"$tmp/b.out" 2>&1 &
b=$!
"$cli" ledger record --db "$db" --run-id con-c "$data" --rules "$rules" >"$tmp/c.out" 2>&1 &
c=$!
ra=0 rb=0 rc=0
wait $a || ra=$?
wait $b || rb=$?
wait $c || rc=$?
check "concurrent runs all complete" test "$ra $rb $rc" = "0 0 0"
check "  each with its findings" test "$(pg_psql -At -c "SELECT string_agg(run_id || ':' || n, ' ' ORDER BY run_id) FROM (SELECT run_id, count(*) n FROM labaudit.findings GROUP BY run_id) x")" = "big-1:200000 con-a:4 con-b:200000 con-c:4"
check "the chain verifies" run 0 "$cli" ledger verify --db "$db"
check "  over every row" grep -q 'labaudit.findings: 400008 rows' "$tmp/out"

echo "pg_ledger: $fails failure(s)"
((fails == 0))
