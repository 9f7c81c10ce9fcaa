/*
 * http_lists.c - reference lists and status lists over HTTP.  A list is
 * refreshed with a conditional GET; what arrives must parse as a list
 * before it replaces the cached file (temporary file and rename, the
 * previous version kept as FILE.prev, FILE.meta recording the fetch).
 * When the server cannot be reached the cached list stays in use and the
 * summary says how old it is.  Status lists are the opposite case: an
 * old list could hide a revocation, so a cached copy is used only while
 * it is younger than the maximum age, and otherwise the call fails.
 */
#include "http/http.h"

#include "credential.h"
#include "listmeta.h"
#include "reflist.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *base_name(const char *path)
{
    const char *b = strrchr(path, '/');
    return b ? b + 1 : path;
}

/* "3 days ago", "5 hours ago", "1 minute ago", "just now". */
static void format_age(char *buf, size_t cap, int64_t secs)
{
    static const struct {
        int64_t unit;
        const char *name;
    } units[] = {{86400, "day"}, {3600, "hour"}, {60, "minute"}};
    for (size_t i = 0; i < LAB_ARRAY_LEN(units); i++) {
        int64_t n = secs / units[i].unit;
        if (n >= 1) {
            snprintf(buf, cap, "%lld %s%s ago", (long long)n, units[i].name,
                     n == 1 ? "" : "s");
            return;
        }
    }
    snprintf(buf, cap, "just now");
}

/* The cached file: its bytes' digest and metadata that describes it (the
 * metadata is dropped when it names another URL or other bytes). */
typedef struct cached {
    int exists;
    char sha256[65];
    char *data;
    size_t len;
    int64_t mtime;
    lab_listmeta meta;
    int have_meta;
} cached;

static int load_cached(cached *c, const char *path, const char *url,
                       size_t limit)
{
    struct stat st;
    memset(c, 0, sizeof *c);
    if (stat(path, &st) != 0)
        return LAB_OK;
    int rc = lab_read_file(&c->data, &c->len, path, limit);
    if (rc == LAB_OK)
        rc = lab_sha256_hex(c->sha256, c->data, c->len);
    if (rc != LAB_OK)
        return rc;
    c->exists = 1;
    c->mtime = (int64_t)st.st_mtime;
    if (lab_listmeta_read(&c->meta, path) == LAB_OK) {
        c->have_meta = c->meta.url != NULL && strcmp(c->meta.url, url) == 0 &&
                       strcmp(c->meta.sha256, c->sha256) == 0 &&
                       c->meta.fetched_at != NULL;
        if (!c->have_meta)
            lab_listmeta_free(&c->meta);
    }
    lab_clearerr();
    return LAB_OK;
}

static void cached_free(cached *c)
{
    free(c->data);
    lab_listmeta_free(&c->meta);
}

/* Seconds since the cached copy was fetched (or, without a record of a
 * fetch, last modified). */
static int64_t cached_age(const cached *c)
{
    int64_t t = c->have_meta ? lab_listmeta_time(c->meta.fetched_at) : c->mtime;
    int64_t age = lab_time_now() - t;
    return age > 0 ? age : 0;
}

/* Records a fetch of bytes with digest sha256 in PATH.meta. */
static int record_fetch(const char *path, const char *url,
                        const lab_http_resp *r, const char *sha256)
{
    char now[21];
    lab_time_format(now, lab_time_now());
    lab_listmeta m = {(char *)url, now, r->etag, r->last_modified, ""};
    memcpy(m.sha256, sha256, 65);
    return lab_listmeta_write(&m, path);
}

/* Writes data to a new temporary file beside path; *tmp names it. */
static int write_temp(char **tmp, const char *path, const char *data, size_t n)
{
    size_t plen = strlen(path) + 16;
    char *t = lab_malloc(plen);
    if (t == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    snprintf(t, plen, "%s.tmpXXXXXX", path);
    int fd = mkstemp(t);
    if (fd < 0) {
        int e = errno;
        free(t);
        return lab_seterr(LAB_EIO, "%s: cannot create a file beside it: %s",
                          path, strerror(e));
    }
    int ok = fchmod(fd, 0644) == 0;
    while (ok && n > 0) {
        ssize_t w = write(fd, data, n);
        if (w < 0 && errno == EINTR)
            continue;
        ok = w > 0;
        if (ok) {
            data += w;
            n -= (size_t)w;
        }
    }
    ok = ok && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok) {
        int e = errno;
        unlink(t);
        free(t);
        return lab_seterr(LAB_EIO, "%s: cannot write: %s", path, strerror(e));
    }
    *tmp = t;
    return LAB_OK;
}

/* Does the file parse as a reference list with at least one entry?  Its
 * number of entries goes to *entries. */
static int check_list(const char *tmp, const char *url, size_t *entries)
{
    lab_refdata rd = {0};
    lab_arena a;
    lab_strtab st;
    lab_arena_init(&a, 1 << 16);
    int rc = lab_strtab_init(&st);
    if (rc == LAB_OK)
        rc = lab_refdata_load(&rd, &a, &st, tmp);
    if (rc == LAB_OK && (rd.nlists != 1 || rd.lists[0].entries == 0))
        rc = lab_seterr(LAB_EPARSE, "the list from %s has no entries", url);
    *entries = rc == LAB_OK ? rd.lists[0].entries : 0;
    lab_refdata_free(&rd);
    lab_strtab_free(&st);
    lab_arena_free(&a);
    return rc;
}

/* Installs a new list: the old one to PATH.prev, the metadata, then the
 * checked body to PATH (atomically, by lab_write_file), last: whatever
 * fails, PATH is either the old list or the new one with its record,
 * never a new list reported as "the previous one is kept".  (A record
 * written for a list whose write then failed names another SHA-256 than
 * PATH's, and is ignored as any stale record.) */
static int install(const char *path, const cached *old, const char *url,
                   const lab_http_resp *r, const char *sha256)
{
    int rc = LAB_OK;
    if (old->exists) {
        size_t n = strlen(path) + sizeof ".prev";
        char *prev = lab_malloc(n);
        if (prev == NULL)
            return lab_seterr(LAB_ENOMEM, "out of memory");
        snprintf(prev, n, "%s.prev", path);
        rc = lab_cred_write_file(prev, old->data, old->len, 1);
        free(prev);
    }
    if (rc == LAB_OK)
        rc = record_fetch(path, url, r, sha256);
    /* the checked temporary copy is scratch: the list itself goes
     * through the one writer, so a link or a device is treated by rule */
    if (rc == LAB_OK)
        rc = lab_write_file(path, r->body.data, r->body.len, 0, 0);
    return rc;
}

/* Sets *summary to the formatted text (if summary is not NULL). */
static int say(char **summary, const char *fmt, ...) LAB_PRINTF(2, 3);
static int say(char **summary, const char *fmt, ...)
{
    if (summary == NULL)
        return LAB_OK;
    lab_buf b = LAB_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    char tmp[1024];
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    lab_buf_adds(&b, tmp);
    return lab_buf_detach(&b, summary) == LAB_OK
               ? LAB_OK
               : lab_seterr(LAB_ENOMEM, "out of memory");
}

/* The server could not be reached: use the cache, saying how old. */
static int use_cache(int *outcome, char **summary, const cached *c,
                     const char *path, const char *why)
{
    char age[64];
    format_age(age, sizeof age, cached_age(c));
    *outcome = LAB_REFRESH_CACHED;
    if (c->have_meta)
        return say(summary, "offline (%s); using cached %s fetched %s", why,
                   base_name(path), age);
    return say(summary,
               "offline (%s); using cached %s modified %s (no record of "
               "a fetch)",
               why, base_name(path), age);
}

/* A failure that keeps the cached file: the message says so. */
static int keep_old(int rc, const cached *c, const char *path)
{
    if (!c->exists)
        return rc;
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", lab_errmsg());
    return lab_seterr(rc, "%s; the previous %s is kept", msg, base_name(path));
}

/* A list that lost more than max_shrink of the cached copy's entries is
 * more likely a truncated or partial download than a delisting. */
static int check_shrink(const char *path, const char *url, const cached *c,
                        size_t entries, double max_shrink)
{
    size_t old = 0;
    if (!c->exists || max_shrink >= 1)
        return LAB_OK;
    if (check_list(path, url, &old) != LAB_OK)
        return LAB_OK; /* a cached copy that does not parse: nothing to keep */
    if ((double)entries >= (double)old * (1.0 - max_shrink))
        return LAB_OK;
    return lab_seterr(LAB_EPARSE,
                      "the list downloaded from %s has %zu entries, the "
                      "cached copy %zu: it shrinks by %.0f %%, more than the "
                      "%.0f %% allowed (max_shrink)",
                      url, entries, old,
                      100.0 * (double)(old - entries) / (double)old,
                      100.0 * max_shrink);
}

static int got_body(int *outcome, char **summary, const char *url,
                    const char *path, const cached *c, const lab_http_resp *r,
                    double max_shrink)
{
    char sha[65], *tmp = NULL;
    int rc = lab_sha256_hex(sha, r->body.data, r->body.len);
    if (rc != LAB_OK)
        return rc;
    if (c->exists && strcmp(sha, c->sha256) == 0) {
        *outcome = LAB_REFRESH_NOT_MODIFIED;
        rc = record_fetch(path, url, r, sha);
        return rc ? rc
                  : say(summary, "unchanged: %s (sha256 %.16s...)",
                        base_name(path), sha);
    }
    rc = write_temp(&tmp, path, r->body.data, r->body.len);
    if (rc != LAB_OK)
        return rc;
    size_t entries = 0;
    rc = check_list(tmp, url, &entries);
    if (rc != LAB_OK) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", lab_errmsg());
        rc = lab_seterr(LAB_EPARSE,
                        "the list downloaded from %s does not parse: %s", url,
                        msg);
    }
    if (rc == LAB_OK)
        rc = check_shrink(path, url, c, entries, max_shrink);
    if (rc == LAB_OK)
        rc = install(path, c, url, r, sha);
    unlink(tmp);
    free(tmp);
    if (rc != LAB_OK)
        return rc;
    *outcome = LAB_REFRESH_UPDATED;
    return say(summary, "updated %s from %s (sha256 %.16s..., %zu bytes)",
               base_name(path), url, sha, r->body.len);
}

int lab_refresh_list(int *outcome, char **summary, const char *url,
                     const char *path, const lab_http_options *opts)
{
    if (outcome == NULL || url == NULL || path == NULL ||
        (opts != NULL &&
         (opts->version < 1 || opts->version > LAB_HTTP_OPTIONS_VERSION)))
        return lab_seterr(LAB_EINVAL, "lab_refresh_list: bad arguments");
    lab_http_options o;
    lab_http_effective(&o, opts);
    cached c;
    int rc = load_cached(&c, path, url, o.max_bytes);
    if (rc != LAB_OK)
        return rc;
    lab_http_req req = {url, NULL, NULL, NULL, 0, &o};
    if (c.have_meta) {
        req.etag = c.meta.etag;
        req.last_modified = c.meta.last_modified;
    }
    lab_http_resp r = {0};
    int out = 0;
    rc = lab_http_get(&r, &req);
    if (rc != LAB_OK) {
        if (r.fail == LAB_HTTP_FAIL_UNREACHABLE && c.exists) {
            /* the message is "GET URL: why" */
            char why[512];
            const char *m = lab_errmsg();
            size_t skip = strlen("GET ") + strlen(url) + 2;
            snprintf(why, sizeof why, "%s", strlen(m) > skip ? m + skip : m);
            rc = use_cache(&out, summary, &c, path, why);
        } else {
            rc = keep_old(rc, &c, path);
        }
    } else if (r.status == 304 && c.exists) {
        out = LAB_REFRESH_NOT_MODIFIED;
        rc = record_fetch(path, url, &r, c.sha256);
        if (rc == LAB_OK)
            rc = say(summary, "not modified: %s", base_name(path));
    } else if ((r.status == 429 || r.status >= 500) && c.exists) {
        char why[64];
        snprintf(why, sizeof why, "HTTP %ld after %u retries", r.status,
                 o.retries);
        rc = use_cache(&out, summary, &c, path, why);
    } else if (r.status == 200) {
        rc = got_body(&out, summary, url, path, &c, &r, o.max_shrink);
        if (rc != LAB_OK)
            rc = keep_old(rc, &c, path);
    } else {
        rc = keep_old(lab_seterr(r.status == 404 ? LAB_ENOTFOUND : LAB_ENET,
                                 "GET %s: HTTP %ld", url, r.status),
                      &c, path);
    }
    lab_http_resp_free(&r);
    cached_free(&c);
    if (rc == LAB_OK)
        *outcome = out;
    return rc;
}

/* ---- status lists ---- */

/* CACHE_DIR/status-<digest of the URL>.jwt */
static int status_cache_path(char **out, const char *dir, const char *url)
{
    char h[65];
    int rc = lab_sha256_hex(h, url, strlen(url));
    if (rc != LAB_OK)
        return rc;
    size_t n = strlen(dir) + 64;
    *out = lab_malloc(n);
    if (*out == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    snprintf(*out, n, "%s/status-%.32s.jwt", dir, h);
    return LAB_OK;
}

static int hand_out(char **out, size_t *len, const char *data, size_t n)
{
    while (n > 0 &&
           (data[n - 1] == '\n' || data[n - 1] == '\r' || data[n - 1] == ' '))
        n--;
    *out = lab_strndup(data, n);
    if (*out == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    *len = n;
    return LAB_OK;
}

int lab_status_list_fetch(char **out, size_t *len, int *from_cache,
                          const char *url, const lab_http_options *opts)
{
    if (out == NULL || len == NULL || url == NULL ||
        (opts != NULL &&
         (opts->version < 1 || opts->version > LAB_HTTP_OPTIONS_VERSION)))
        return lab_seterr(LAB_EINVAL, "lab_status_list_fetch: bad arguments");
    lab_http_options o;
    lab_http_effective(&o, opts);
    char *path = NULL;
    cached c = {0};
    lab_http_resp r = {0};
    int rc = LAB_OK, used_cache = 0;
    if (o.cache_dir != NULL) {
        rc = status_cache_path(&path, o.cache_dir, url);
        if (rc == LAB_OK)
            rc = load_cached(&c, path, url, o.max_bytes);
        if (rc != LAB_OK)
            goto out;
    }
    if (c.have_meta && cached_age(&c) < o.max_age) {
        used_cache = 1;
        rc = hand_out(out, len, c.data, c.len);
        goto out;
    }
    lab_http_req req = {url, NULL, NULL, NULL, 0, &o};
    if (c.have_meta) {
        req.etag = c.meta.etag;
        req.last_modified = c.meta.last_modified;
    }
    rc = lab_http_get(&r, &req);
    if (rc == LAB_OK && r.status == 304 && c.have_meta) {
        used_cache = 1;
        rc = record_fetch(path, url, &r, c.sha256);
        if (rc == LAB_OK)
            rc = hand_out(out, len, c.data, c.len);
    } else if (rc == LAB_OK && r.status == 200) {
        char sha[65];
        rc = lab_sha256_hex(sha, r.body.data, r.body.len);
        /* the record first, as install() does */
        if (rc == LAB_OK && path != NULL)
            rc = record_fetch(path, url, &r, sha);
        if (rc == LAB_OK && path != NULL)
            rc = lab_cred_write_file(path, r.body.data, r.body.len, 1);
        if (rc == LAB_OK)
            rc = hand_out(out, len, r.body.data, r.body.len);
    } else if (rc == LAB_OK) {
        rc = lab_seterr(LAB_ENET, "GET %s: HTTP %ld", url, r.status);
    }
    if (rc == LAB_ENET) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", lab_errmsg());
        rc = lab_seterr(LAB_ENET, "status list unavailable: %s (%s)", msg,
                        c.exists ? "the cached copy is older than the "
                                   "maximum age and is not used"
                                 : "no cached copy");
    }
out:
    if (rc == LAB_OK && from_cache != NULL)
        *from_cache = used_cache;
    lab_http_resp_free(&r);
    cached_free(&c);
    free(path);
    return rc;
}
