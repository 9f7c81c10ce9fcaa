/*
 * http.h - the HTTP adapter's fetch layer, internal to the library: one
 * GET with libcurl under the project's rules (https only, plain http only
 * to loopback; verification always on; redirects only to https, at most
 * 5; timeouts; a size cap; retries with backoff on 429 and 5xx honouring
 * Retry-After; an optional rate limit).  Every call makes and frees its
 * own easy handle, so any thread may call it.
 */
#ifndef LAB_HTTP_H
#define LAB_HTTP_H

#include "internal.h"

/* How a failed transfer failed: the caller falls back to a cache only
 * when the server could not be reached. */
typedef enum lab_http_fail {
    LAB_HTTP_FAIL_NONE = 0,
    LAB_HTTP_FAIL_UNREACHABLE = 1, /* refused, timed out, unknown host */
    LAB_HTTP_FAIL_REFUSED = 2      /* TLS, redirect, size cap, bad URL... */
} lab_http_fail;

typedef struct lab_http_req {
    const char *url;
    const char *etag;          /* sent as If-None-Match, or NULL */
    const char *last_modified; /* sent as If-Modified-Since, or NULL */
    const char *token;         /* secret: "Authorization: Token ..." */
    int rate_limited;          /* take a token from the OSH bucket */
    const lab_http_options *opts;
} lab_http_req;

typedef struct lab_http_resp {
    long status; /* HTTP status of the last attempt, 0 if none */
    lab_buf body;
    char *etag;
    char *last_modified;
    lab_http_fail fail;
} lab_http_resp;

/* Performs the GET.  LAB_OK when an HTTP answer arrived (any status: a
 * 429 or 5xx is what remained after the retries); LAB_ENET (resp->fail
 * says how) or LAB_EINVAL (a URL we refuse) otherwise, with a message
 * that names the URL but never the token. */
int lab_http_get(lab_http_resp *resp, const lab_http_req *req);
void lab_http_resp_free(lab_http_resp *resp);

/* The options with defaults filled in for zero fields. */
void lab_http_effective(lab_http_options *out, const lab_http_options *in);

#endif /* LAB_HTTP_H */
