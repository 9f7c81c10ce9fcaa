# labels: integration
# cli_options.sh - the command line as a user of git or curl expects it:
# every command listed by `labaudit --help` with one line, each command's
# --help; the GNU option forms (--opt=value, -ovalue, bundled -qv, "--"
# before a file named like an option) give the same report as the plain
# form; a flag given a value, an unknown option and a mistyped command are
# refused with the nearest known one; -v says what was loaded; the man
# page (labaudit help --man) renders with man -l and groff warns of
# nothing; the bash completion script loads and completes commands,
# subcommands and options; the zsh script parses and the fish script
# completes through fish itself; `rules test -v` shows each part of a
# failed case's condition with its value; README shows `labaudit --help`
# as it is.
set -euo pipefail

cli=${LAB_CLI:?LAB_CLI is not set}
src=${LAB_SOURCE_DIR:?LAB_SOURCE_DIR is not set}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

. "$src/tests/integration/lib.bash"

# ---- help: every command, each with its own help ----
expect 0 "commands:" "$cli" --help
commands=$("$cli" completion bash | sed -n 's/^ *words="\([a-z -]*\)"$/\1/p' | head -1)
[[ -n $commands ]] || bad "no command list in the bash completion"
n=0
for c in $commands; do
    n=$((n + 1))
    grep -Eq "^  $c +[a-z]" <<<"$LAST_OUT" || bad "--help does not list '$c'"
    out=$("$cli" "$c" --help 2>&1) || { bad "$c --help exits non-zero"; continue; }
    [[ $out == *"usage: labaudit"* ]] || bad "$c --help prints no usage"
done
((n >= 19)) && ok "--help lists all $n commands, and each has its --help" || bad "only $n commands"

# ---- GNU forms give what the plain form gives ----
cp -r "$src/examples/cotton" data
A=(--as-of 2026-12-01 --fail-on never -f json)
"$cli" check data --rules "$src/rules" --lists "$src/rules/data" "${A[@]}" -o plain.json -q 2>/dev/null
for form in eq short glued bundled dashdash; do
    case $form in
    eq) args=(check data --rules="$src/rules" --lists="$src/rules/data" --as-of=2026-12-01 --fail-on=never --format=json --output=$form.json --quiet) ;;
    short) args=(check data -r "$src/rules" -l "$src/rules/data" "${A[@]}" -o $form.json -q) ;;
    glued) args=(check data -r"$src/rules" -l"$src/rules/data" "${A[@]}" -o$form.json -q) ;;
    bundled) args=(check data -r "$src/rules" -l "$src/rules/data" --as-of 2026-12-01 --fail-on never -qfjson -o $form.json) ;;
    dashdash) cp -r data ./-data && args=(check -r "$src/rules" -l "$src/rules/data" "${A[@]}" -o $form.json -q -- -data) ;;
    esac
    if "$cli" "${args[@]}" 2>/dev/null && cmp -s plain.json $form.json; then
        ok "form '$form' gives the same report"
    else
        bad "form '$form': ${args[*]}"
    fi
done
expect 2 "option '--json' takes no value" "$cli" check data --rules "$src/rules" --json=yes
expect 2 "unknown option '--rule'; did you mean '--rules'?" "$cli" check data --rule "$src/rules"
expect 2 "unknown option '--as-off'; did you mean '--as-of'?" "$cli" check data --as-off 2026-01-01
expect 2 "unknown option '-Z' (see 'labaudit check --help')" "$cli" check data -qZ
expect 2 "unknown command 'chek'; did you mean 'check'?" "$cli" chek data
expect 2 "unknown command 'dosier'; did you mean 'dossier'?" "$cli" dosier
expect 2 "'-nothing' after '--' is not a file" "$cli" check --rules "$src/rules" -- -nothing
[[ ! -e ./-nothing ]] && ok "nothing made of it" || bad "-nothing made"

# ---- -v says what was loaded and how long it took ----
expect 0 "loaded data in" "$cli" check data -v -r "$src/rules" -l "$src/rules/data" --fail-on never -o v.txt
[[ $LAST_OUT == *"17 suppliers"* && $LAST_OUT == *"checked in"* && $LAST_OUT == *"compiled"* ]] &&
    ok "-v: records, compile and check times" || bad "-v: $LAST_OUT"

# ---- rules test -v says why a case failed ----
cat >failing.xml <<'EOF'
<?xml version="1.0"?>
<pack xmlns="urn:labaudit:rulepack:1" id="t.x" version="1.0.0"><title>t</title><publisher>p</publisher>
<rule id="t.fees" severity="major" subject="audit" area="recruitment-debt"><title>t</title>
<condition>audit.recruitment_fees_paid_by_workers &gt; 0 and audit.workers_total &gt; 100</condition>
<message>m</message><basis cite="c">b</basis><remediation>r</remediation>
<test expect="fire" name="fees at a small site"><supplier id="S" name="n" country="IN"/><audit id="A" supplier_id="S" start_date="2026-01-01" recruitment_fees_paid_by_workers="3" workers_total="50"/></test>
<test expect="pass"><supplier id="S" name="n" country="IN"/><audit id="A" supplier_id="S" start_date="2026-01-01" recruitment_fees_paid_by_workers="0" workers_total="500"/></test>
</rule></pack>
EOF
expect 1 "FAIL t.fees" "$cli" rules test failing.xml -v
[[ $LAST_OUT == *"audit.workers_total > 100  =  false"* && $LAST_OUT == *"audit.workers_total  =  50"* &&
    $LAST_OUT == *"audit.recruitment_fees_paid_by_workers  =  3"* ]] &&
    ok "rules test -v: each part of the condition and its value" || bad "rules test -v: $LAST_OUT"
expect 1 "FAIL t.fees" "$cli" rules test failing.xml
[[ $LAST_OUT != *"why"* ]] && ok "without -v, no explanation" || bad "explained without -v"

expect 0 "supplier (suppliers.csv)" "$cli" rules fields
expect 2 "rules fields --format 'yaml': expected text or json" "$cli" rules fields --format yaml
# every command that prints text or JSON refuses another format the same way
expect 2 "ledger --format 'yaml': expected text or json" "$cli" ledger show --db dbname=none --format yaml
expect 2 "refresh --format 'yaml': expected text or json" "$cli" refresh --format yaml
expect 2 "facility --format 'yaml': expected text or json" "$cli" facility X --format=yaml
expect 2 "lists diff --format 'yaml': expected text or json" "$cli" lists diff a b -f yaml

# ---- the man page ----
"$cli" help --man >labaudit.1
warn=$(groff -ww -man -z labaudit.1 2>&1) && [[ -z $warn ]] && ok "groff -ww: no warnings" || bad "groff: $warn"
page=$(MANWIDTH=80 man -l labaudit.1 2>&1)
for want in NAME SYNOPSIS COMMANDS "EXIT STATUS" ENVIRONMENT "dossier verify DIR" "--fail-on SEV"; do
    [[ $page == *"$want"* ]] && ok "man page has '$want'" || bad "man page lacks '$want'"
done
if [[ -n ${LAB_MAN_PAGE:-} ]]; then
    cmp -s labaudit.1 "$LAB_MAN_PAGE" && ok "the built labaudit.1 is the command's own" ||
        bad "$LAB_MAN_PAGE differs from labaudit help --man"
fi

# ---- completion ----
"$cli" completion bash >labaudit.bash
got=$(bash -c '
    source ./labaudit.bash
    c() { COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=(); _labaudit; echo "${COMPREPLY[*]}"; }
    echo "1:$(c labaudit che)"
    echo "2:$(c labaudit check --ru)"
    echo "3:$(c labaudit dossier ve)"
    echo "4:$(c labaudit rules l)"
    echo "5:$(c labaudit certify --label)"
    complete -p labaudit')
[[ $got == *"1:check"* ]] && ok "bash: command" || bad "bash command: $got"
[[ $got == *"2:--rules"* ]] && ok "bash: option" || bad "bash option: $got"
[[ $got == *"3:verify"* ]] && ok "bash: subcommand" || bad "bash subcommand: $got"
[[ $got == *"4:lint"* ]] && ok "bash: rules subcommand" || bad "bash rules: $got"
[[ $got == *"5:--label-eu"* ]] && ok "bash: certify's options" || bad "bash certify: $got"
[[ $got == *"complete -o filenames -F _labaudit labaudit"* ]] && ok "bash: registered" || bad "bash: $got"

"$cli" completion zsh >_labaudit
zsh -n _labaudit && ok "zsh: the script parses" || bad "zsh -n failed"
zsh -fc 'autoload -Uz compinit && compinit -u -d ./zcd; source ./_labaudit; (( $+functions[_labaudit] ))' &&
    ok "zsh: _labaudit defined after compinit" || bad "zsh: _labaudit not defined"

"$cli" completion fish >labaudit.fish
fish -n labaudit.fish && ok "fish: the script parses" || bad "fish -n failed"
got=$(fish -c 'source ./labaudit.fish; complete -C "labaudit dos"; complete -C "labaudit check --fai"; complete -C "labaudit check -"' 2>&1)
[[ $got == *"dossier"* ]] && ok "fish: command" || bad "fish command: $got"
[[ $got == *"--fail-on"* ]] && ok "fish: option" || bad "fish option: $got"
expect 2 "expected bash, zsh or fish" "$cli" completion tcsh

# ---- progress: every step on a terminal, nothing otherwise ----
# script(1) gives the command a terminal; the report goes to a file.
run_tty() { script -qec "$1" /dev/null </dev/null | tr '\r' '\n'; }
q() { printf '%q ' "$@"; }
base=$(q "$cli" check data --rules "$src/rules" --lists "$src/rules/data" --fail-on never --as-of 2026-12-01)
got=$(run_tty "$base -o tty.txt")
for step in "loading: " "checking: " "writing: "; do
    [[ $got == *"$step"* ]] && ok "a terminal sees '$step'" || bad "no '$step' on a terminal: $got"
done
grep -Eq 'loading: [0-9.]+ MB of [0-9.]+ MB \(100%\)' <<<"$got" &&
    ok "loading ends at 100% of the folder's bytes" || bad "loading: $got"
grep -Eq 'checking: ([0-9]+) of \1 records \(100%\)' <<<"$got" &&
    ok "checking ends with every record" || bad "checking: $got"
cmp -s tty.txt <("$cli" check data --rules "$src/rules" --lists "$src/rules/data" --fail-on never --as-of 2026-12-01 2>/dev/null) &&
    ok "the report written with progress is the piped one" || bad "tty.txt differs"
got=$(run_tty "$base -q -o tty.txt")
[[ $got != *"loading"* && $got != *"checking"* && $got != *"writing"* ]] &&
    ok "-q: no progress" || bad "-q still shows progress: $got"
"$cli" check data --rules "$src/rules" --lists "$src/rules/data" --fail-on never -o pipe.txt 2>stderr.txt
! grep -Eq 'loading|checking|writing' stderr.txt && ok "stderr not a terminal: no progress" || bad "progress in a pipe: $(cat stderr.txt)"
got=$(run_tty "$base")
[[ $got != *"writing: "* && $got == *"products (worst first)"* ]] &&
    ok "a report on the terminal is not interrupted by 'writing'" || bad "writing over the report: ${got:0:300}"

# ---- README shows the help and every synopsis as they are ----
"$cli" help --usage >usage.txt
grep -q '^labaudit ledger show' usage.txt && grep -q '^labaudit check DATA' usage.txt &&
    ok "help --usage gives every command's synopsis" || bad "help --usage: $(cat usage.txt)"
python3 - "$src/README.md" usage.txt <<'EOF' && ok "README has labaudit help --usage verbatim" || bad "README's usage section is out of date (paste labaudit help --usage)"
import sys
readme, usage = open(sys.argv[1]).read(), open(sys.argv[2]).read()
sys.exit(0 if "```\n" + usage + "```\n" in readme else 1)
EOF
"$cli" --help >help.txt
python3 - "$src/README.md" help.txt <<'EOF' && ok "README has labaudit --help verbatim" || bad "README's labaudit --help is out of date"
import sys
readme, help_text = open(sys.argv[1]).read(), open(sys.argv[2]).read()
sys.exit(0 if help_text in readme else 1)
EOF

finish cli_options
