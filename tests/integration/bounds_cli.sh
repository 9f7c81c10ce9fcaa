#!/usr/bin/env bash
# bounds_cli.sh - bounded work through the `labaudit` command: --max-steps
# stops a check of a slow condition (about 0.1 s per supplier) at once
# with exit 2 and a message naming the rule and the budget, a budget
# large enough lets a check of one supplier finish, a bad --max-steps is a usage
# error, and an audit report or a rule pack with 100 000 attributes on one
# element is refused at once naming file:line.  Each case runs under
# `timeout 20`.
# labels: integration
set -euo pipefail
cli=${LAB_CLI:?} src=${LAB_SOURCE_DIR:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
check() { # check NAME CONDITION...
    local name=$1
    shift
    if "$@"; then echo "ok   $name"; else
        echo "FAIL $name"
        fails=$((fails + 1))
    fi
}
run() { # run EXPECTED-STATUS CMD... ; output in $tmp/out, $tmp/err
    local want=$1
    shift
    set +e
    timeout 20 "$@" >"$tmp/out" 2>"$tmp/err"
    local got=$?
    set -e
    [[ $got == "$want" ]] || {
        echo "  exit $got, wanted $want: $*"
        cat "$tmp/err"
        return 1
    }
}
has() { grep -qF -- "$1" "$tmp/err"; }

mkdir -p "$tmp/data/audits"
cp "$src"/examples/cotton/*.csv "$tmp/data/"
python3 - "$tmp" <<'PY'
import sys
tmp = sys.argv[1]
arr = "[" + ",".join(str(i) for i in range(40)) + "]"
cond = "some(%s, " % arr * 4 + "it == -1))))"
open(tmp + "/slow.xml", "w").write(f"""<?xml version="1.0" encoding="UTF-8"?>
<pack xmlns="urn:labaudit:rulepack:1" id="slow" version="1.0.0">
  <title>slow</title><publisher>tests</publisher>
  <rule id="slow.nested-some" severity="minor" subject="supplier" area="origin">
    <title>Slow</title>
    <condition>{cond}</condition>
    <message>slow {{supplier.id}}</message>
    <basis cite="none">none</basis>
    <remediation>none</remediation>
    <test expect="pass"><supplier id="S1" name="A" country="IN"/></test>
  </rule>
</pack>
""")
attrs = "".join(' a%d="1"' % i for i in range(100000))
open(tmp + "/many.xml", "w").write(
    '<?xml version="1.0"?>\n<pack xmlns="urn:labaudit:rulepack:1" '
    'id="x" version="1.0.0">\n<title%s>t</title></pack>\n' % attrs)
open(tmp + "/many-report.xml", "w").write(
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<audit_report xmlns="urn:labaudit:auditreport:1" version="1">\n'
    '<id%s>A1</id></audit_report>\n' % attrs)
PY
C=("$cli" check "$tmp/data" -r "$tmp/slow.xml" --as-of 2026-11-01 -q --fail-on never -o /dev/null)

check "--max-steps stops the check" run 2 "${C[@]}" --max-steps 1000000
check "naming the rule and the budget" has "rule slow.nested-some: the check's work budget of 1000000 evaluation steps is exhausted"
check "a large enough budget lets it finish" run 0 "${C[@]}" --supplier F-IN-001 --max-steps 100000000
check "--max-steps 0 is a usage error" run 2 "${C[@]}" --max-steps 0
check "naming the option" has "--max-steps '0'"
check "--max-steps abc is a usage error" run 2 "${C[@]}" --max-steps abc
check "--max-steps past 2^64 is a usage error" run 2 "${C[@]}" --max-steps 18446744073709551616

check "rule pack: 100 000 attributes refused" run 2 "$cli" rules lint "$tmp/many.xml"
check "naming file:line" has "many.xml:3: element with more than 256 attributes"
cp "$tmp/many-report.xml" "$tmp/data/audits/"
check "audit report: 100 000 attributes refused" run 2 "$cli" check "$tmp/data" -r "$src/examples/starter-pack" -q
check "naming file:line" has "audits/many-report.xml:3: element with more than 256 attributes"

((fails == 0)) || {
    echo "$fails check(s) failed"
    exit 1
}
echo "all checks passed"
