/*
 * cli.h - what the files of the `labaudit` command share: option parsing,
 * error reporting, atomic output, and the command table.  A new command
 * lives in its own plugin/cli/cmd_NAME.c, defines `int cmd_NAME(int argc,
 * char **argv)` (argv after the command name, in the form cli_normalize
 * gives) and a help text, and is listed once in commands.c.  The CLI uses
 * only the public API.
 */
#ifndef LAB_CLI_H
#define LAB_CLI_H

#include "labaudit.h"

#include <stddef.h>
#include <stdio.h>

enum { EXIT_FINDINGS = 1, EXIT_USAGE = 2 };
enum { MAX_PACKS = 64 };

extern const char *prog;

/* Options most commands share; parse_opts fills what it finds. */
typedef struct opts {
    const char *packs[MAX_PACKS];
    size_t npacks;
    const char *lists[MAX_PACKS];
    size_t nlists;
    const char *against[MAX_PACKS]; /* --against-lists (cmd_lists.c) */
    size_t nagainst;
    const char *format;
    const char *output;
    const char *as_of;
    const char *product;
    const char *supplier;
    const char *waivers;
    const char *evidence;
    const char *mapping;
    int fail_on;
    uint64_t max_steps; /* --max-steps; 0 = the library's default */
    int jsonlogic;
    int scopes;
    int quiet;
    const char *pos[8];
    size_t npos;
} opts;

/* Prints "labaudit: WHAT: <lab_errmsg>" and returns EXIT_USAGE. */
int fail(int code, const char *what);
/* Prints a usage error and returns EXIT_USAGE. */
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Writes text to path ("-" or NULL: stdout) through lab_file_write. */
int write_output(const char *path, const char *text);
/* Renders a report straight to path ("-" or NULL: stdout) in pieces,
 * through lab_report_write and lab_file_open (progress.c). */
int write_report(const char *path, const lab_report *rep, lab_format fmt);
/* Non-zero if --help or -h is among the arguments. */
int want_help(int argc, char **argv);
int parse_opts(int argc, char **argv, opts *o);
/* Makes an engine from o->packs (or $LABAUDIT_RULES). */
int make_engine(lab_engine **e, opts *o);
/* Non-zero if DATA names a database rather than a folder: a postgres
 * URI, or key=value connection text, or any DATA given with --mapping. */
int is_database(const char *data, const char *mapping);
/* Makes a dataset from a folder or a database (see is_database), printing
 * its warnings; 0, or EXIT_USAGE after printing the error. */
int load_data(lab_dataset **out, const char *data, const char *mapping);
/* Reads a whole text file ("-" = stdin) of at most 64 MiB through
 * lab_file_read, NUL-terminated (free with free); NULL, after printing
 * why, on error (a NUL byte in the file is one). */
char *slurp(const char *path);
/* Prints s as a JSON string (quotes included); s is UTF-8 text. */
void print_json_string(FILE *f, const char *s);
/* The value of --format for a command that prints text or JSON (NULL:
 * text): 1 for JSON, 0 for text, -1 after a usage error naming `cmd`. */
int format_json(const char *format, const char *cmd);
/* fprintf through lab_text_escape: for anything quoting input. */
void print_text(FILE *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

int cmd_check(int argc, char **argv);
int cmd_rules(int argc, char **argv);
int cmd_jsonlogic(int argc, char **argv);

/* Commands in other files: declare them here and give each an entry in
 * commands.c. */
int cmd_ledger(int argc, char **argv);
int cmd_keygen(int argc, char **argv);
int cmd_certify(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_revoke(int argc, char **argv);
int cmd_suspend(int argc, char **argv);
int cmd_dossier(int argc, char **argv);
int cmd_unsuspend(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_json(int argc, char **argv);
int cmd_status_list(int argc, char **argv);
int cmd_refresh(int argc, char **argv);
int cmd_facility(int argc, char **argv);
int cmd_lists(int argc, char **argv);
/* check --against-lists (cmd_lists.c): checks again with the old lists
 * and prints what changed instead of the report; 0 nothing, 1 changes. */
int against_lists(opts *o, const lab_engine *enew, lab_dataset *ds,
                  const lab_check_options *co, const lab_report *now, int json);
/* verify --status-list URL (cmd_refresh.c): http_opt() takes an HTTP
 * option (1 taken, -1 bad value, 0 not one); is_url() says whether a
 * --status-list names a URL; fetch_status_list() fetches it through the
 * cache, or prints why not and returns NULL (verify then fails closed). */
int http_opt(const char *k, const char *v);
int is_url(const char *s);
char *fetch_status_list(const char *url, size_t *len);
/* The commands (commands.c): each with its one-line summary, its
 * subcommands (space-separated, or NULL) and the help texts that
 * describe it, NULL-terminated.  The help texts are the one description
 * of a command's options (options.c reads them). */
typedef struct cli_command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
    const char *subcommands;
    const char *const *help;
} cli_command;
extern const cli_command cli_commands[];
extern const size_t cli_ncommands;
extern const char check_help[], rules_help[], lists_help[], jsonlogic_help[],
    keygen_help[], certify_help[], verify_help[], revoke_help[], suspend_help[],
    status_help[], dossier_help[], ledger_help[], refresh_help[],
    facility_help[], json_help[], completion_help[], help_help[];
int cmd_completion(int argc, char **argv);
int cmd_help(int argc, char **argv);

/* The global -q (no progress, no warnings) and -v (what was loaded, and
 * how long each step took, on stderr). */
extern int cli_quiet, cli_verbose;
/* A monotonic clock in seconds, for -v. */
double cli_seconds(void);

/* Progress on stderr for one step of a run (progress.c): shown only on a
 * terminal and without -q.  cli_meter_update is a lab_progress_fn (ud is
 * the meter); cli_meter_done ends the step's line. */
typedef struct cli_meter {
    const char *what; /* "loading", "checking", "writing" */
    const char *unit; /* "bytes", or what is counted: "records", "rows" */
    size_t done, total;
    double last; /* when it was last drawn */
    int on, shown;
} cli_meter;
int cli_progress_wanted(void);
void cli_meter_init(cli_meter *m, const char *what, const char *unit);
void cli_meter_update(void *ud, size_t done, size_t total);
void cli_meter_done(cli_meter *m);

/* Arguments in the one form the commands read (options.c). */
typedef struct cli_args {
    int argc;
    char **argv;
    char **owned; /* the arguments allocated here */
    size_t nowned, cap;
} cli_args;
/* Rewrites argv (after the command name) for command c: --opt=value and
 * -ovalue become --opt value and -o value, -qv becomes -q -v, "--" ends
 * the options (a later argument starting with '-' must be a file, passed
 * as ./ARG), -q/-v set cli_quiet/cli_verbose; an unknown option is a
 * usage error naming the nearest known one.  0, or EXIT_USAGE after
 * printing why; free *out with cli_args_free. */
int cli_normalize(const cli_command *c, int argc, char **argv, cli_args *out);
void cli_args_free(cli_args *a);
const cli_command *cli_find_command(const char *name);
/* The command running (set by main), and a library message in its words:
 * an API field it names (body_name) that is one of the command's options
 * becomes the option (--body-name).  The library speaks of its API; the
 * command says what to type. */
extern const cli_command *cli_current;
void cli_translate(char *out, size_t n, const char *msg);
/* "unknown command 'X'; did you mean 'Y'?": returns EXIT_USAGE. */
int cli_unknown_command(const char *name);
/* labaudit --help: the usage and every command with its summary. */
void cli_print_main_help(FILE *f);
void cli_print_commands(FILE *f);

#endif /* LAB_CLI_H */
