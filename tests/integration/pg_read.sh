#!/usr/bin/env bash
# pg_read.sh - reading records from PostgreSQL: the reference schema
# (examples/sql/schema.sql) loaded with the cotton example plus suppliers
# whose names carry quotes, semicolons, an SQL injection attempt and
# Chinese and Arabic script gives exactly the report the same CSV folder
# gives (verdicts, findings, the history that took findings out of play
# and the unknowns), with the starter pack and with every rule pack and
# its reference lists, names intact; a Tryton-shaped database read through
# examples/sql/tryton-mapping.ini blocks the product whose chain reaches
# Xinjiang; a bad value names mapping:kind:row:column and loads nothing.
# labels: pg
set -euo pipefail
src=${LAB_SOURCE_DIR:?} cli=${LAB_CLI:?}
: "${LAB_LIB:?}"
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/pg_server.sh"
pg_start labaudit_read
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; pg_cleanup' EXIT
fails=0
to() { # to FILE CMD...: runs CMD with its output in FILE
    local out=$1; shift
    "$@" >"$out"
}
check() { # check NAME CMD...
    local name=$1; shift
    if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fails=$((fails + 1)); fi
}
as_of=2026-11-28
# Python loads the library through ctypes; a sanitized build needs its
# runtime preloaded (and Python's own allocations are not our leaks).
pycheck() {
    # (no grep -q: with pipefail, its early exit can fail the pipeline)
    if ldd "$LAB_LIB" | grep libasan >/dev/null; then
        LD_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)" \
            ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" \
            python3 "$here/pg_check.py" "$@"
    else
        python3 "$here/pg_check.py" "$@"
    fi
}

# ---- the reference schema, with hostile and non-Latin names ----
mkdir -p "$tmp/examples"
cp -r "$src/examples/cotton" "$tmp/examples/cotton"
python3 - "$tmp/examples/cotton" <<'PY'
import csv, sys
d = sys.argv[1]
names = ["O'Brien \"Quoted\" Spinning Mills", "Semi;colon; Textiles; Ltd",
         "'; DROP TABLE suppliers; --", "中文纺织有限公司",
         "شركة النسيج العربية", "Back\\slash {brace} ,comma, Ltd"]
with open(d + "/suppliers.csv", "a", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    for i, n in enumerate(names):
        w.writerow(["X-%d" % i, n, "spinner", "CN", "", "", "", "", "", "", "",
                    "", "100", "", "", ""])
with open(d + "/audits.csv", newline="") as f:
    hdr = next(csv.reader(f))
with open(d + "/audits.csv", "a", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    for i in range(len(names)):
        row = dict.fromkeys(hdr, "")
        row.update(id="AUD-X-%d" % i, supplier_id="X-%d" % i,
                   start_date="2026-05-0%d" % (i + 1), workers_total="100",
                   documents_held_by_employer="3",
                   documents_held_by_recruiter="0")
        w.writerow([row[h] for h in hdr])
PY
(cd "$tmp" && pg_psql -f "$src/examples/sql/schema.sql" \
    -f "$src/examples/sql/load-cotton.sql" >/dev/null)
check "schema.sql is idempotent" pg_psql -f "$src/examples/sql/schema.sql"
check "  and the upgrade path adds no second CHECK on audits.kind" \
    test "$(pg_psql -At -c "SELECT count(*) FROM pg_constraint WHERE conrelid = 'supplychain.audits'::regclass AND contype = 'c' AND pg_get_constraintdef(oid) LIKE '%kind%'")" = 1
check "suppliers table intact" \
    test "$(pg_psql -At -c 'SELECT count(*) FROM supplychain.suppliers')" = 23
check "audit kinds loaded (empty is NULL: labaudit's default, full)" \
    test "$(pg_psql -At -c "SELECT string_agg(id || ':' || coalesce(kind, '-'), ' ' ORDER BY id) FROM supplychain.audits WHERE id LIKE 'AUD-2025-%' OR id = 'AUD-2026-0106' OR id = 'AUD-2026-0101'")" \
    = "AUD-2025-0103:full AUD-2025-0103-FU:follow_up AUD-2026-0101:- AUD-2026-0106:full"
check "non-compliances loaded, list and dates typed" \
    test "$(pg_psql -At -c "SELECT id || ' ' || status || ' ' || closing_audit_id || ' ' || due_date || ' ' || array_to_string(evidence, ';') || ' ' || workers_affected_female FROM supplychain.noncompliances")" \
    = "NC-2025-0103-01 verified AUD-2025-0103-FU 2025-05-10 DOC-NC-2025-0103-01 11"

"$cli" check "$tmp/examples/cotton" --rules "$src/examples/starter-pack" --as-of $as_of \
    --format json --fail-on never -o "$tmp/csv.json"
check "reference schema: built-in mapping loads" to "$tmp/pg.json" \
    pycheck "$PG_CONNINFO" - $as_of "$src/examples/starter-pack"
check "reference schema: explicit mapping loads" to "$tmp/pg2.json" \
    pycheck "$PG_CONNINFO" "$src/examples/sql/mapping.ini" \
    $as_of "$src/examples/starter-pack"
# Same records, summary, verdicts, findings, history (each with why it
# is history) and unknowns; findings and history compared as whole JSON
# objects, in any order.
same_report() {
    python3 - "$1" "$2" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
key = lambda f: json.dumps(f, sort_keys=True, ensure_ascii=False)
assert a["records"] == b["records"], (a["records"], b["records"])
for part in ("findings", "history", "unknowns"):
    ka, kb = sorted(map(key, a[part])), sorted(map(key, b[part]))
    assert ka == kb, (part, "only in %s:" % sys.argv[1], sorted(set(ka) - set(kb)),
                      "only in %s:" % sys.argv[2], sorted(set(kb) - set(ka)))
pa, pb = (sorted(r["products"], key=lambda p: p["id"]) for r in (a, b))
assert pa == pb, (pa, pb)
assert a["summary"] == b["summary"], (a["summary"], b["summary"])
PY
}
check "PostgreSQL report equals the CSV report" same_report "$tmp/csv.json" "$tmp/pg.json"
check "both mappings agree" same_report "$tmp/pg.json" "$tmp/pg2.json"

# Every rule pack with its reference lists: the history (the remediated
# spinner's 2025 audit and its follow-up) and the volume rules need the
# non-compliances and audit kinds read from the database.
"$cli" check "$tmp/examples/cotton" --rules "$src/rules" --lists "$src/rules/data" \
    --as-of $as_of --format json --fail-on never -o "$tmp/csv-all.json"
check "every pack: built-in mapping loads" to "$tmp/pg-all.json" \
    pycheck "$PG_CONNINFO" - $as_of --lists="$src/rules/data" "$src/rules"
check "every pack: PostgreSQL report equals the CSV report" \
    same_report "$tmp/csv-all.json" "$tmp/pg-all.json"
check "every pack: verdicts, findings and history as expected" python3 - "$tmp/pg-all.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["records"]["noncompliances"] == 1, r["records"]
assert r["records"]["products"] == 5, r["records"]
assert r["records"]["lots"] == 18 and r["records"]["lot_inputs"] == 17, r["records"]
p = {x["id"]: x for x in r["products"]}
assert p["SKU-TEE-LONG-004"]["blocked"] is True and p["SKU-TEE-LONG-004"]["chain_of"] == "lots", p
assert p["SKU-TEE-CREW-001"]["blocked"] is False and p["SKU-TEE-CREW-001"]["findings"] == 0, p
assert p["SKU-TEE-VNECK-003"]["blocked"] is True, p
assert p["SKU-SHIRT-POP-002"]["blocked"] is True, p
chain = {f["rule"] for f in r["findings"] if f["subject_id"] == "SKU-TEE-VNECK-003"}
assert chain == {"cc.over-claimed"}, chain
hist = {(f["rule"], f["subject_id"]): f["history"] for f in r["history"]}
assert ("id.held-by-employer", "AUD-2025-0103") in hist, hist
assert all(hist.values()), hist
live = {f["subject_id"] for f in r["findings"]}
assert not live & {"AUD-2025-0103", "AUD-2025-0103-FU"}, live
PY
check "hostile and non-Latin names survive" python3 - "$tmp/pg.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
msgs = " ".join(f["message"] for f in r["findings"])
for n in ["O'Brien \"Quoted\" Spinning Mills", "Semi;colon; Textiles; Ltd",
          "'; DROP TABLE suppliers; --", "中文纺织有限公司",
          "شركة النسيج العربية", "Back\\slash {brace} ,comma, Ltd"]:
    assert n in msgs, n
PY

# ---- errors: file:kind:row:column, nothing loaded ----
cat >"$tmp/bad.ini" <<'EOF'
[mapping]
schema = supplychain
[supplier]
query = SELECT id, name, CASE WHEN id = 'X-3' THEN 'XX' ELSE country END AS country
    FROM suppliers ORDER BY id
EOF
set +e
pycheck "$PG_CONNINFO" "$tmp/bad.ini" $as_of \
    "$src/examples/starter-pack" >/dev/null 2>"$tmp/err"
rc=$?
set -e
check "bad value: exit 2" test $rc = 2
check "bad value: names mapping:kind:row:column" \
    grep -q 'bad.ini:supplier:[0-9]*:3: country' "$tmp/err"
printf '[supplier]\nquery = SELECT 1 AS id FROM no_such_table\n' >"$tmp/nosuch.ini"
set +e
pycheck "$PG_CONNINFO" "$tmp/nosuch.ini" $as_of \
    "$src/examples/starter-pack" >/dev/null 2>"$tmp/err"
set -e
check "search_path pinned: unqualified names resolve only in the mapping's schema" \
    grep -q 'relation "no_such_table" does not exist' "$tmp/err"
printf '[supplier]\nquery = SELECT id, name, country FROM suppliers\n' >"$tmp/noschema.ini"
set +e
pycheck "$PG_CONNINFO" "$tmp/noschema.ini" $as_of \
    "$src/examples/starter-pack" >/dev/null 2>"$tmp/err"
set -e
check "search_path pinned: public is not searched without a schema" \
    grep -q 'relation "suppliers" does not exist' "$tmp/err"
printf '[supplier]\nquery = SELECT 1\n[bogus]\n' >"$tmp/badini.ini"
set +e
pycheck "$PG_CONNINFO" "$tmp/badini.ini" $as_of \
    "$src/examples/starter-pack" >/dev/null 2>"$tmp/err"
set -e
check "mapping syntax error names file:line" grep -q "badini.ini:3:2: unknown section 'bogus'" "$tmp/err"

# ---- a Tryton-shaped database ----
pg_psql >/dev/null <<'SQL'
CREATE TABLE country_country (id serial PRIMARY KEY, code varchar, name varchar);
CREATE TABLE country_subdivision (id serial PRIMARY KEY, country integer REFERENCES country_country, code varchar, name varchar);
CREATE TABLE party_party (id serial PRIMARY KEY, name varchar, code varchar UNIQUE, active boolean DEFAULT true);
CREATE TABLE party_address (id serial PRIMARY KEY, party integer REFERENCES party_party, street text, city varchar, country integer REFERENCES country_country, subdivision integer REFERENCES country_subdivision, sequence integer, active boolean DEFAULT true);
CREATE TABLE party_identifier (id serial PRIMARY KEY, party integer REFERENCES party_party, type varchar, code varchar);
CREATE TABLE party_category (id serial PRIMARY KEY, name varchar);
CREATE TABLE party_category_rel (id serial PRIMARY KEY, party integer REFERENCES party_party, category integer REFERENCES party_category);
CREATE TABLE company_company (id serial PRIMARY KEY, party integer REFERENCES party_party);
CREATE TABLE product_uom (id serial PRIMARY KEY, name varchar, symbol varchar);
CREATE TABLE product_template (id serial PRIMARY KEY, name varchar, type varchar, salable boolean, default_uom integer REFERENCES product_uom);
CREATE TABLE product_product (id serial PRIMARY KEY, template integer REFERENCES product_template, code varchar);
CREATE TABLE purchase_product_supplier (id serial PRIMARY KEY, template integer REFERENCES product_template, product integer REFERENCES product_product, party integer REFERENCES party_party);
CREATE TABLE purchase_purchase (id serial PRIMARY KEY, company integer REFERENCES company_company, party integer REFERENCES party_party, number varchar, purchase_date date, state varchar);
CREATE TABLE purchase_line (id serial PRIMARY KEY, purchase integer REFERENCES purchase_purchase, type varchar DEFAULT 'line', product integer REFERENCES product_product, quantity double precision, unit integer REFERENCES product_uom, description text);
CREATE TABLE labaudit_audit (id text PRIMARY KEY, party integer NOT NULL REFERENCES party_party, scheme text, type text, auditor_org text, start_date date NOT NULL, end_date date, workers_total integer, workers_under_15 integer, documents_held_by_employer integer, documents_held_by_recruiter integer, recruitment_fees_paid_by_workers integer, lowest_wage numeric, legal_minimum_wage numeric, currency text, max_weekly_hours numeric, max_consecutive_days integer);
CREATE TABLE labaudit_link (supplier integer NOT NULL REFERENCES party_party, buyer integer NOT NULL REFERENCES party_party, commodity text, hs_code text, lot text);

INSERT INTO country_country (code, name) VALUES ('CN', 'China'), ('BD', 'Bangladesh'), ('DE', 'Germany');
INSERT INTO country_subdivision (country, code, name) VALUES (1, 'CN-XJ', 'Xinjiang'), (1, 'CN-JS', 'Jiangsu'), (2, 'BD-13', 'Dhaka');
INSERT INTO party_party (name, code) VALUES
  ('Example Brand GmbH', 'P-BRAND'), ('新疆棉花轧花厂', 'P-GIN'), ('Jiangsu Spinning; "Yarn" Co.', 'P-SPIN'),
  ('مصنع الملابس', 'P-GARMENT'), ('''; DROP TABLE party_party; --', 'P-TRADER');
INSERT INTO party_address (party, street, city, country, subdivision, sequence) VALUES
  (1, 'Hauptstr. 1', 'Berlin', 3, NULL, 1), (2, 'Road 1', 'Aksu', 1, 1, 1),
  (3, 'Road 2', 'Wuxi', 1, 2, 1), (4, 'Road 3', 'Dhaka', 2, 3, 1), (5, 'Road 4', 'Dhaka', 2, 3, 1);
INSERT INTO party_identifier (party, type, code) VALUES (1, 'eu_vat', 'DE123456789');
INSERT INTO party_category (name) VALUES ('gin'), ('spinner'), ('garment_maker'), ('brand'), ('trader'), ('VIP customers');
INSERT INTO party_category_rel (party, category) VALUES (1, 4), (1, 6), (2, 1), (3, 2), (4, 3), (5, 5);
INSERT INTO company_company (party) VALUES (1);
INSERT INTO product_uom (name, symbol) VALUES ('Unit', 'u'), ('Kilogram', 'kg');
INSERT INTO product_template (name, type, salable, default_uom) VALUES ('Cotton shirt', 'goods', true, 1), ('Polo shirt', 'goods', true, 1);
INSERT INTO product_product (template, code) VALUES (1, 'SKU-SHIRT'), (2, 'SKU-POLO');
INSERT INTO purchase_product_supplier (template, product, party) VALUES (1, 1, 4), (2, 2, 5);
INSERT INTO purchase_purchase (company, party, number, purchase_date, state) VALUES
  (1, 4, 'PO-1', '2026-03-01', 'done'), (1, 4, 'PO-2', '2026-04-01', 'confirmed'), (1, 5, 'PO-3', '2026-04-02', 'draft');
INSERT INTO purchase_line (purchase, product, quantity, unit) VALUES (1, 1, 1000, 1), (2, 1, 500, 1), (3, 2, 10, 1);
INSERT INTO labaudit_link (supplier, buyer, commodity) VALUES (2, 3, 'ginned cotton'), (3, 4, 'yarn');
INSERT INTO labaudit_audit (id, party, start_date, workers_total, documents_held_by_employer, documents_held_by_recruiter) VALUES
  ('AUD-T-1', 4, '2026-02-01', 300, 12, 0), ('AUD-T-2', 5, '2026-02-02', 30, 0, 0);
SQL
check "Tryton: loads and checks" to "$tmp/tryton.json" pycheck \
    "$PG_CONNINFO" "$src/examples/sql/tryton-mapping.ini" \
    $as_of "$src/examples/starter-pack"
check "Tryton: records, chain and findings" python3 - "$tmp/tryton.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["records"]["suppliers"] == 5, r["records"]
assert r["records"]["links"] == 3, r["records"]          # PO-3 is a draft
assert r["records"]["audits"] == 2 and r["records"]["products"] == 2, r["records"]
p = {x["id"]: x for x in r["products"]}
assert p["SKU-SHIRT"]["blocked"] is True, p   # its chain reaches CN-XJ
assert p["SKU-POLO"]["blocked"] is False, p
rules = {(f["rule"], f["subject_id"]) for f in r["findings"]}
assert ("starter.xinjiang-cotton", "SKU-SHIRT") in rules, rules
assert ("starter.identity-documents-held", "AUD-T-1") in rules, rules
assert any("مصنع الملابس" in f["message"] for f in r["findings"])
PY
check "Tryton: party table intact" test "$(pg_psql -At -c 'SELECT count(*) FROM party_party')" = 5

echo "pg_read: $fails failure(s)"
((fails == 0))
