#!/usr/bin/env bash
# hostile_io.sh - issue 21, hostile input and output paths, through the
# command: outputs follow one rule (a FIFO or device is written in place
# and keeps its type, a FIFO without a reader is an error and not a hang,
# a directory is refused, a symbolic link's target is replaced and the
# link stays, an existing file keeps its mode, a key stays 0600); every
# kind of input named as a FIFO is refused promptly; the 64 MiB input cap
# is exact; a NUL byte in a text input is an error naming the byte
# offset; escape sequences and bidi overrides in data never reach the
# terminal raw; libxml2 prints nothing on a huge text node; waiver files
# and numbers are strict.  Every command runs under `timeout 10`, so a
# regression fails (exit 124) instead of hanging.
# labels: integration
set -euo pipefail
cli=${LAB_CLI:?} src=${LAB_SOURCE_DIR:?}
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT
cd "$tmp"
fails=0 passes=0
ok() { echo "ok   $*"; passes=$((passes + 1)); }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }
# expect CODE TEXT-OR-EMPTY CMD...: exit status CODE, stderr+stdout hold TEXT
expect() {
    local want=$1 text=$2 st=0
    shift 2
    timeout 10 "$@" >out 2>err || st=$?
    if [[ $st -ne $want ]]; then
        bad "exit $st (wanted $want): $* :: $(head -c 400 err)"
    elif [[ -n $text ]] && ! grep -qF -- "$text" out err; then
        bad "no '$text' in output of: $* :: $(head -c 400 err)"
    else
        ok "exit $want${text:+ ($text)}: ${*:1:4}"
    fi
}
CHECK=(check "$src/examples/cotton" --rules "$src/examples/starter-pack" --fail-on never)

# ---- one output writer ----
mkfifo out.fifo
timeout 10 cat out.fifo >fifo.got &
reader=$!
expect 0 "" "$cli" "${CHECK[@]}" --format json -o out.fifo
wait "$reader" || true
[[ -p out.fifo ]] && ok "FIFO output is still a FIFO" || bad "FIFO output replaced"
grep -q '"products"' fifo.got && ok "report arrived through the FIFO" || bad "nothing came through the FIFO"
expect 2 "no reader" "$cli" "${CHECK[@]}" -o out.fifo
[[ -p out.fifo ]] && ok "FIFO without reader still a FIFO" || bad "FIFO replaced"
mkdir outdir
expect 2 "is a directory" "$cli" "${CHECK[@]}" -o outdir
[[ -d outdir && -z $(ls outdir) ]] && ok "directory untouched" || bad "directory changed"
mkdir real
echo old >real/target.txt
chmod 640 real/target.txt
ln -s real/target.txt link.txt
expect 0 "" "$cli" "${CHECK[@]}" -o link.txt
[[ -L link.txt ]] && ok "symlink still a link" || bad "symlink replaced by a file"
grep -q 'findings:' real/target.txt && ok "symlink target holds the report" || bad "target not updated"
[[ $(stat -c %a real/target.txt) == 640 ]] && ok "existing file keeps mode 640" ||
    bad "mode became $(stat -c %a real/target.txt)"
[[ -z $(ls real | grep tmp || true) && -z $(ls | grep tmp || true) ]] &&
    ok "no temporary file left" || bad "temporary file left: $(ls . real)"
ln -s missing.txt dangling.txt
expect 2 "missing file" "$cli" "${CHECK[@]}" -o dangling.txt
if [[ $(id -u) == 0 ]]; then
    mknod null.dev c 1 3
    expect 0 "" "$cli" "${CHECK[@]}" -o null.dev
    [[ -c null.dev ]] && ok "char device output is still a char device" || bad "device node replaced"
else
    # not root: no device node can be made; the FIFO cases above cover
    # in-place writing
    ok "not root: char device case covered by the FIFO cases"
fi
expect 0 "" "$cli" keygen -o key.pem
[[ $(stat -c %a key.pem) == 600 ]] && ok "key written 0600" || bad "key mode $(stat -c %a key.pem)"
expect 2 "already exists" "$cli" keygen -o key.pem
mkfifo key.fifo
expect 2 "already exists" "$cli" keygen -o key.fifo
[[ -p key.fifo ]] && ok "keygen leaves a FIFO alone" || bad "keygen replaced a FIFO"

# ---- one reader: every kind of input as a FIFO, refused promptly ----
mkfifo in.fifo
FIFO="not a regular file (a FIFO)"
cp -r "$src/examples/cotton" data
rm data/suppliers.csv && mkfifo data/suppliers.csv
expect 2 "$FIFO" "$cli" check data --rules "$src/examples/starter-pack"
rm -rf data && cp -r "$src/examples/cotton" data
rm data/audits/AUD-2026-0101.xml && mkfifo data/audits/AUD-2026-0101.xml
expect 2 "$FIFO" "$cli" check data --rules "$src/examples/starter-pack"
rm -rf data && cp -r "$src/examples/cotton" data
expect 2 "$FIFO" "$cli" check data --rules in.fifo
expect 2 "$FIFO" "$cli" check data --rules "$src/examples/starter-pack" --lists in.fifo
expect 2 "$FIFO" "$cli" check data --rules "$src/examples/starter-pack" --waivers in.fifo
expect 2 "$FIFO" "$cli" check 'host=/nonexistent dbname=x' --mapping in.fifo --rules "$src/examples/starter-pack"
expect 2 "$FIFO" "$cli" jsonlogic in.fifo
expect 2 "$FIFO" "$cli" json canon in.fifo
expect 2 "$FIFO" "$cli" refresh --config in.fifo --cache cache
expect 2 "$FIFO" "$cli" verify in.fifo --trust in.fifo
expect 2 "$FIFO" "$cli" certify data --as-of 2026-12-01 --rules "$src/rules" --lists "$src/rules/data" \
    --issuer did:web:x.example --issuer-name X --product SKU-TEE-CREW-001 --key in.fifo -o c.jwt
echo 'x' >tok.jwt
expect 2 "$FIFO" "$cli" verify tok.jwt --trust in.fifo
python3 -c 'import json; json.dump({"did:web:x.example": []}, open("trust.json", "w"))'
expect 2 "$FIFO" "$cli" verify tok.jwt --trust trust.json --status-list in.fifo
# evidence: a document's file named as a FIFO is not waited for
rm data/evidence/AUD-2026-0101.txt && mkfifo data/evidence/AUD-2026-0101.txt
expect 0 "" "$cli" check data --rules "$src/examples/starter-pack" --fail-on never --evidence data/evidence
rm -rf data && cp -r "$src/examples/cotton" data

# ---- input cap and NUL bytes ----
cap=$((64 << 20))
python3 -c "open('cap.json','w').write(' ' * ($cap - 1) + '1')"
expect 0 "" "$cli" jsonlogic cap.json
python3 -c "open('over.json','w').write(' ' * $cap + '1')"
expect 2 "limit" "$cli" jsonlogic over.json
expect 2 "64 MiB" bash -c "'$cli' jsonlogic - <over.json"
printf '{"+":[1,2]}\0junk' >nul.json
expect 2 "NUL byte at byte offset 11" "$cli" jsonlogic nul.json
expect 2 "NUL byte at byte offset 11" bash -c "'$cli' jsonlogic - <nul.json"
printf 'eyJhbGciOiJFZERTQSJ9.e30.AA\0junk\n' >nul.jwt
expect 2 "nul.jwt: NUL byte at byte offset 27" "$cli" verify nul.jwt --trust trust.json
printf 'id,name\nL-1,x\0y\n' >data/nul.csv
expect 2 "NUL byte" "$cli" check data --rules "$src/examples/starter-pack" --lists data/nul.csv

# ---- terminal text: escapes and bidi overrides neutralised ----
python3 - <<'EOF'
import csv
rows = list(csv.reader(open("data/suppliers.csv", newline="")))
for r in rows:  # the facility of audit AUD-2026-0202, named in findings
    if r[1] == "Example Yarn Spinning Co., Ltd.":
        r[1] = "Evil \x1b[31mRED\x1b[0m \u202eTXT.EXE Co"
csv.writer(open("data/suppliers.csv", "w", newline="")).writerows(rows)
EOF
expect 0 "" "$cli" check data --rules "$src/examples/starter-pack" --fail-on never
if grep -qP '\x1b|\xe2\x80\xae' out err; then bad "raw ESC or U+202E in text output"; else ok "no raw ESC or U+202E in text output"; fi
grep -qF 'Evil \x1b[31mRED\x1b[0m \u202eTXT.EXE' out && ok "supplier name shown escaped" || bad "escaped name not shown"
sed -i '3s/,IN,/,\x1b]0;pwn\x07\xe2\x80\xae,/' data/suppliers.csv
expect 2 "country: expected" "$cli" check data --rules "$src/examples/starter-pack"
if grep -qP '\x1b|\x07|\xe2\x80\xae' err; then bad "raw control in error message"; else ok "error quoting input is escaped"; fi
rm -rf data && cp -r "$src/examples/cotton" data

# ---- a text node over 10 MB: refused before libxml2, nothing printed ----
python3 - <<'EOF'
p = "data/audits/AUD-2026-0101.xml"
s = open(p).read()
s = s.replace("<auditor_name>Lead auditor (fictional)</auditor_name>",
              "<auditor_name>" + "A" * (11 << 20) + "</auditor_name>")
open(p, "w").write(s)
EOF
expect 2 "AUD-2026-0101.xml:12:" "$cli" check data --rules "$src/examples/starter-pack" --format json
[[ $(wc -l <err) == 1 ]] && grep -q '^labaudit: data: .*AUD-2026-0101.xml:12: more than 1048576 bytes of text in one element' err &&
    ok "only labaudit's own one-line error on stderr" || bad "stderr: $(head -c 300 err)"
rm -rf data && cp -r "$src/examples/cotton" data

# ---- waivers ----
W=(check data --rules "$src/examples/starter-pack" --as-of 2026-06-01 --waivers w.csv)
waiver() { printf '%s\n' "$@" >w.csv; }
waiver "rule,subject_id,approver,justification,expires" \
    "starter.identity-documents-held,AUD-2026-0202,   ,reason,2027-01-01"
expect 2 "w.csv:2: waiver for starter.identity-documents-held on AUD-2026-0202 has no approver" "$cli" "${W[@]}"
waiver "rule,subject_id,approver,justification,expires" \
    "starter.identity-documents-held,AUD-2026-0202,Jo Approver,  ,2027-01-01"
expect 2 "w.csv:2: waiver for blocker starter.identity-documents-held on AUD-2026-0202 has no justification" "$cli" "${W[@]}"
waiver "rule,subject_id,approver,justification,expires" \
    "starter.identity-documents-held,AUD-2026-0202,Jo Approver,documents returned,2027-01-01"
expect 0 "" "$cli" "${W[@]}" --fail-on never
waiver "rule,subject_id,approver,justification,expires,colour" "a,b,c,d,2027-01-01,red"
expect 2 "w.csv:1:48: unknown column 'colour'" "$cli" "${W[@]}"
waiver "rule,subject_id,approver,justification,expires,rule" "a,b,c,d,2027-01-01,a"
expect 2 "w.csv:1:48: column 'rule' given twice" "$cli" "${W[@]}"
waiver "rule,subject_id,approver,justification,expires" "a,b,c,d,2027-01-01" "a,b,e,f,2027-02-01"
expect 2 "w.csv:3: second waiver for a on b (the first is on line 2)" "$cli" "${W[@]}"

# ---- numbers: one parser for every adapter ----
num() { # num FILE COLUMN VALUE TEXT: line 2 of FILE gets VALUE in COLUMN
    rm -rf data && cp -r "$src/examples/cotton" data
    python3 - "data/$1" "$2" "$3" <<'EOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
rows[1][rows[0].index(sys.argv[2])] = sys.argv[3]
csv.writer(open(sys.argv[1], "w", newline="")).writerows(rows)
EOF
    expect 2 "$4" "$cli" check data --rules "$src/examples/starter-pack"
}
num suppliers.csv workers 0.99999999999999999 "workers: expected a whole number"
num suppliers.csv workers 1e2 "workers: expected a whole number"
num suppliers.csv workers 220.0 "workers: expected a whole number"
num suppliers.csv workers 2147483648 "workers: expected a whole number"
num links.csv volume 1e-400 "volume: expected a number within the range of a double"
num links.csv volume 1e400 "volume: expected a number"
# the same parser serves XML audit reports
rm -rf data && cp -r "$src/examples/cotton" data
sed -i 's|<workers_total>220</workers_total>|<workers_total>0.99999999999999999</workers_total>|' data/audits/AUD-2026-0101.xml
expect 2 "AUD-2026-0101.xml:24:" "$cli" check data --rules "$src/examples/starter-pack"
rm -rf data && cp -r "$src/examples/cotton" data

echo "hostile_io: $passes passed, $fails failed"
((fails == 0))
