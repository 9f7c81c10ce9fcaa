#!/usr/bin/env bash
# pg_ledger.sh - the ledger end to end: init twice is a no-op; a run is
# recorded once however often it is sent; the database refuses UPDATE,
# TRUNCATE, young DELETEs and, for the writer role, anything but INSERT
# and SELECT; a finding a superuser edits with the triggers disabled is
# named by `ledger verify`; the server stopped with `pg_ctl stop -m
# immediate` while a run of 200000 findings is being written leaves
# nothing of it, and the retry completes; two runs at once both complete
# and the chain verifies.
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
data=$src/examples/cotton

check "init" run 0 "$cli" ledger init --db "$db"
check "init again is a no-op" run 0 "$cli" ledger init --db "$db"
check "one schema version" test "$(pg_psql -At -c 'SELECT count(*) FROM labaudit.schema_version')" = 1
check "record a run" run 0 "$cli" ledger record --db "$db" --run-id cotton-1 "$data" --rules "$rules"
check "same run id again: nothing recorded" run 0 "$cli" ledger record --db "$db" --run-id cotton-1 "$data" --rules "$rules"
check "  and says so" grep -q 'already in the ledger' "$tmp/out"
check "one run, five findings" test "$(pg_psql -At -c "SELECT count(*) FROM labaudit.runs") $(pg_psql -At -c "SELECT count(*) FROM labaudit.findings WHERE run_id = 'cotton-1'")" = "1 5"
check "who and digests recorded" test "$(pg_psql -At -c "SELECT db_user, application, length(dataset_sha256), packs->0->>'id' FROM labaudit.runs")" = "postgres|labaudit|64|labaudit.starter"
check "show lists the run" run 0 "$cli" ledger show --db "$db"
check "  with its hash" grep -q '^1  cotton-1 .* [0-9a-f]\{64\}$' "$tmp/out"
check "show one run" run 0 "$cli" ledger show --db "$db" cotton-1
check "  with its findings" grep -q 'starter.xinjiang-cotton' "$tmp/out"
check "verify a clean ledger" run 0 "$cli" ledger verify --db "$db"

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
check "  each with its findings" test "$(pg_psql -At -c "SELECT string_agg(run_id || ':' || n, ' ' ORDER BY run_id) FROM (SELECT run_id, count(*) n FROM labaudit.findings GROUP BY run_id) x")" = "big-1:200000 con-a:5 con-b:200000 con-c:5"
check "the chain verifies" run 0 "$cli" ledger verify --db "$db"
check "  over every row" grep -q 'labaudit.findings: 400010 rows' "$tmp/out"

echo "pg_ledger: $fails failure(s)"
((fails == 0))
