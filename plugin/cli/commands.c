/*
 * commands.c - the table of `labaudit` commands: each command once, with
 * the function that runs it, the one line `labaudit --help` shows, its
 * subcommands, and the help texts that describe it.  Those help texts are
 * the one description of each command's options: the option parser
 * (options.c) reads them to know which options exist and which take a
 * value, and the man page and shell completions are generated from them,
 * so the three cannot disagree.  A new command adds one entry here.
 */
#include "cli.h"

static const char *const h_check[] = {check_help, NULL};
static const char *const h_rules[] = {rules_help, NULL};
static const char *const h_lists[] = {lists_help, NULL};
static const char *const h_jsonlogic[] = {jsonlogic_help, NULL};
static const char *const h_keygen[] = {keygen_help, NULL};
static const char *const h_certify[] = {certify_help, NULL};
static const char *const h_verify[] = {verify_help, NULL};
static const char *const h_revoke[] = {revoke_help, NULL};
static const char *const h_suspend[] = {suspend_help, NULL};
static const char *const h_status[] = {status_help, NULL};
static const char *const h_dossier[] = {dossier_help, NULL};
static const char *const h_ledger[] = {ledger_help, NULL};
static const char *const h_refresh[] = {refresh_help, NULL};
static const char *const h_facility[] = {facility_help, NULL};
static const char *const h_json[] = {json_help, NULL};
static const char *const h_completion[] = {completion_help, NULL};
static const char *const h_help[] = {help_help, NULL};

const cli_command cli_commands[] = {
    {"check", cmd_check, "check a dataset against rule packs", NULL, h_check},
    {"rules", cmd_rules, "lint, test, show and export rule packs",
     "lint test show export fields translate", h_rules},
    {"certify", cmd_certify,
     "sign a certificate for a product whose chain passes", NULL, h_certify},
    {"verify", cmd_verify, "verify a certificate offline", NULL, h_verify},
    {"show", cmd_show, "show a certificate, verified, for a person", NULL,
     h_verify},
    {"keygen", cmd_keygen, "make a signing key (and its JWKS, DID document)",
     NULL, h_keygen},
    {"status-list", cmd_status_list,
     "create and renew a revocation or suspension list", "create renew",
     h_status},
    {"revoke", cmd_revoke, "revoke a certificate in its status list", NULL,
     h_revoke},
    {"suspend", cmd_suspend, "suspend a certificate", NULL, h_suspend},
    {"unsuspend", cmd_unsuspend, "lift a certificate's suspension", NULL,
     h_suspend},
    {"dossier", cmd_dossier,
     "an evidence dossier for customs; verify one; drill for gaps",
     "verify drill", h_dossier},
    {"lists", cmd_lists, "what changed between two editions of the lists",
     "diff", h_lists},
    {"refresh", cmd_refresh, "fetch the reference lists over HTTPS", NULL,
     h_refresh},
    {"facility", cmd_facility, "look a facility up on Open Supply Hub", NULL,
     h_facility},
    {"ledger", cmd_ledger, "record checks in the PostgreSQL ledger",
     "init record verify anchor show", h_ledger},
    {"jsonlogic", cmd_jsonlogic, "evaluate one JsonLogic rule", NULL,
     h_jsonlogic},
    {"json", cmd_json, "print a JSON file in RFC 8785 canonical form", "canon",
     h_json},
    {"completion", cmd_completion, "print a completion script for a shell",
     "bash zsh fish", h_completion},
    {"help", cmd_help, "help on a command, or the manual page (--man)", NULL,
     h_help},
};

const size_t cli_ncommands = sizeof cli_commands / sizeof cli_commands[0];
