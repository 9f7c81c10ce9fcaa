/*
 * listmeta.c - reads and writes LIST.meta, the JSON record of where a
 * fetched reference list came from (see listmeta.h), and the defaults of
 * the HTTP options, which exist whether or not the HTTP adapter is built
 * so that hosts link the same way.  The reader is strict about types and
 * lengths because a metadata file may have been edited by hand.
 */
#include "listmeta.h"

#include "credential.h"

#include <jansson.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Largest metadata file read. */
enum { META_MAX = 64 * 1024 };

int lab_http_options_init(lab_http_options *opts, unsigned version)
{
    if (opts == NULL || version < 1 || version > LAB_HTTP_OPTIONS_VERSION)
        return lab_seterr(LAB_EVERSION,
                          "lab_http_options version %u is not supported "
                          "(this library knows versions 1 to %d)",
                          version, LAB_HTTP_OPTIONS_VERSION);
    lab_http_options d = LAB_HTTP_OPTIONS_INIT;
    d.version = version;
    /* a version 1 struct ends before max_shrink */
    memcpy(opts, &d,
           version == 1 ? offsetof(lab_http_options, max_shrink) : sizeof d);
    return LAB_OK;
}

static char *meta_path(const char *list_path)
{
    size_t n = strlen(list_path) + sizeof ".meta";
    char *p = lab_malloc(n);
    if (p != NULL)
        snprintf(p, n, "%s.meta", list_path);
    return p;
}

/* Copies member `key` of o into *dst when it is a string of printable
 * text; a missing or null member leaves *dst NULL. */
static int take(char **dst, json_t *o, const char *key, const char *file)
{
    json_t *v = json_object_get(o, key);
    if (v == NULL || json_is_null(v))
        return LAB_OK;
    if (!json_is_string(v) || json_string_length(v) > 4096)
        return lab_seterr(LAB_EPARSE, "%s: \"%s\" must be a short string", file,
                          key);
    const char *s = json_string_value(v);
    for (const char *c = s; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            return lab_seterr(
                LAB_EPARSE, "%s: \"%s\" holds a control character", file, key);
    *dst = lab_strdup(s);
    return *dst ? LAB_OK : lab_seterr(LAB_ENOMEM, "out of memory");
}

int lab_listmeta_read(lab_listmeta *m, const char *list_path)
{
    memset(m, 0, sizeof *m);
    char *path = meta_path(list_path), *text = NULL;
    size_t len = 0;
    json_t *o = NULL;
    int rc;
    if (path == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    if (access(path, F_OK) != 0) {
        rc = lab_seterr(LAB_ENOTFOUND, "%s: no metadata", path);
        goto out;
    }
    rc = lab_read_text_file(&text, &len, path, META_MAX);
    if (rc != LAB_OK)
        goto out;
    json_error_t je;
    o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(o)) {
        rc = lab_seterr(LAB_EPARSE, "%s:%d:%d: not a JSON object", path,
                        je.line, je.column);
        goto out;
    }
    char *digest = NULL;
    rc = take(&m->url, o, "url", path);
    if (rc == LAB_OK)
        rc = take(&m->fetched_at, o, "fetched_at", path);
    if (rc == LAB_OK)
        rc = take(&m->etag, o, "etag", path);
    if (rc == LAB_OK)
        rc = take(&m->last_modified, o, "last_modified", path);
    if (rc == LAB_OK)
        rc = take(&digest, o, "sha256", path);
    if (rc == LAB_OK && digest != NULL) {
        if (strlen(digest) == 64 && strspn(digest, "0123456789abcdef") == 64)
            memcpy(m->sha256, digest, 65);
        else
            rc = lab_seterr(LAB_EPARSE, "%s: \"sha256\" is not 64 hex digits",
                            path);
    }
    free(digest);
    if (rc == LAB_OK && m->fetched_at != NULL &&
        lab_listmeta_time(m->fetched_at) < 0)
        rc = lab_seterr(LAB_EPARSE, "%s: \"fetched_at\" is not RFC 3339 UTC",
                        path);
out:
    if (rc != LAB_OK)
        lab_listmeta_free(m);
    json_decref(o);
    free(text);
    free(path);
    return rc;
}

static int set_str(json_t *o, const char *key, const char *v)
{
    return json_object_set_new(o, key, v ? json_string(v) : json_null());
}

int lab_listmeta_write(const lab_listmeta *m, const char *list_path)
{
    json_t *o = json_object();
    char *path = meta_path(list_path), *text = NULL;
    int rc = LAB_ENOMEM;
    const char *const fields[][2] = {{"url", m->url},
                                     {"etag", m->etag},
                                     {"last_modified", m->last_modified}};
    for (size_t i = 0; i < LAB_ARRAY_LEN(fields); i++) {
        const char *v = fields[i][1];
        if (v != NULL && lab_utf8_check(v, strlen(v)) != strlen(v)) {
            /* jansson refuses it; say so rather than "out of memory" */
            rc = lab_seterr(LAB_EINVAL,
                            "%s.meta: the %s to record is not UTF-8; nothing "
                            "was written",
                            list_path, fields[i][0]);
            goto out_free;
        }
    }
    if (o == NULL || path == NULL)
        goto out;
    if (set_str(o, "url", m->url) || set_str(o, "fetched_at", m->fetched_at) ||
        set_str(o, "etag", m->etag) ||
        set_str(o, "last_modified", m->last_modified) ||
        set_str(o, "sha256", m->sha256[0] ? m->sha256 : NULL))
        goto out;
    text = json_dumps(o, JSON_INDENT(2) | JSON_ENSURE_ASCII);
    if (text == NULL)
        goto out;
    size_t n = strlen(text);
    text[n] = '\0';
    char *nl = realloc(text, n + 2);
    if (nl == NULL)
        goto out;
    text = nl;
    text[n] = '\n';
    text[n + 1] = '\0';
    rc = lab_cred_write_file(path, text, n + 1, 1);
out:
    if (rc == LAB_ENOMEM)
        lab_seterr(LAB_ENOMEM, "out of memory");
out_free:
    free(text);
    free(path);
    json_decref(o);
    return rc;
}

void lab_listmeta_free(lab_listmeta *m)
{
    free(m->url);
    free(m->fetched_at);
    free(m->etag);
    free(m->last_modified);
    memset(m, 0, sizeof *m);
}

void lab_listmeta_apply(lab_arena *a, const char *list_path, const char *sha256,
                        const char **source, const char **fetched_at)
{
    lab_listmeta m;
    if (lab_listmeta_read(&m, list_path) != LAB_OK) {
        lab_clearerr();
        return;
    }
    if (m.url != NULL && strcmp(m.sha256, sha256) == 0) {
        *source = lab_arena_strndup(a, m.url, strlen(m.url));
        if (m.fetched_at != NULL)
            *fetched_at =
                lab_arena_strndup(a, m.fetched_at, strlen(m.fetched_at));
    }
    lab_listmeta_free(&m);
}

int64_t lab_listmeta_time(const char *s)
{
    int64_t t = 0;
    size_t n = s ? strlen(s) : 0;
    if (n != 20 || s[19] != 'Z' || lab_time_parse(&t, s) != LAB_OK)
        return -1;
    return t;
}
