/*
 * http_fetch.c - the one place labaudit talks HTTP.  libcurl is set up
 * once per process under pthread_once (and never cleaned up: the host may
 * use libcurl too); each GET gets its own easy handle restricted to https
 * (plain http only to 127.0.0.1 and ::1, for tests), with redirects only
 * to https and at most 5, peer and host verification that no option turns
 * off, connect and total timeouts and a size cap enforced in the write
 * callback.  429 and 5xx answers are retried with exponential backoff, or
 * after the server's Retry-After, but only while the whole fetch, retries
 * and waits included, stays within the total timeout: each attempt gets
 * what is left of it, and a wait that would end past it is not begun (the
 * last 429 or 5xx is then the answer).  A token travels only in a request
 * header: it is never logged, put in a message or kept after the call.
 */
#include "http/http.h"

#include <curl/curl.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

enum {
    DEF_CONNECT_TIMEOUT = 10,
    DEF_TIMEOUT = 60,
    MAX_REDIRECTS = 5,
    MAX_RETRY_WAIT = 60,  /* longest Retry-After honoured, seconds */
    MAX_BACKOFF = 30,     /* longest backoff between retries, seconds */
    RATE_PER_MINUTE = 100 /* Open Supply Hub's limit */
};
#define DEF_MAX_BYTES LAB_INPUT_MAX
#define DEF_MAX_SHRINK 0.5 /* a refresh may lose at most half the entries */

/* ---- process-wide state: libcurl's init and the rate limiter ---- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;

static void curl_init(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static pthread_mutex_t bucket_lock = PTHREAD_MUTEX_INITIALIZER;
static double bucket_tokens = RATE_PER_MINUTE;
static double bucket_time = -1;

static double now_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_seconds(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    while (s > 0 && nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Token bucket: RATE_PER_MINUTE tokens, refilled continuously; waits
 * until one is free. */
static void rate_take(void)
{
    for (;;) {
        double wait;
        pthread_mutex_lock(&bucket_lock);
        double t = now_mono();
        if (bucket_time >= 0)
            bucket_tokens += (t - bucket_time) * RATE_PER_MINUTE / 60.0;
        if (bucket_tokens > RATE_PER_MINUTE)
            bucket_tokens = RATE_PER_MINUTE;
        bucket_time = t;
        if (bucket_tokens >= 1) {
            bucket_tokens -= 1;
            pthread_mutex_unlock(&bucket_lock);
            return;
        }
        wait = (1 - bucket_tokens) * 60.0 / RATE_PER_MINUTE;
        pthread_mutex_unlock(&bucket_lock);
        sleep_seconds(wait);
    }
}

void lab_http_effective(lab_http_options *out, const lab_http_options *in)
{
    lab_http_options d = LAB_HTTP_OPTIONS_INIT;
    *out = d;
    /* a version 1 struct ends before max_shrink */
    if (in != NULL)
        memcpy(out, in,
               in->version < 2 ? offsetof(lab_http_options, max_shrink)
                               : sizeof *out);
    if (!(out->max_shrink > 0 && out->max_shrink <= 1))
        out->max_shrink = DEF_MAX_SHRINK;
    if (out->connect_timeout == 0)
        out->connect_timeout = DEF_CONNECT_TIMEOUT;
    if (out->timeout == 0)
        out->timeout = DEF_TIMEOUT;
    if (out->max_bytes == 0)
        out->max_bytes = DEF_MAX_BYTES;
}

/* ---- the URL rule ---- */

/* Checks the URL: https, or http to a loopback address.  Sets *loopback
 * when the host is 127.0.0.1 or ::1. */
static int check_url(const char *url, int *plain, int *loopback)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *user = NULL;
    int rc = LAB_OK;
    if (u == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
        rc = lab_seterr(LAB_EINVAL, "'%s' is not a URL", url);
        goto out;
    }
    if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK) {
        rc = lab_seterr(LAB_EINVAL,
                        "a URL must not carry credentials; give a token "
                        "in an environment variable instead");
        goto out;
    }
    *loopback = strcmp(host, "127.0.0.1") == 0 || strcmp(host, "[::1]") == 0;
    *plain = strcasecmp(scheme, "http") == 0;
    if (strcasecmp(scheme, "https") != 0 && !(*plain && *loopback))
        rc = lab_seterr(LAB_EINVAL,
                        "%s: refused: only https is allowed (plain http "
                        "only to 127.0.0.1 or ::1)",
                        url);
out:
    curl_free(scheme);
    curl_free(host);
    curl_free(user);
    curl_url_cleanup(u);
    return rc;
}

/* ---- callbacks ---- */

typedef struct xfer {
    lab_buf *body;
    size_t cap;
    int too_big;
    char *etag;
    char *last_modified;
    long retry_after; /* seconds, -1 when absent */
} xfer;

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    xfer *x = ud;
    size_t len = size * n;
    if (len > x->cap || x->body->len > x->cap - len) {
        x->too_big = 1;
        return 0; /* aborts the transfer */
    }
    lab_buf_add(x->body, p, len);
    return x->body->oom ? 0 : len;
}

/* A header value without surrounding blanks; NULL if it holds control
 * characters (it may end up in a file and in a later request). */
static char *header_value(const char *p, size_t n)
{
    while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r' || p[n - 1] == ' ' ||
                     p[n - 1] == '\t'))
        n--;
    while (n > 0 && (*p == ' ' || *p == '\t')) {
        p++;
        n--;
    }
    if (n == 0 || n > 1024)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
            return NULL;
    return lab_strndup(p, n);
}

static long parse_retry_after(const char *v)
{
    if (v[0] >= '0' && v[0] <= '9') {
        char *end = NULL;
        long s = strtol(v, &end, 10);
        return *end == '\0' && s >= 0 ? s : -1;
    }
    time_t when = curl_getdate(v, NULL);
    if (when < 0)
        return -1;
    time_t now = time(NULL);
    return when > now ? (long)(when - now) : 0;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    xfer *x = ud;
    size_t len = size * n;
    if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) {
        /* a new response (after a redirect): forget the last one's */
        free(x->etag);
        free(x->last_modified);
        x->etag = x->last_modified = NULL;
        x->retry_after = -1;
        return len;
    }
    const char *colon = memchr(p, ':', len);
    if (colon == NULL)
        return len;
    size_t nl = (size_t)(colon - p);
    char *v = header_value(colon + 1, len - nl - 1);
    if (v == NULL)
        return len;
    if (lab_utf8_check(v, strlen(v)) != strlen(v)) {
        /* Not UTF-8 (an ETag of obs-text, say): treated as absent, so it
         * is neither recorded nor sent back. */
        free(v);
        return len;
    }
    if (nl == 4 && strncasecmp(p, "etag", 4) == 0) {
        free(x->etag);
        x->etag = v;
    } else if (nl == 13 && strncasecmp(p, "last-modified", 13) == 0) {
        free(x->last_modified);
        x->last_modified = v;
    } else {
        if (nl == 11 && strncasecmp(p, "retry-after", 11) == 0)
            x->retry_after = parse_retry_after(v);
        free(v);
    }
    return len;
}

/* ---- one transfer ---- */

static int add_header(struct curl_slist **h, const char *name,
                      const char *value)
{
    size_t n = strlen(name) + strlen(value) + 3;
    char *line = lab_malloc(n);
    if (line == NULL)
        return LAB_ENOMEM;
    snprintf(line, n, "%s: %s", name, value);
    struct curl_slist *t = curl_slist_append(*h, line);
    OPENSSL_cleanse(line, n); /* it may hold the token */
    free(line);
    if (t == NULL)
        return LAB_ENOMEM;
    *h = t;
    return LAB_OK;
}

/* Frees a header list, wiping its lines (one may hold the token). */
static void free_headers(struct curl_slist *h)
{
    for (struct curl_slist *s = h; s != NULL; s = s->next)
        OPENSSL_cleanse(s->data, strlen(s->data));
    curl_slist_free_all(h);
}

static int set_options(CURL *c, const lab_http_req *req,
                       const lab_http_options *o, int plain, int loopback,
                       xfer *x, struct curl_slist *headers, char *errbuf)
{
    int bad = 0;
    bad |= curl_easy_setopt(c, CURLOPT_URL, req->url) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR,
                            plain ? "http,https" : "https") != CURLE_OK;
    bad |=
        curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "https") != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L) != CURLE_OK;
    bad |=
        curl_easy_setopt(c, CURLOPT_MAXREDIRS, (long)MAX_REDIRECTS) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK;
    if (o->ca_file != NULL) {
        bad |= curl_easy_setopt(c, CURLOPT_CAINFO, o->ca_file) != CURLE_OK;
        bad |= curl_easy_setopt(c, CURLOPT_CAPATH, NULL) != CURLE_OK;
    }
    bad |= curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT,
                            (long)o->connect_timeout) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)o->timeout) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE,
                            (curl_off_t)o->max_bytes) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_WRITEDATA, x) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_HEADERDATA, x) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_USERAGENT,
                            "labaudit/" LAB_VERSION_STRING) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers) != CURLE_OK;
    if (loopback) /* a proxy must not see (or break) loopback tests */
        bad |= curl_easy_setopt(c, CURLOPT_NOPROXY, "*") != CURLE_OK;
    if (bad)
        return lab_seterr(LAB_ENET,
                          "this libcurl lacks an option labaudit needs "
                          "(7.85 or newer is required)");
    return LAB_OK;
}

/* Turns a failed transfer into a message and a failure class. */
static int transfer_error(lab_http_resp *r, const lab_http_req *req, CURL *c,
                          CURLcode cc, const xfer *x, const char *errbuf)
{
    long redirects = 0;
    curl_easy_getinfo(c, CURLINFO_REDIRECT_COUNT, &redirects);
    const char *detail = errbuf[0] ? errbuf : curl_easy_strerror(cc);
    r->fail = LAB_HTTP_FAIL_REFUSED;
    switch (cc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
        r->fail = LAB_HTTP_FAIL_UNREACHABLE;
        return lab_seterr(LAB_ENET, "GET %s: %s", req->url,
                          cc == CURLE_OPERATION_TIMEDOUT ? "timed out"
                          : cc == CURLE_COULDNT_CONNECT  ? "could not connect"
                                                         : detail);
    case CURLE_WRITE_ERROR:
    case CURLE_FILESIZE_EXCEEDED:
        if (x->too_big || cc == CURLE_FILESIZE_EXCEEDED)
            return lab_seterr(LAB_ENET,
                              "GET %s: refused: the response is larger than "
                              "%zu bytes",
                              req->url, req->opts->max_bytes);
        return lab_seterr(LAB_ENOMEM, "GET %s: out of memory", req->url);
    case CURLE_UNSUPPORTED_PROTOCOL:
        if (redirects > 0)
            return lab_seterr(LAB_ENET,
                              "GET %s: refused: a redirect to a non-https "
                              "address",
                              req->url);
        break;
    case CURLE_TOO_MANY_REDIRECTS:
        return lab_seterr(LAB_ENET, "GET %s: refused: more than %d redirects",
                          req->url, MAX_REDIRECTS);
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CONNECT_ERROR:
        return lab_seterr(LAB_ENET,
                          "GET %s: TLS verification failed: %s (the server's "
                          "certificate is not trusted)",
                          req->url, detail);
    default:
        break;
    }
    return lab_seterr(LAB_ENET, "GET %s: %s", req->url, detail);
}

/* Gives the next attempt what is left of the fetch's time; 0 when none
 * is left. */
static int time_left(CURL *c, const lab_http_options *o, double deadline)
{
    double left = deadline - now_mono();
    if (left < 0.001)
        return 0;
    long ms = (long)(left * 1000);
    long connect_ms = (long)o->connect_timeout * 1000;
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                     connect_ms < ms ? connect_ms : ms);
    return 1;
}

/* Seconds to wait before retry number `attempt` (0-based). */
static double retry_wait(const xfer *x, unsigned attempt)
{
    if (x->retry_after >= 0)
        return (double)(x->retry_after < MAX_RETRY_WAIT ? x->retry_after
                                                        : MAX_RETRY_WAIT);
    double w = (double)(1u << (attempt < 5 ? attempt : 5));
    return w < MAX_BACKOFF ? w : MAX_BACKOFF;
}

static int build_headers(struct curl_slist **h, const lab_http_req *req)
{
    int rc = LAB_OK;
    if (req->etag != NULL)
        rc = add_header(h, "If-None-Match", req->etag);
    if (rc == LAB_OK && req->last_modified != NULL)
        rc = add_header(h, "If-Modified-Since", req->last_modified);
    if (rc == LAB_OK && req->token != NULL) {
        size_t n = strlen(req->token) + sizeof "Token ";
        char *v = lab_malloc(n);
        if (v == NULL)
            return LAB_ENOMEM;
        snprintf(v, n, "Token %s", req->token);
        rc = add_header(h, "Authorization", v);
        OPENSSL_cleanse(v, n);
        free(v);
    }
    if (rc == LAB_OK)
        rc = add_header(h, "Accept", "*/*");
    return rc == LAB_OK ? rc : lab_seterr(rc, "out of memory");
}

int lab_http_get(lab_http_resp *resp, const lab_http_req *req)
{
    lab_http_options o;
    lab_http_effective(&o, req->opts);
    lab_http_req rq = *req;
    rq.opts = &o;
    lab_http_resp r = {0, LAB_BUF_INIT, NULL, NULL, LAB_HTTP_FAIL_NONE};
    xfer x = {&r.body, o.max_bytes, 0, NULL, NULL, -1};
    struct curl_slist *headers = NULL;
    char errbuf[CURL_ERROR_SIZE] = "";
    int plain = 0, loopback = 0;
    CURL *c = NULL;

    int rc = check_url(req->url, &plain, &loopback);
    if (rc != LAB_OK) {
        resp->fail = LAB_HTTP_FAIL_REFUSED;
        return rc;
    }
    pthread_once(&curl_once, curl_init);
    if (curl_init_rc != CURLE_OK)
        return lab_seterr(LAB_ENET, "libcurl could not be initialised: %s",
                          curl_easy_strerror(curl_init_rc));
    rc = build_headers(&headers, req);
    if (rc != LAB_OK)
        goto out;
    c = curl_easy_init();
    if (c == NULL) {
        rc = lab_seterr(LAB_ENOMEM, "out of memory");
        goto out;
    }
    rc = set_options(c, &rq, &o, plain, loopback, &x, headers, errbuf);
    double deadline = now_mono() + (double)o.timeout;
    for (unsigned attempt = 0; rc == LAB_OK; attempt++) {
        if (req->rate_limited)
            rate_take();
        if (!time_left(c, &o, deadline)) {
            if (attempt == 0) { /* the rate limiter took it all */
                r.fail = LAB_HTTP_FAIL_UNREACHABLE;
                rc = lab_seterr(LAB_ENET, "GET %s: timed out", req->url);
            }
            break;
        }
        r.body.len = 0;
        x.too_big = 0;
        errbuf[0] = '\0';
        CURLcode cc = curl_easy_perform(c);
        if (cc != CURLE_OK) {
            rc = transfer_error(&r, &rq, c, cc, &x, errbuf);
            break;
        }
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
        int transient = r.status == 429 || r.status >= 500;
        if (!transient || attempt >= o.retries)
            break;
        double wait = retry_wait(&x, attempt);
        if (now_mono() + wait >= deadline)
            break; /* no time for another attempt: this answer stands */
        sleep_seconds(wait);
    }
    if (rc == LAB_OK && r.body.data == NULL)
        lab_buf_adds(&r.body, "");
    if (rc == LAB_OK && r.body.oom)
        rc = lab_seterr(LAB_ENOMEM, "out of memory");
out:
    curl_easy_cleanup(c);
    free_headers(headers);
    r.etag = x.etag;
    r.last_modified = x.last_modified;
    if (rc != LAB_OK) {
        resp->fail = r.fail ? r.fail : LAB_HTTP_FAIL_REFUSED;
        lab_http_resp_free(&r);
        return rc;
    }
    *resp = r;
    return LAB_OK;
}

void lab_http_resp_free(lab_http_resp *resp)
{
    if (resp == NULL)
        return;
    lab_buf_free(&resp->body);
    free(resp->etag);
    free(resp->last_modified);
    resp->etag = resp->last_modified = NULL;
}
