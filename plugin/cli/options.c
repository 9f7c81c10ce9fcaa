/*
 * options.c - the one option parser of `labaudit`, and what is generated
 * from the same help texts: the command list of `labaudit --help`, the
 * manual page (`labaudit help --man`) and the shell completions
 * (`labaudit completion bash|zsh|fish`).  A command's options are those
 * its help texts name (commands.c); an option takes a value when a help
 * text writes one after it (`--rules PATH`, `-o FILE`, `--redact
 * personal|none`).  cli_normalize() turns the GNU forms into the one form
 * the commands read (`--opt=value` and `-ovalue` into `--opt value`, `-qv`
 * into `-q -v`), stops at `--`, takes the global -q and -v, and refuses an
 * unknown option or command with the nearest known one ("did you mean").
 */
#include "cli.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int cli_quiet, cli_verbose;

enum { MAX_OPTS = 192, NAME_MAX_LEN = 40 };

typedef struct cli_opt {
    char name[NAME_MAX_LEN]; /* "--rules", or "-r" for a short alone */
    char shortopt;           /* 'r' for "-r, --rules", or 0 */
    int arg;                 /* takes a value */
    int global;              /* -h, -q, -v that the help does not name */
} cli_opt;

static int is_name_char(char c)
{
    return isalnum((unsigned char)c) || c == '-';
}

/* Does the token after an option name read as its value: PATH, N, or
 * alternatives such as text|json? */
static int is_value_token(const char *s)
{
    if (*s == '\0' || *s == ' ' || *s == '-' || *s == '[' || *s == '\n')
        return 0;
    if (isupper((unsigned char)*s))
        return 1;
    for (; *s && *s != ' ' && *s != '\n' && *s != ']' && *s != ')'; s++)
        if (*s == '|')
            return 1;
    return 0;
}

static cli_opt *opt_add(cli_opt *o, size_t *n, const char *name, size_t len)
{
    for (size_t i = 0; i < *n; i++)
        if (strlen(o[i].name) == len && strncmp(o[i].name, name, len) == 0)
            return &o[i];
    if (*n == MAX_OPTS || len >= NAME_MAX_LEN)
        return NULL;
    memset(&o[*n], 0, sizeof o[*n]);
    memcpy(o[*n].name, name, len);
    return &o[(*n)++];
}

/* The options a command's help texts name, with -h/--help, -q/--quiet and
 * -v/--verbose, which every command takes. */
static size_t options_of(const cli_command *c, cli_opt *o)
{
    size_t n = 0;
    static const char globals[] = "  -h, --help\n  -q, --quiet\n"
                                  "  -v, --verbose\n";
    size_t nh = 0;
    while (c->help[nh] != NULL)
        nh++;
    for (size_t k = 0; k <= nh; k++) {
        const char *s = k < nh ? c->help[k] : globals;
        int global = k == nh;
        for (const char *p = s; *p; p++) {
            if (*p != '-' || (p > s && strchr(" [(|,\n", p[-1]) == NULL))
                continue;
            int dbl = p[1] == '-';
            const char *q = p + 1 + dbl;
            if (!isalpha((unsigned char)*q))
                continue;
            const char *e = q;
            while (is_name_char(*e) && (dbl || e == q))
                e++;
            if (!dbl && is_name_char(*e))
                continue; /* "-abc" in prose */
            while (e > q && e[-1] == '-')
                e--;
            size_t before = n;
            cli_opt *op = opt_add(o, &n, p, (size_t)(e - p));
            if (op == NULL) { /* a help text the table cannot hold */
                fprintf(stderr,
                        "labaudit: internal error: the help of '%s' names "
                        "more than %d options or one longer than %d\n",
                        c->name, MAX_OPTS, NAME_MAX_LEN - 1);
                exit(EXIT_USAGE);
            }
            if (n > before)
                op->global = global;
            if (*e == '=' || (*e == ' ' && is_value_token(e + 1)))
                op->arg = 1;
            /* "-r, --rules PATH": the short names the long */
            if (!dbl && e[0] == ',' && e[1] == ' ' && e[2] == '-' &&
                e[3] == '-') {
                const char *l = e + 2, *le = l + 2;
                while (is_name_char(*le))
                    le++;
                before = n;
                cli_opt *lo = opt_add(o, &n, l, (size_t)(le - l));
                if (lo != NULL) {
                    if (n > before)
                        lo->global = global;
                    lo->shortopt = p[1];
                    if (*le == ' ' && is_value_token(le + 1))
                        lo->arg = op->arg = 1;
                }
            }
        }
    }
    /* a short option paired with a long one takes a value with it */
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; o[i].shortopt && j < n; j++)
            if (o[j].name[1] == o[i].shortopt && o[j].name[2] == '\0' &&
                (o[i].arg || o[j].arg))
                o[i].arg = o[j].arg = 1;
    return n;
}

/* ---- suggestions ---- */

/* Edit distance (insertions, deletions, substitutions, transpositions)
 * of two short words, capped at 9. */
static size_t distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 48 || lb > 48)
        return 9;
    size_t d[50][50];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] != b[j - 1];
            size_t v = d[i - 1][j - 1] + cost;
            if (d[i - 1][j] + 1 < v)
                v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
                a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    return d[la][lb] > 9 ? 9 : d[la][lb];
}

/* The candidate nearest to word, if near enough to be a slip (at most a
 * third of its length, and 2), or one the word begins; else NULL.  A
 * short option (-x) gets no suggestion. */
static const char *nearest(const char *word, const char *const *cand, size_t n)
{
    const char *best = NULL;
    size_t bd = 9, lw = strlen(word);
    if (lw <= 2)
        return NULL; /* -x: any other letter is as near */
    for (size_t i = 0; i < n; i++) {
        size_t d = distance(word, cand[i]);
        if (d < bd)
            bd = d, best = cand[i];
    }
    size_t limit = lw / 3 < 2 ? lw / 3 : 2;
    if (best != NULL && bd <= (limit ? limit : 1))
        return best;
    for (size_t i = 0; lw > 3 && i < n; i++)
        if (strncmp(cand[i], word, lw) == 0)
            return cand[i];
    return NULL;
}

const cli_command *cli_find_command(const char *name)
{
    for (size_t i = 0; i < cli_ncommands; i++)
        if (strcmp(cli_commands[i].name, name) == 0)
            return &cli_commands[i];
    return NULL;
}

int cli_unknown_command(const char *name)
{
    const char *names[64];
    size_t n = 0;
    for (size_t i = 0; i < cli_ncommands && n < 64; i++)
        names[n++] = cli_commands[i].name;
    const char *s = nearest(name, names, n);
    if (s != NULL)
        return usage_error("unknown command '%s'; did you mean '%s'?", name, s);
    return usage_error("unknown command '%s'", name);
}

/* ---- normalising the arguments ---- */

static const cli_opt *find_opt(const cli_opt *o, size_t n, const char *name,
                               size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(o[i].name) == len && strncmp(o[i].name, name, len) == 0)
            return &o[i];
    return NULL;
}

static const cli_opt *find_short(const cli_opt *o, size_t n, char c)
{
    for (size_t i = 0; i < n; i++)
        if ((o[i].name[1] == c && o[i].name[2] == '\0') || o[i].shortopt == c)
            return &o[i];
    return NULL;
}

static int unknown_option(const cli_command *c, const cli_opt *o, size_t n,
                          const char *arg, size_t len)
{
    char word[64];
    snprintf(word, sizeof word, "%.*s", (int)(len < 60 ? len : 60), arg);
    const char *names[MAX_OPTS];
    for (size_t i = 0; i < n; i++)
        names[i] = o[i].name;
    const char *s = nearest(word, names, n);
    if (s != NULL)
        return usage_error("%s: unknown option '%s'; did you mean '%s'?",
                           c->name, word, s);
    return usage_error("%s: unknown option '%s' (see 'labaudit %s --help')",
                       c->name, word, c->name);
}

/* Appends one argument (borrowed, or copied when `copy`).  Copies are
 * kept in their own list: a command may reorder its argv. */
static int push(cli_args *a, const char *s, size_t len, int copy)
{
    if ((size_t)a->argc + 2 > a->cap || a->nowned + 1 > a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 16;
        char **v = realloc(a->argv, cap * sizeof *v);
        if (v != NULL)
            a->argv = v;
        char **w = v ? realloc(a->owned, cap * sizeof *w) : NULL;
        if (w == NULL)
            return usage_error("out of memory");
        a->owned = w;
        a->cap = cap;
    }
    char *v = (char *)s;
    if (copy) {
        v = malloc(len + 1);
        if (v == NULL)
            return usage_error("out of memory");
        memcpy(v, s, len);
        v[len] = '\0';
        a->owned[a->nowned++] = v;
    }
    a->argv[a->argc++] = v;
    a->argv[a->argc] = NULL;
    return 0;
}

void cli_args_free(cli_args *a)
{
    for (size_t i = 0; i < a->nowned; i++)
        free(a->owned[i]);
    free(a->argv);
    free(a->owned);
    memset(a, 0, sizeof *a);
}

/* Passes an option on to the command; -q and -v also set the global
 * flags, and are not passed to a command whose help does not name them. */
static int push_opt(cli_args *a, const cli_opt *op, const char *name)
{
    int qv = 1;
    if (strcmp(name, "--quiet") == 0 || strcmp(name, "-q") == 0)
        cli_quiet = 1;
    else if (strcmp(name, "--verbose") == 0 || strcmp(name, "-v") == 0)
        cli_verbose = 1;
    else
        qv = 0;
    if (qv && op->global)
        return 0;
    return push(a, name, strlen(name), 1);
}

/* After "--", an argument that starts with '-' is a file (the only
 * positional arguments labaudit takes that could): passed on as ./ARG so
 * that no command reads it as an option. */
static int push_positional(cli_args *a, const char *s)
{
    if (s[0] != '-' || s[1] == '\0')
        return push(a, s, strlen(s), 0);
    struct stat st;
    if (stat(s, &st) != 0)
        return usage_error("'%s' after '--' is not a file or folder "
                           "(labaudit's other arguments do not start with "
                           "'-')",
                           s);
    size_t n = strlen(s);
    char *p = malloc(n + 3);
    if (p == NULL)
        return usage_error("out of memory");
    memcpy(p, "./", 2);
    memcpy(p + 2, s, n + 1);
    int rc = push(a, p, n + 2, 1);
    free(p);
    return rc;
}

int cli_normalize(const cli_command *c, int argc, char **argv, cli_args *out)
{
    cli_opt o[MAX_OPTS];
    size_t n = options_of(c, o);
    memset(out, 0, sizeof *out);
    int rc = 0;
    for (int i = 0; i < argc && rc == 0; i++) {
        const char *s = argv[i];
        if (strcmp(s, "--") == 0) {
            for (i++; i < argc && rc == 0; i++)
                rc = push_positional(out, argv[i]);
            break;
        }
        if (s[0] != '-' || s[1] == '\0' || isdigit((unsigned char)s[1])) {
            rc = push(out, s, strlen(s), 0); /* positional, "-" or -1 */
            continue;
        }
        if (s[1] == '-') { /* --opt, --opt=value */
            const char *eq = strchr(s, '=');
            size_t len = eq ? (size_t)(eq - s) : strlen(s);
            const cli_opt *op = find_opt(o, n, s, len);
            if (op == NULL)
                rc = unknown_option(c, o, n, s, len);
            else if (eq != NULL && !op->arg)
                rc = usage_error("%s: option '%s' takes no value", c->name,
                                 op->name);
            if (rc != 0)
                break;
            rc = push_opt(out, op, op->name);
            if (rc == 0 && eq != NULL)
                rc = push(out, eq + 1, strlen(eq + 1), 0);
            else if (rc == 0 && op->arg && i + 1 < argc) {
                i++;
                rc = push(out, argv[i], strlen(argv[i]), 0);
            }
            continue;
        }
        for (const char *p = s + 1; *p && rc == 0; p++) { /* -x -xV -qv */
            char one[3] = {'-', *p, '\0'};
            const cli_opt *op = find_short(o, n, *p);
            if (op == NULL) {
                rc = unknown_option(c, o, n, one, 2);
                break;
            }
            const cli_opt *sh = find_opt(o, n, one, 2);
            rc = push_opt(out, sh != NULL ? sh : op, one);
            if (rc == 0 && op->arg) {
                if (p[1] != '\0')
                    rc = push(out, p + 1, strlen(p + 1), 0);
                else if (i + 1 < argc) {
                    i++;
                    rc = push(out, argv[i], strlen(argv[i]), 0);
                }
                break;
            }
        }
    }
    if (rc != 0)
        cli_args_free(out);
    return rc;
}

/* ---- the library's words in the command's ---- */

const cli_command *cli_current;

void cli_translate(char *out, size_t n, const char *msg)
{
    cli_opt o[MAX_OPTS];
    size_t no = cli_current ? options_of(cli_current, o) : 0;
    size_t k = 0;
    for (const char *p = msg; *p && k + 1 < n;) {
        /* an API field name (lower case with an underscore) that names an
         * option of this command becomes the option: body_name is
         * --body-name */
        const char *e = p;
        int under = 0;
        if ((p == msg || !(isalnum((unsigned char)p[-1]) || p[-1] == '_' ||
                           p[-1] == '-')) &&
            islower((unsigned char)*p)) {
            while (islower((unsigned char)*e) || isdigit((unsigned char)*e) ||
                   *e == '_')
                under |= *e++ == '_';
        }
        char flag[NAME_MAX_LEN];
        size_t len = (size_t)(e - p);
        if (under && len + 3 < sizeof flag && !isalnum((unsigned char)*e)) {
            flag[0] = flag[1] = '-';
            for (size_t i = 0; i < len; i++)
                flag[2 + i] = p[i] == '_' ? '-' : p[i];
            flag[len + 2] = '\0';
            if (find_opt(o, no, flag, len + 2) != NULL && k + len + 2 < n) {
                memcpy(out + k, flag, len + 2);
                k += len + 2;
                p = e;
                continue;
            }
        }
        if (e == p)
            e = p + 1;
        while (p < e && k + 1 < n)
            out[k++] = *p++;
    }
    out[k] = '\0';
}

/* ---- the command list ---- */

void cli_print_commands(FILE *f)
{
    for (size_t i = 0; i < cli_ncommands; i++)
        fprintf(f, "  %-12s %s\n", cli_commands[i].name,
                cli_commands[i].summary);
}

/* ---- help, and the manual page ---- */

const char help_help[] =
    "usage: labaudit help [COMMAND]\n"
    "       labaudit help --man\n"
    "       labaudit help --usage\n"
    "\n"
    "Prints the help of COMMAND (the same as 'labaudit COMMAND --help'),\n"
    "with --man the manual page labaudit(1) in roff, made from the\n"
    "same help texts (labaudit help --man | man /dev/stdin), and with\n"
    "--usage the synopsis of every command (README's usage section).\n";

/* The "usage:" block of every help text, one after the other, without
 * the word "usage:" (continuation lines lose its indent). */
static int print_usage_all(FILE *f)
{
    const char *shown[64]; /* help texts two commands share come once */
    size_t nshown = 0;
    for (size_t i = 0; i < cli_ncommands; i++) {
        const cli_command *c = &cli_commands[i];
        for (size_t h = 0; c->help[h] != NULL; h++) {
            const char *p = c->help[h];
            size_t k = 0;
            while (k < nshown && shown[k] != p)
                k++;
            if (k < nshown || strncmp(p, "usage: ", 7) != 0)
                continue;
            if (nshown < sizeof shown / sizeof shown[0])
                shown[nshown++] = p;
            for (int first = 1; *p != '\0' && *p != '\n'; first = 0) {
                const char *nl = strchr(p, '\n');
                size_t n = nl ? (size_t)(nl - p) : strlen(p);
                size_t skip = first ? 7 : strspn(p, " ") >= 7 ? 7 : 0;
                fprintf(f, "%.*s\n", (int)(n - skip), p + skip);
                p += n + (nl != NULL);
            }
        }
    }
    return fflush(f) == 0 ? 0 : EXIT_USAGE;
}

/* Roff for a preformatted block: backslashes doubled, a leading '.' or
 * '\'' made literal. */
static void roff_block(FILE *f, const char *text)
{
    fputs(".PP\n.nf\n", f);
    int bol = 1;
    for (const char *p = text; *p; p++) {
        if (bol && (*p == '.' || *p == '\''))
            fputs("\\&", f);
        if (*p == '\\')
            fputs("\\e", f);
        else if (*p == '-')
            fputs("\\-", f);
        else
            fputc(*p, f);
        bol = *p == '\n';
    }
    if (!bol)
        fputc('\n', f);
    fputs(".fi\n", f);
}

static int print_man(FILE *f)
{
    fprintf(f,
            ".TH LABAUDIT 1 \"\" \"labaudit %s\" \"User Commands\"\n"
            ".SH NAME\nlabaudit \\- supply-chain labour audit: rule packs, "
            "certificates and evidence dossiers\n"
            ".SH SYNOPSIS\n.B labaudit\n.I COMMAND\n[\\fIOPTIONS\\fR] "
            "[\\fIARGS\\fR]\n"
            ".SH DESCRIPTION\nlabaudit checks supplier records, audit "
            "reports and traceability data against rule packs for forced "
            "labour, child labour and document retention, signs "
            "certificates for chains that pass, verifies them offline, and "
            "assembles evidence dossiers for customs.\n"
            ".PP\nOptions take the GNU forms: \\fB\\-\\-opt value\\fR, "
            "\\fB\\-\\-opt=value\\fR, \\fB\\-o value\\fR, \\fB\\-ovalue\\fR, "
            "bundled flags (\\fB\\-qv\\fR), and \\fB\\-\\-\\fR ends the "
            "options.  Every command takes \\fB\\-h\\fR/\\fB\\-\\-help\\fR, "
            "\\fB\\-q\\fR/\\fB\\-\\-quiet\\fR (no progress or notes; warnings "
            "about the data are always printed) and "
            "\\fB\\-v\\fR/\\fB\\-\\-verbose\\fR (what was loaded and how "
            "long each step took, on standard error).\n"
            ".SH COMMANDS\n",
            lab_version());
    for (size_t i = 0; i < cli_ncommands; i++) {
        const cli_command *c = &cli_commands[i];
        fprintf(f, ".SS %s\n%s.\n", c->name, c->summary);
        /* a help text shared with the command before it is printed once */
        if (i > 0 && cli_commands[i - 1].help == c->help)
            fprintf(f, ".PP\nSee \\fB%s\\fR above.\n",
                    cli_commands[i - 1].name);
        else
            for (size_t h = 0; c->help[h] != NULL; h++)
                roff_block(f, c->help[h]);
    }
    fputs(".SH EXIT STATUS\n.TP\n0\nsuccess, or nothing at or above "
          "\\fB\\-\\-fail\\-on\\fR\n.TP\n1\nfindings at or above it, failed "
          "rule tests, an invalid certificate or dossier, or changes found\n"
          ".TP\n2\na usage or input error, with a message naming the file "
          "and line\n"
          ".SH ENVIRONMENT\n.TP\n.B LABAUDIT_RULES\nrule packs when "
          "\\fB\\-\\-rules\\fR is not given\n.TP\n.B LABAUDIT_LISTS\n"
          "reference lists when \\fB\\-\\-lists\\fR is not given\n.TP\n"
          ".B LABAUDIT_LEDGER\nthe ledger's connection string\n.TP\n"
          ".B NO_COLOR\nlabaudit writes no colour in any case\n"
          ".SH SEE ALSO\nThe README of the labaudit source, and "
          "\\fBlabaudit COMMAND \\-\\-help\\fR.\n",
          f);
    return fflush(f) == 0 ? 0 : EXIT_USAGE;
}

int cmd_help(int argc, char **argv)
{
    if (argc == 1 && strcmp(argv[0], "--man") == 0)
        return print_man(stdout);
    if (argc == 1 && strcmp(argv[0], "--usage") == 0)
        return print_usage_all(stdout);
    if (argc == 1 &&
        (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0)) {
        fputs(help_help, stdout);
        return 0;
    }
    if (argc == 0) {
        cli_print_main_help(stdout);
        return 0;
    }
    const cli_command *c = argc == 1 ? cli_find_command(argv[0]) : NULL;
    if (c == NULL)
        return argc == 1 ? cli_unknown_command(argv[0])
                         : usage_error("help: give one command, or --man");
    for (size_t h = 0; c->help[h] != NULL; h++)
        fputs(c->help[h], stdout);
    return 0;
}

/* ---- shell completion ---- */

const char completion_help[] =
    "usage: labaudit completion bash|zsh|fish\n"
    "\n"
    "Prints a script that completes labaudit's commands, subcommands and\n"
    "options in that shell, made from the same help texts as --help:\n"
    "  bash: eval \"$(labaudit completion bash)\" (or save it under\n"
    "        /usr/share/bash-completion/completions/labaudit)\n"
    "  zsh:  labaudit completion zsh > \"${fpath[1]}/_labaudit\"\n"
    "  fish: labaudit completion fish > "
    "~/.config/fish/completions/labaudit.fish\n";

/* The options of command c as one space-separated line. */
static void print_option_words(FILE *f, const cli_command *c)
{
    cli_opt o[MAX_OPTS];
    size_t n = options_of(c, o);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s%s", i ? " " : "", o[i].name);
}

static void completion_bash(FILE *f)
{
    fputs("# bash completion for labaudit (labaudit completion bash)\n"
          "_labaudit() {\n"
          "    local cur=${COMP_WORDS[COMP_CWORD]} cmd=${COMP_WORDS[1]} "
          "words=\n"
          "    if ((COMP_CWORD == 1)); then\n"
          "        words=\"",
          f);
    for (size_t i = 0; i < cli_ncommands; i++)
        fprintf(f, "%s%s", i ? " " : "", cli_commands[i].name);
    fputs("\"\n"
          "        COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
          "        return\n"
          "    fi\n"
          "    case $cmd in\n",
          f);
    for (size_t i = 0; i < cli_ncommands; i++) {
        const cli_command *c = &cli_commands[i];
        fprintf(f, "    %s) words=\"", c->name);
        print_option_words(f, c);
        fputs("\"", f);
        if (c->subcommands != NULL)
            fprintf(f,
                    "\n        ((COMP_CWORD == 2)) && [[ $cur != -* ]] && "
                    "words=\"%s\"",
                    c->subcommands);
        fputs(" ;;\n", f);
    }
    fputs("    esac\n"
          "    if [[ $cur == -* || ( $COMP_CWORD == 2 && -n ${words%%-*} ) "
          "]]; then\n"
          "        COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
          "    else\n"
          "        COMPREPLY=($(compgen -f -- \"$cur\"))\n"
          "    fi\n"
          "}\n"
          "complete -o filenames -F _labaudit labaudit\n",
          f);
}

static void completion_zsh(FILE *f)
{
    fputs("#compdef labaudit\n"
          "# zsh completion for labaudit (labaudit completion zsh)\n"
          "_labaudit() {\n"
          "    local -a commands opts\n"
          "    commands=(\n",
          f);
    for (size_t i = 0; i < cli_ncommands; i++) {
        fprintf(f, "        '%s:", cli_commands[i].name);
        for (const char *p = cli_commands[i].summary; *p; p++)
            fputs(*p == '\'' ? "'\\''" : (char[]){*p, 0}, f);
        fputs("'\n", f);
    }
    fputs("    )\n"
          "    if (( CURRENT == 2 )); then\n"
          "        _describe 'command' commands\n"
          "        return\n"
          "    fi\n"
          "    case ${words[2]} in\n",
          f);
    for (size_t i = 0; i < cli_ncommands; i++) {
        const cli_command *c = &cli_commands[i];
        fprintf(f, "    %s) opts=(", c->name);
        print_option_words(f, c);
        fputs(")", f);
        if (c->subcommands != NULL)
            fprintf(f,
                    "\n        if (( CURRENT == 3 )) && [[ $PREFIX != -* "
                    "]]; then compadd %s; return; fi",
                    c->subcommands);
        fputs(" ;;\n", f);
    }
    fputs("    esac\n"
          "    if [[ $PREFIX == -* ]]; then\n"
          "        compadd -a opts\n"
          "    else\n"
          "        _files\n"
          "    fi\n"
          "}\n"
          "compdef _labaudit labaudit 2>/dev/null || true\n",
          f);
}

static void completion_fish(FILE *f)
{
    fputs("# fish completion for labaudit (labaudit completion fish)\n"
          "complete -c labaudit -f\n",
          f);
    for (size_t i = 0; i < cli_ncommands; i++) {
        const cli_command *c = &cli_commands[i];
        fprintf(f, "complete -c labaudit -n __fish_use_subcommand -a %s -d '",
                c->name);
        for (const char *p = c->summary; *p; p++)
            fputs(*p == '\'' ? "\\'" : (char[]){*p, 0}, f);
        fputs("'\n", f);
        if (c->subcommands != NULL)
            fprintf(f,
                    "complete -c labaudit -n '__fish_seen_subcommand_from "
                    "%s' -a '%s'\n",
                    c->name, c->subcommands);
        cli_opt o[MAX_OPTS];
        size_t n = options_of(c, o);
        for (size_t k = 0; k < n; k++) {
            if (o[k].name[1] != '-')
                continue; /* shorts are given with their long */
            fprintf(f,
                    "complete -c labaudit -n '__fish_seen_subcommand_from "
                    "%s' -l %s",
                    c->name, o[k].name + 2);
            if (o[k].shortopt)
                fprintf(f, " -s %c", o[k].shortopt);
            fputs(o[k].arg ? " -r -F\n" : "\n", f);
        }
    }
}

int cmd_completion(int argc, char **argv)
{
    if (argc != 1 || strcmp(argv[0], "--help") == 0) {
        fputs(completion_help, argc == 1 ? stdout : stderr);
        return argc == 1 ? 0 : EXIT_USAGE;
    }
    if (strcmp(argv[0], "bash") == 0)
        completion_bash(stdout);
    else if (strcmp(argv[0], "zsh") == 0)
        completion_zsh(stdout);
    else if (strcmp(argv[0], "fish") == 0)
        completion_fish(stdout);
    else
        return usage_error("completion: '%s': expected bash, zsh or fish",
                           argv[0]);
    return fflush(stdout) == 0 ? 0 : EXIT_USAGE;
}
