/*
 * cmd_refresh.c - the network commands of `labaudit`: refresh (download
 * the reference lists named in sources.ini into the cache folder the
 * engine reads), facility (look a facility up on Open Supply Hub), and
 * the status-list fetch behind `verify --status-list URL`.  Options that
 * shape every fetch (a CA bundle for tests, timeouts, the size cap,
 * retries) are shared.  Like every command it uses only the public API.
 * Tokens come from environment variables and are never printed.
 */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { MAX_SOURCES = 64, MAX_LINE = 2048 };

static lab_http_options http = LAB_HTTP_OPTIONS_INIT;

static int is(const char *a, const char *name)
{
    return strcmp(a, name) == 0;
}

/* Parses a whole non-negative decimal number. */
static int number(const char *s, unsigned long long max,
                  unsigned long long *out)
{
    char *end = NULL;
    if (s == NULL || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    *out = strtoull(s, &end, 10);
    return errno == 0 && *end == '\0' && *out <= max ? 0 : -1;
}

int http_opt(const char *k, const char *v)
{
    unsigned long long n = 0;
    if (is(k, "--ca-file")) {
        http.ca_file = v;
    } else if (is(k, "--status-cache")) {
        http.cache_dir = v;
    } else if (is(k, "--osh-url")) {
        http.osh_url = v;
    } else if (is(k, "--token-env")) {
        http.token_env = v;
    } else if (is(k, "--connect-timeout") || is(k, "--timeout") ||
               is(k, "--retries") || is(k, "--status-max-age")) {
        if (number(v, 86400, &n) != 0) {
            usage_error("%s '%s': expected a number up to 86400", k, v);
            return -1;
        }
        if (is(k, "--connect-timeout"))
            http.connect_timeout = (unsigned)n;
        else if (is(k, "--timeout"))
            http.timeout = (unsigned)n;
        else if (is(k, "--retries"))
            http.retries = (unsigned)n;
        else
            http.max_age = (long)n;
    } else if (is(k, "--max-bytes")) {
        if (number(v, (unsigned long long)1 << 32, &n) != 0 || n == 0) {
            usage_error("--max-bytes '%s': expected a positive number", v);
            return -1;
        }
        http.max_bytes = (size_t)n;
    } else if (is(k, "--max-shrink")) {
        char *end = NULL;
        double f = v ? strtod(v, &end) : -1;
        if (v == NULL || end == v || *end != '\0' || !(f > 0 && f <= 1)) {
            usage_error("--max-shrink '%s': expected a fraction above 0, at "
                        "most 1",
                        v ? v : "");
            return -1;
        }
        http.max_shrink = f;
    } else {
        return 0;
    }
    return 1;
}

int is_url(const char *s)
{
    return strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0;
}

/* ---- the status list cache ---- */

/* mkdir -p for the default cache folder. */
static int make_dirs(char *path)
{
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        int bad = mkdir(path, 0700) != 0 && errno != EEXIST;
        *p = '/';
        if (bad)
            return -1;
    }
    return mkdir(path, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

/* $XDG_CACHE_HOME/labaudit/status or ~/.cache/labaudit/status. */
static const char *default_cache(void)
{
    static char dir[4096];
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    int n;
    if (xdg != NULL && xdg[0] == '/')
        n = snprintf(dir, sizeof dir, "%s/labaudit/status", xdg);
    else if (home != NULL && home[0] == '/')
        n = snprintf(dir, sizeof dir, "%s/.cache/labaudit/status", home);
    else
        return NULL;
    if (n < 0 || (size_t)n >= sizeof dir || make_dirs(dir) != 0)
        return NULL;
    return dir;
}

char *fetch_status_list(const char *url, size_t *len)
{
    char *list = NULL;
    int from_cache = 0;
    if (http.cache_dir == NULL)
        http.cache_dir = default_cache();
    int rc = lab_status_list_fetch(&list, len, &from_cache, url, &http);
    if (rc != LAB_OK) {
        print_text(stderr, "%s: %s\n", prog, lab_errmsg());
        return NULL;
    }
    if (from_cache)
        print_text(stderr,
                   "%s: status list %s from the cache (younger than %lds)\n",
                   prog, url, http.max_age);
    /* verify releases its inputs with free(): hand it a copy. */
    char *copy = malloc(*len + 1);
    if (copy != NULL) {
        memcpy(copy, list, *len);
        copy[*len] = '\0';
    }
    lab_free(list);
    return copy;
}

/* ---- sources.ini ---- */

typedef struct source {
    char id[128];
    char url[MAX_LINE];
    char file[256];
} source;

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' ||
                     s[n - 1] == '\n'))
        s[--n] = '\0';
    return s;
}

/* A list id or file name: letters, digits, '.', '_', '-', not starting
 * with '.' (files in the cache folder, never paths). */
static int plain_name(const char *s)
{
    if (*s == '\0' || *s == '.')
        return 0;
    return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                     "0123456789._-") == strlen(s);
}

static int config_error(const char *path, unsigned line, const char *what)
{
    print_text(stderr, "%s: %s:%u: %s\n", prog, path, line, what);
    return -1;
}

/* Fills src[0..*n) from the INI file: [id] sections with url and file. */
static int read_config(const char *path, source *src, size_t *n)
{
    /* read through the one reader (a FIFO is refused, a NUL is an error),
     * then taken line by line from memory */
    char *text = slurp(path);
    char line[MAX_LINE];
    unsigned ln = 0;
    if (text == NULL)
        return -1;
    FILE *f = fmemopen(text, strlen(text), "r");
    if (f == NULL) {
        print_text(stderr, "%s: %s: cannot read: %s\n", prog, path,
                   strerror(errno));
        free(text);
        return -1;
    }
    *n = 0;
    int rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f) != NULL) {
        ln++;
        char *s = trim(line);
        if (*s == '\0' || *s == '#' || *s == ';')
            continue;
        if (*s == '[') {
            size_t l = strlen(s);
            if (s[l - 1] != ']' || *n >= MAX_SOURCES)
                rc = config_error(path, ln, "expected [list-id]");
            s[l - 1] = '\0';
            s = trim(s + 1);
            if (rc == 0 && (!plain_name(s) || strlen(s) >= 100))
                rc = config_error(path, ln,
                                  "a list id is letters, digits, "
                                  "'.', '_' and '-'");
            if (rc == 0) {
                memset(&src[*n], 0, sizeof src[*n]);
                snprintf(src[*n].id, sizeof src[*n].id, "%s", s);
                snprintf(src[*n].file, sizeof src[*n].file, "%s.csv", s);
                (*n)++;
            }
            continue;
        }
        char *eq = strchr(s, '=');
        if (eq == NULL || *n == 0) {
            rc = config_error(path, ln, "expected key = value in a [list]");
            continue;
        }
        *eq = '\0';
        char *k = trim(s), *v = trim(eq + 1);
        source *cur = &src[*n - 1];
        if (is(k, "url"))
            snprintf(cur->url, sizeof cur->url, "%s", v);
        else if (is(k, "file") && plain_name(v) && strlen(v) > 4 &&
                 strcmp(v + strlen(v) - 4, ".csv") == 0 &&
                 strlen(v) < sizeof cur->file)
            snprintf(cur->file, sizeof cur->file, "%s", v);
        else if (is(k, "file"))
            rc = config_error(path, ln, "file must be a plain NAME.csv");
        else
            rc = config_error(path, ln, "unknown key (url, file)");
    }
    fclose(f);
    free(text);
    for (size_t i = 0; rc == 0 && i < *n; i++)
        if (src[i].url[0] == '\0')
            rc = config_error(path, ln, "a list without a url");
    return rc;
}

/* ---- refresh ---- */

const char refresh_help[] =
    "usage: labaudit refresh [--config FILE] [--cache DIR] [--only ID]\n"
    "                        [--ca-file PEM] [--connect-timeout S]\n"
    "                        [--timeout S] [--max-bytes N] [--retries N]\n"
    "                        [--max-shrink F] [--format text|json] [--json]\n"
    "\n"
    "Downloads the reference lists named in FILE (default\n"
    "rules/data/sources.ini: one [id] section per list with url = and\n"
    "optionally file = NAME.csv) into DIR (default: FILE's folder), with\n"
    "conditional requests.  A new list must parse before it replaces the\n"
    "old one (kept as NAME.csv.prev), and may not have fewer than (1 - F)\n"
    "times the entries of the cached copy (--max-shrink, default 0.5; 1\n"
    "accepts any); NAME.csv.meta records the URL, time,\n"
    "ETag and SHA-256, and reports name them.  Offline, the cached list\n"
    "stays in use and its age is printed.\n"
    "\n"
    "Exit status: 0 every list is current or served from the cache, 2 a\n"
    "list failed (its previous version is kept) or a usage error.\n";

int cmd_refresh(int argc, char **argv)
{
    const char *config = "rules/data/sources.ini", *cache = NULL, *only = NULL;
    static source src[MAX_SOURCES];
    size_t n = 0;
    if (want_help(argc, argv)) {
        fputs(refresh_help, stdout);
        return 0;
    }
    int json = 0;
    for (int i = 0; i < argc; i++) {
        const char *k = argv[i];
        if (is(k, "--json")) {
            json = 1;
            continue;
        }
        if (i + 1 >= argc)
            return usage_error("refresh: '%s' needs a value", k);
        if (is(k, "--format") || is(k, "-f")) {
            if ((json = format_json(argv[++i], "refresh")) < 0)
                return EXIT_USAGE;
            continue;
        }
        const char *v = argv[++i];
        int h = http_opt(k, v);
        if (h < 0)
            return EXIT_USAGE;
        if (h > 0)
            continue;
        if (is(k, "--config"))
            config = v;
        else if (is(k, "--cache"))
            cache = v;
        else if (is(k, "--only"))
            only = v;
        else
            return usage_error("refresh: unknown option '%s'", k);
    }
    if (read_config(config, src, &n) != 0)
        return EXIT_USAGE;
    char dir[4096];
    if (cache == NULL) {
        const char *slash = strrchr(config, '/');
        snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - config) : 1,
                 slash ? config : ".");
        cache = dir;
    }
    int status = 0, found = 0;
    static const char *const outcomes[] = {"updated", "not_modified", "cached"};
    if (json) {
        fputs("{\"format\":\"labaudit.refresh/1\",\"config\":", stdout);
        print_json_string(stdout, config);
        fputs(",\"cache\":", stdout);
        print_json_string(stdout, cache);
        fputs(",\"lists\":[", stdout);
    }
    for (size_t i = 0; i < n; i++) {
        if (only != NULL && !is(only, src[i].id))
            continue;
        char path[4096 + 300], *summary = NULL;
        snprintf(path, sizeof path, "%s/%s", cache, src[i].file);
        int outcome = 0;
        int rc = lab_refresh_list(&outcome, &summary, src[i].url, path, &http);
        if (rc != LAB_OK) {
            print_text(stderr, "%s: %s: %s\n", prog, src[i].id, lab_errmsg());
            status = EXIT_USAGE;
        } else if (!json) {
            print_text(stdout, "%s: %s\n", src[i].id, summary);
        }
        if (json) { /* one entry per list, failed ones with their error */
            fputs(found ? ",{\"id\":" : "{\"id\":", stdout);
            print_json_string(stdout, src[i].id);
            fputs(",\"url\":", stdout);
            print_json_string(stdout, src[i].url);
            fputs(",\"file\":", stdout);
            print_json_string(stdout, path);
            fputs(",\"outcome\":", stdout);
            print_json_string(stdout, rc != LAB_OK ? "failed"
                                      : outcome >= 0 && outcome <= 2
                                          ? outcomes[outcome]
                                          : "unknown");
            fputs(rc != LAB_OK ? ",\"error\":" : ",\"summary\":", stdout);
            print_json_string(stdout, rc != LAB_OK ? lab_errmsg() : summary);
            fputc('}', stdout);
        }
        found = 1;
        lab_free(summary);
    }
    if (json)
        printf("],\"ok\":%s}\n", status == 0 ? "true" : "false");
    if (only != NULL && !found)
        return usage_error("refresh: no list '%s' in %s", only, config);
    return fflush(stdout) == 0 ? status : EXIT_USAGE;
}

/* ---- facility ---- */

const char facility_help[] =
    "usage: labaudit facility OSID [--format text|json] [--json]\n"
    "                         [--osh-url URL]\n"
    "                         [--token-env VAR] [--ca-file PEM]\n"
    "                         [--timeout S] [--retries N]\n"
    "\n"
    "Looks a facility up on Open Supply Hub (default\n"
    "https://opensupplyhub.org) and prints its name, address, country,\n"
    "coordinates and number of workers.  The API token is read from the\n"
    "environment variable VAR (default OSH_TOKEN) and never printed.\n"
    "At most 100 requests a minute; 429 and 5xx answers are retried.\n";

int cmd_facility(int argc, char **argv)
{
    const char *os_id = NULL;
    int json = 0;
    if (want_help(argc, argv)) {
        fputs(facility_help, stdout);
        return 0;
    }
    for (int i = 0; i < argc; i++) {
        const char *k = argv[i];
        if (is(k, "--json")) {
            json = 1;
            continue;
        }
        if (is(k, "--format") || is(k, "-f")) {
            if ((json = format_json(i + 1 < argc ? argv[++i] : "",
                                    "facility")) < 0)
                return EXIT_USAGE;
            continue;
        }
        if (k[0] != '-') {
            if (os_id != NULL)
                return usage_error("facility: one OS ID at a time");
            os_id = k;
            continue;
        }
        if (i + 1 >= argc)
            return usage_error("facility: '%s' needs a value", k);
        int h = http_opt(k, argv[++i]);
        if (h < 0)
            return EXIT_USAGE;
        if (h == 0)
            return usage_error("facility: unknown option '%s'", k);
    }
    if (os_id == NULL)
        return usage_error("facility: give an OS ID");
    char *out = NULL;
    int rc = lab_osh_facility(&out, os_id,
                              json ? LAB_FORMAT_JSON : LAB_FORMAT_TEXT, &http);
    if (rc != LAB_OK)
        return fail(rc, "facility");
    if (json)
        puts(out);
    else
        print_text(stdout, "%s", out);
    lab_free(out);
    return fflush(stdout) == 0 ? 0 : EXIT_USAGE;
}
