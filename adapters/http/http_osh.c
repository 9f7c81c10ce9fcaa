/*
 * http_osh.c - Open Supply Hub facility lookups: GET
 * {base}/api/facilities/{os_id}/ with the token from an environment
 * variable in an "Authorization: Token" header, at most 100 calls a
 * minute per process (the service's limit), retried on 429 and 5xx by the
 * fetch layer.  The answer (a GeoJSON Feature) is reduced to the fields a
 * supplier record needs: name, address, country, coordinates and the
 * number of workers.
 */
#include "http/http.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OSH_DEFAULT_URL "https://opensupplyhub.org"

/* OS IDs are letters and digits (CN2019303BQ3FZP); anything else could
 * change the path we ask for. */
static int valid_os_id(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9')))
            return 0;
    }
    return 1;
}

static int valid_token(const char *t)
{
    if (t == NULL || *t == '\0' || strlen(t) > 1024)
        return 0;
    for (; *t; t++)
        if ((unsigned char)*t <= 0x20 || *t == 0x7f)
            return 0;
    return 1;
}

static json_t *str_or_null(json_t *v)
{
    return json_is_string(v) ? json_string(json_string_value(v)) : json_null();
}

/* number_of_workers: a number, a text, {"min", "max"}, or OSH's
 * extended field [{"value": ...}, ...]; given as text. */
static json_t *workers(json_t *v)
{
    if (json_is_array(v))
        v = json_object_get(json_array_get(v, 0), "value");
    if (json_is_integer(v))
        return json_sprintf("%" JSON_INTEGER_FORMAT, json_integer_value(v));
    if (json_is_string(v))
        return json_string(json_string_value(v));
    if (json_is_object(v)) {
        json_t *lo = json_object_get(v, "min"), *hi = json_object_get(v, "max");
        if (json_is_integer(lo) && json_is_integer(hi)) {
            if (json_integer_value(lo) == json_integer_value(hi))
                return json_sprintf("%" JSON_INTEGER_FORMAT,
                                    json_integer_value(lo));
            return json_sprintf("%" JSON_INTEGER_FORMAT
                                "-%" JSON_INTEGER_FORMAT,
                                json_integer_value(lo), json_integer_value(hi));
        }
    }
    return json_null();
}

/* The reduced record as "field: value" lines. */
static char *as_text(json_t *r)
{
    lab_buf b = LAB_BUF_INIT;
    const char *k;
    json_t *v;
    json_object_foreach(r, k, v)
    {
        if (json_is_string(v)) {
            /* Open Supply Hub text is data: neutralised for a terminal */
            lab_buf_printf(&b, "%s: ", k);
            lab_buf_add_terminal(&b, json_string_value(v),
                                 json_string_length(v));
            lab_buf_addc(&b, '\n');
        } else if (json_is_real(v))
            lab_buf_printf(&b, "%s: %.6f\n", k, json_real_value(v));
        else
            lab_buf_printf(&b, "%s: (unknown)\n", k);
    }
    char *s = NULL;
    return lab_buf_detach(&b, &s) == LAB_OK ? s : NULL;
}

static int reduce(char **out, const char *os_id, const lab_buf *body,
                  lab_format format)
{
    json_error_t je;
    json_t *doc =
        json_loadb(body->data, body->len, JSON_REJECT_DUPLICATES, &je);
    json_t *r = NULL;
    int rc = LAB_OK;
    if (!json_is_object(doc)) {
        rc = lab_seterr(LAB_EPARSE,
                        "Open Supply Hub answer for %s:%d:%d: not a JSON "
                        "object",
                        os_id, je.line, je.column);
        goto out;
    }
    json_t *p = json_object_get(doc, "properties");
    if (!json_is_object(p))
        p = doc;
    json_t *coords =
        json_object_get(json_object_get(doc, "geometry"), "coordinates");
    json_t *lng = json_array_get(coords, 0), *lat = json_array_get(coords, 1);
    json_t *w = json_object_get(p, "number_of_workers");
    if (w == NULL)
        w = json_object_get(json_object_get(p, "extended_fields"),
                            "number_of_workers");
    json_t *id = json_object_get(p, "os_id");
    if (!json_is_string(id))
        id = json_object_get(doc, "id");
    r = json_pack(
        "{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "os_id",
        json_is_string(id) ? str_or_null(id) : json_string(os_id), "name",
        str_or_null(json_object_get(p, "name")), "address",
        str_or_null(json_object_get(p, "address")), "country_code",
        str_or_null(json_object_get(p, "country_code")), "country_name",
        str_or_null(json_object_get(p, "country_name")), "lat",
        json_is_number(lat) ? json_real(json_number_value(lat)) : json_null(),
        "lng",
        json_is_number(lng) ? json_real(json_number_value(lng)) : json_null(),
        "number_of_workers", workers(w));
    if (r != NULL && format == LAB_FORMAT_TEXT) {
        *out = as_text(r);
    } else {
        char *s = r ? json_dumps(r, JSON_PRESERVE_ORDER | JSON_COMPACT |
                                        JSON_REAL_PRECISION(10))
                    : NULL;
        *out = s ? lab_strdup(s) : NULL;
        free(s);
    }
    if (*out == NULL)
        rc = lab_seterr(LAB_ENOMEM, "out of memory");
out:
    json_decref(r);
    json_decref(doc);
    return rc;
}

int lab_osh_facility(char **out, const char *os_id, lab_format format,
                     const lab_http_options *opts)
{
    if (out == NULL || os_id == NULL ||
        (format != LAB_FORMAT_TEXT && format != LAB_FORMAT_JSON) ||
        (opts != NULL &&
         (opts->version < 1 || opts->version > LAB_HTTP_OPTIONS_VERSION)))
        return lab_seterr(LAB_EINVAL, "lab_osh_facility: bad arguments");
    if (!valid_os_id(os_id))
        return lab_seterr(LAB_EINVAL,
                          "'%s' is not an OS ID (letters and digits only)",
                          os_id);
    const char *var = opts && opts->token_env ? opts->token_env : "OSH_TOKEN";
    const char *token = getenv(var);
    if (token == NULL || *token == '\0')
        return lab_seterr(LAB_EINVAL,
                          "no Open Supply Hub token: set the environment "
                          "variable %s",
                          var);
    if (!valid_token(token))
        return lab_seterr(LAB_EINVAL,
                          "the token in %s holds spaces or control "
                          "characters",
                          var);
    const char *base = opts && opts->osh_url ? opts->osh_url : OSH_DEFAULT_URL;
    size_t bl = strlen(base);
    while (bl > 0 && base[bl - 1] == '/')
        bl--;
    size_t n = bl + strlen(os_id) + sizeof "/api/facilities//";
    char *url = lab_malloc(n);
    if (url == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    snprintf(url, n, "%.*s/api/facilities/%s/", (int)bl, base, os_id);
    lab_http_req req = {url, NULL, NULL, token, 1, opts};
    lab_http_resp r = {0};
    int rc = lab_http_get(&r, &req);
    if (rc == LAB_OK && r.status == 404)
        rc = lab_seterr(LAB_ENOTFOUND,
                        "%s: no such facility on Open Supply Hub", os_id);
    else if (rc == LAB_OK && (r.status == 401 || r.status == 403))
        rc = lab_seterr(LAB_ENET,
                        "GET %s: HTTP %ld: Open Supply Hub refused the token "
                        "in %s",
                        url, r.status, var);
    else if (rc == LAB_OK && r.status != 200)
        rc = lab_seterr(LAB_ENET, "GET %s: HTTP %ld", url, r.status);
    if (rc == LAB_OK)
        rc = reduce(out, os_id, &r.body, format);
    lab_http_resp_free(&r);
    free(url);
    return rc;
}
