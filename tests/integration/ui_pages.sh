# labels: ui
# ui_pages.sh - the pages people look at, opened in a real browser:
# headless Chromium (Debian's `chromium`, no sandbox, no GPU, no
# background networking) loads each page from a file:// URL, and the DOM
# it dumps must hold what the page promises.  The cotton report:
# a drawing per product with a box per facility named, coloured and
# labelled by its worst finding and linked to its rows, columns named
# maker and tier N with the certificate's tiers, no edge through a box
# (ui_drawing.py), the findings rows, the products' verdicts.  The
# certificate page: the result, claim, facilities and a QR code.  Hostile
# names (a supplier called <script>...<img onerror>, an id with quotes)
# must come out as text: no script or img element from data.  A page of
# 2,000 facilities (bench/gen) draws each product as an overview (groups
# that add up to the chain), and is timed, the figure printed, never
# asserted.  The evidence dossier's page is printed to PDF (one page or
# more per section).  A screenshot of each page is taken; with LAB_UI_SCREENSHOTS
# set to a folder they are kept there (examples/cotton/*.png come so).
set -euo pipefail

cli=${LAB_CLI:?LAB_CLI is not set}
src=${LAB_SOURCE_DIR:?LAB_SOURCE_DIR is not set}
browser=$(command -v chromium || command -v chromium-browser || true)
if [[ -z $browser ]]; then
    echo "FAIL chromium is not installed (.ci/setup installs it)" >&2
    exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

. "$src/tests/integration/lib.bash"

# chrome ARGS... runs headless Chromium with a throwaway profile; its
# chatter on stderr (D-Bus, GPU) goes to a log.
chrome() {
    timeout 120 "$browser" --headless --no-sandbox --disable-gpu \
        --disable-background-networking --disable-component-update \
        --disable-sync --no-first-run --disable-quic \
        --user-data-dir="$(mktemp -d -p "$tmp")" "$@" 2>>"$tmp/chrome.log"
}
abs() { [[ $1 == /* ]] && echo "$1" || echo "$tmp/$1"; }
dom() { chrome --dump-dom "file://$(abs "$1")"; }
# count FILE PATTERN: occurrences of an extended regex in FILE.
count() { { grep -oE -- "$2" "$1" || true; } | wc -l; }
# shot PAGE PNG [WIDTH,HEIGHT]: a screenshot of PAGE.
shot() {
    chrome --screenshot="$2" --window-size="${3:-1400,1000}" "file://$1" >/dev/null
    if [[ -s $2 && $(head -c 8 "$2" | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]]; then
        ok "screenshot $(basename "$2")"
    else
        bad "no screenshot of $1"
    fi
    if [[ -n ${LAB_UI_SCREENSHOTS:-} ]]; then
        cp "$2" "$LAB_UI_SCREENSHOTS/"
    fi
}
# has FILE TEXT WHAT: the DOM dump in FILE contains TEXT.
has() {
    if grep -qF -- "$2" "$1"; then ok "$3"; else bad "$3: no '$2' in the DOM"; fi
}
hasnt() {
    if grep -qiE -- "$2" "$1"; then bad "$3: '$2' in the DOM"; else ok "$3"; fi
}

CHECK=(check --rules "$src/rules" --lists "$src/rules/data" --as-of 2026-09-01 -q)

# ---- the cotton report ----
st=0
"$cli" "${CHECK[@]}" "$src/examples/cotton" --format html -o report.html || st=$?
[[ $st -eq 1 ]] && ok "check --format html exits 1 (blockers)" || bad "check exit $st"
dom report.html >report.dom
has report.dom '<svg' "the chain is an svg element"
has report.dom 'id="chain-svg"' "every chain together has its drawing"
for name in "Example Cotton Growers Cooperative Society" "Example Oasis Cotton" \
    "Example Shirts Manufacturing"; do
    has report.dom "<title>$name" "a node for $name"
done
sections=$(count report.dom '<section class="product-chain"')
[[ $sections -eq 5 ]] && ok "a drawing section per product ($sections)" || bad "$sections product sections"
ids=$(count report.dom '<g class="n s[0-9n][ w]*" id="n-')
[[ $ids -ge 13 ]] && ok "$ids facilities drawn, each box id once" || bad "$ids facility ids"
has report.dom 'class="n s3' "a facility coloured blocker"
has report.dom 'class="n sn' "a facility with no finding"
has report.dom '<tspan class="k">✕ blocker</tspan>' "a blocker box says so in sign and word"
has report.dom '<tspan class="k">✓ none</tspan>' "a clean box says so in sign and word"
has report.dom '>maker</text>' "the maker's column is named so"
has report.dom '>tier 1</text>' "tier 1 is named"
has report.dom '>farm 1</text>' "a column names its roles with their counts"
has report.dom '<a href="#f-' "nodes link to their findings"
rows=$(count report.dom '<tr id="f-[0-9]+" class="finding')
[[ $rows -ge 40 ]] && ok "$rows finding rows" || bad "$rows finding rows"
has report.dom 'origin.supplier-in-xinjiang' "the Xinjiang blocker is listed"
has report.dom 'BLOCKED' "a product is blocked"
has report.dom 'SKU-TEE-CREW-001' "the clean product is listed"
has report.dom "default-src 'none'" "the page carries its CSP"
hasnt report.dom '<script' "no script element"
shot "$tmp/report.html" "$tmp/report.png"

# ---- JUnit XML is well formed ----
st=0
"$cli" "${CHECK[@]}" "$src/examples/cotton" --format junit -o report.xml || st=$?
if xmllint --noout report.xml 2>/dev/null && grep -q '<testsuites' report.xml; then
    ok "junit output is well-formed XML"
else
    bad "junit output"
fi

# ---- hostile names ----
cp -r "$src/examples/cotton" hostile
python3 - <<'EOF'
import csv
def add(path, edit):
    rows = list(csv.reader(open(path)))
    row = rows[1][:]
    edit(rows[0], row)
    rows.append(row)
    csv.writer(open(path, "w", newline="")).writerows(rows)
def sup(h, r):
    r[h.index("id")] = "F-\"Q'<b>x"
    r[h.index("name")] = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    r[h.index("os_id")] = ""
def link(h, r):
    r[h.index("id")] = "hostile\"><svg onload=alert(3)>"
    r[h.index("supplier_id")] = "F-\"Q'<b>x"
    r[h.index("buyer_id")] = "G-CN-001"
add("hostile/suppliers.csv", sup)
add("hostile/links.csv", link)
EOF
"$cli" "${CHECK[@]}" hostile --format html -o hostile.html || true
dom hostile.html >hostile.dom
hasnt hostile.dom '<script' "no script element from data"
hasnt hostile.dom '<img' "no img element from data"
hasnt hostile.dom '<[a-z][^>]* on(error|load)=' "no event handler attribute from data"
has hostile.dom '&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;' \
    "the hostile name is shown as text"
has hostile.dom 'F-"Q' "the quoted id is shown as text"
"$cli" "${CHECK[@]}" hostile --format junit -o hostile.xml || true
xmllint --noout hostile.xml 2>/dev/null && ok "junit with hostile names is well-formed" ||
    bad "junit with hostile names"

# ---- the certificate page ----
"$cli" keygen --issuer did:web:brand.example -o issuer.pem >/dev/null
"$cli" certify "$src/examples/cotton" --as-of 2026-12-01 --rules "$src/rules" --lists "$src/rules/data" \
    --as-of 2026-09-01 --product SKU-TEE-CREW-001 --issuer did:web:brand.example \
    --issuer-name "Example Brand" --key issuer.pem -o cert.jwt -q
"$cli" show cert.jwt --trust issuer.pem.trust.json --format html \
    --url https://brand.example/certificates/tee-2026-08 -o certificate.html
dom certificate.html >certificate.dom
has certificate.dom 'Verified' "the certificate verifies"
has certificate.dom 'Made without forced or child labour' "the claim is shown"
has certificate.dom 'Example Ginning and Pressing Pvt Ltd' "a facility of the scope"
has certificate.dom 'labaudit.origin' "a rule pack of the scope"
if grep -q 'id="qr"' certificate.dom; then
    has certificate.dom 'https://brand.example/certificates/tee-2026-08' "the QR note names the URL"
    has certificate.dom '<path fill="#000" d="M' "the QR modules are drawn"
else
    has certificate.dom 'built without libqrencode' "no QR code, and the page says why"
fi
hasnt certificate.dom '<script' "no script element on the certificate page"
# the report's drawings: geometry, overview sums, the certificate's tiers
if python3 "$src/tests/integration/ui_drawing.py" report.dom --all 1 --cert cert.jwt \
    --product SKU-TEE-CREW-001 >drawing.log; then
    ok "the cotton drawings: $(grep -c '^ok' drawing.log) geometry and tier checks"
else
    bad "the cotton drawings: $(grep FAIL drawing.log | head -3)"
fi
has certificate.dom 'Self-declared by Example Brand' "the page says the claim is self-declared"
has certificate.dom 'Checked on 20' "the page shows when it was checked"
hasnt certificate.dom 'labaudit verify' "no command line on the certificate page"
hasnt certificate.dom ' --' "no command-line option on the certificate page"
st=0
"$cli" show cert.jwt --format html -o untrusted.html || st=$?
[[ $st -eq 1 ]] && ok "an unverified certificate exits 1" || bad "show exit $st"
dom untrusted.html >untrusted.dom
has untrusted.dom 'Not valid' "an unverified certificate says so"
has untrusted.dom 'class="card void"' "an unverified certificate is greyed out"
has untrusted.dom '<s>Made without forced or child labour</s>' "its claim is struck through"
shot "$tmp/certificate.html" "$tmp/certificate.png"

# ---- the evidence dossier's page, printed to PDF ----
"$cli" dossier "$src/examples/cotton" --as-of 2026-12-01 --rules "$src/rules" \
    --lists "$src/rules/data" --product SKU-TEE-CREW-001 -q -o dossier 2>/dev/null
dom dossier/index.html >dossier.dom
has dossier.dom 'Supply chain by tier' "the dossier page has the chain"
has dossier.dom 'Example Ginning and Pressing Pvt Ltd' "a facility on the dossier page"
has dossier.dom 'DOC-AUD-2026-0103' "an evidence file on the dossier page"
hasnt dossier.dom '<script' "no script element on the dossier page"
chrome --print-to-pdf="$tmp/dossier.pdf" --no-pdf-header-footer "file://$tmp/dossier/index.html" >/dev/null
pages=$(python3 -c 'import re, sys; d = open(sys.argv[1], "rb").read(); assert d.startswith(b"%PDF-"); print(len(re.findall(rb"/Type\s*/Page(?![s\w])", d)))' "$tmp/dossier.pdf" || echo 0)
# five sections, each from a new page when printed
[[ $pages -ge 5 ]] && ok "the dossier prints to a PDF of $pages pages" || bad "dossier PDF: $pages pages"
shot "$tmp/dossier/index.html" "$tmp/dossier.png"

# ---- 2,000 facilities ----
python3 "$src/bench/gen" --suppliers 2000 --seed 1 --out ds2000 >/dev/null
"$cli" "${CHECK[@]}" ds2000 --format html -o big.html || true
echo '<!DOCTYPE html><title>empty</title><p>empty' >empty.html
t0=$(date +%s.%N)
dom empty.html >/dev/null
t1=$(date +%s.%N)
dom big.html >big.dom
t2=$(date +%s.%N)
big_nodes=$(count big.dom '<g class="n s[0-9n][ w]*" id="n-')
[[ $big_nodes -ge 1000 ]] && ok "$big_nodes facilities on the big page" ||
    bad "$big_nodes facilities on the big page"
if python3 "$src/tests/integration/ui_drawing.py" big.dom --all 1 --groups 12 >big-drawing.log; then
    ok "the big page's overviews add up, no edge through a box ($(grep -c '^ok' big-drawing.log) checks)"
else
    bad "the big page's drawings: $(grep FAIL big-drawing.log | head -3)"
fi
# one product of the 2,000, for README's picture of an overview
"$cli" "${CHECK[@]}" ds2000 --product SKU-00000061 --format html -o overview.html || true
dom overview.html >overview.dom
has overview.dom '<g class="n g s' "a product of the 2,000 is drawn as an overview with groups"
shot "$tmp/overview.html" "$tmp/overview.png" 1400,1400
awk -v a="$t0" -v b="$t1" -v c="$t2" -v n="$big_nodes" -v s="$(wc -c <big.html)" 'BEGIN {
    printf "time: %d facilities drawn, page %d bytes: --dump-dom %.2f s, an empty page %.2f s, so %.2f s for the page itself\n",
        n, s, c - b, b - a, (c - b) - (b - a) }'

if ((fails > 0)); then
    echo "$fails failure(s)" >&2
    exit 1
fi
echo "all ui checks passed"
