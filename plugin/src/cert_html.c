/*
 * cert_html.c - the certificate page: one self-contained HTML file that a
 * shopper reads from the top (is it valid, what is claimed, for which
 * product and lots, by whom, until when, with a QR code to pass it on)
 * and an auditor reads to the end (the key and algorithm, revocation and
 * evidence checks, and the scope: every facility by tier with its OS ID,
 * the rule packs and reference lists with their SHA-256, the audit
 * reports' digests, findings below blocker and waivers).  It is made from
 * lab_verify()'s JSON result.  On top it says who assessed the claim
 * ("Self-declared by ISSUER", or "Assessed by BODY under SCHEME") and when
 * it was checked; when the certificate is not valid (revoked, suspended,
 * expired...) the card is greyed out, the claim struck through and the
 * reason said in words.  The page gives no command lines: it is meant for
 * consumers.  The QR code comes from libqrencode when the library was
 * built with it.
 */
#include "credential.h"
#include "report_html.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#if LAB_HAVE_QRENCODE
#include <qrencode.h>
#endif

/* Largest token put in a QR code itself (version 40-L holds 2953 bytes). */
enum { QR_MAX_TOKEN = 2900 };

static const char cert_css[] =
    ".card{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start;"
    "background:#fff;border:1px solid #d5d8dc;border-radius:10px;"
    "padding:18px 22px;margin:18px 0}"
    ".card .what{flex:1 1 480px}.claim{font-size:24px;font-weight:bold;"
    "margin:6px 0 10px}"
    ".badge{display:inline-block;font-size:18px;font-weight:bold;"
    "padding:6px 16px;border-radius:18px}"
    ".ok{background:#abebc6;color:#145a32}.bad{background:#f1948a;"
    "color:#641e16}"
    ".qr{text-align:center;width:240px}.qr svg{width:220px;height:220px}"
    ".qr p{font-size:12px;color:#5d6d7e;word-break:break-all}"
    "dl{display:grid;grid-template-columns:max-content auto;gap:4px 14px;"
    "margin:0}dt{color:#5d6d7e}dd{margin:0}"
    ".who{font-size:20px;font-weight:bold;margin:0 0 8px}"
    ".level{color:#5d6d7e;margin:0 0 10px}"
    ".checked{color:#5d6d7e;font-size:14px;margin:8px 0 0}"
    ".void .claim{text-decoration:line-through;color:#7f8c8d}"
    ".void .who,.void dl,.void .qr{color:#7f8c8d;filter:grayscale(1);"
    "opacity:.6}"
    ".why{font-weight:bold;color:#641e16;margin:8px 0 0}";

static const char *str(const json_t *o, const char *key)
{
    const json_t *v = json_is_object(o) ? json_object_get(o, key) : NULL;
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static const json_t *obj(const json_t *o, const char *key)
{
    const json_t *v = json_is_object(o) ? json_object_get(o, key) : NULL;
    return json_is_object(v) ? v : NULL;
}

static const json_t *arr(const json_t *o, const char *key)
{
    const json_t *v = json_is_object(o) ? json_object_get(o, key) : NULL;
    return json_is_array(v) ? v : NULL;
}

/* A scalar as text in a table cell (strings escaped, numbers, booleans). */
static void cell(lab_buf *b, const json_t *v)
{
    lab_buf_adds(b, "<td>");
    if (json_is_string(v))
        lab_buf_add_esc(b, json_string_value(v));
    else if (json_is_integer(v))
        lab_buf_printf(b, "%lld", (long long)json_integer_value(v));
    else if (json_is_true(v))
        lab_buf_adds(b, "yes");
    else if (json_is_false(v))
        lab_buf_adds(b, "no");
    lab_buf_adds(b, "</td>");
}

/* A table of the array's objects, one column per key (as "key" or
 * "key.sub" for one level of nesting), with the given headings. */
static void table(lab_buf *b, const char *id, const char *title,
                  const json_t *a, const char *const *keys,
                  const char *const *heads, size_t ncols)
{
    size_t n = a ? json_array_size(a) : 0;
    lab_buf_printf(b, "<h2 id=\"%s\">", id);
    lab_buf_add_esc(b, title);
    lab_buf_printf(b, " (%zu)</h2>\n", n);
    if (n == 0) {
        lab_buf_adds(b, "<p class=\"note\">None.</p>\n");
        return;
    }
    lab_buf_adds(b, "<table><tr>");
    for (size_t c = 0; c < ncols; c++) {
        lab_buf_adds(b, "<th>");
        lab_buf_add_esc(b, heads[c]);
        lab_buf_adds(b, "</th>");
    }
    lab_buf_adds(b, "</tr>\n");
    for (size_t i = 0; i < n; i++) {
        const json_t *row = json_array_get(a, i);
        lab_buf_adds(b, "<tr>");
        for (size_t c = 0; c < ncols; c++) {
            const char *dot = strchr(keys[c], '.');
            const json_t *v = NULL;
            if (dot == NULL) {
                v = json_is_object(row) ? json_object_get(row, keys[c]) : NULL;
            } else {
                char outer[32];
                size_t len = (size_t)(dot - keys[c]);
                if (len >= sizeof outer)
                    len = sizeof outer - 1;
                memcpy(outer, keys[c], len);
                outer[len] = '\0';
                const json_t *o = obj(row, outer);
                v = o ? json_object_get(o, dot + 1) : NULL;
            }
            cell(b, v);
        }
        lab_buf_adds(b, "</tr>\n");
    }
    lab_buf_adds(b, "</table>\n");
}

/* The QR code as inline SVG: one path of dark runs, row by row, inside a
 * four-module quiet zone.  Returns 0 when the data does not fit. */
static int qr_svg(lab_buf *b, const char *data, size_t n)
{
#if LAB_HAVE_QRENCODE
    QRcode *qr = QRcode_encodeData((int)n, (const unsigned char *)data, 0,
                                   n > 1200 ? QR_ECLEVEL_L : QR_ECLEVEL_M);
    if (qr == NULL)
        return 0;
    int w = qr->width, size = w + 8;
    lab_buf_printf(b,
                   "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"qr\" "
                   "viewBox=\"0 0 %d %d\" shape-rendering=\"crispEdges\" "
                   "role=\"img\" aria-label=\"QR code\"><rect width=\"%d\" "
                   "height=\"%d\" fill=\"#fff\"/><path fill=\"#000\" d=\"",
                   size, size, size, size);
    for (int y = 0; y < w; y++) {
        for (int x = 0; x < w;) {
            if (!(qr->data[y * w + x] & 1)) {
                x++;
                continue;
            }
            int run = 0;
            while (x + run < w && (qr->data[y * w + x + run] & 1))
                run++;
            lab_buf_printf(b, "M%d %dh%dv1h-%dz", x + 4, y + 4, run, run);
            x += run;
        }
    }
    lab_buf_adds(b, "\"/></svg>");
    QRcode_free(qr);
    return 1;
#else
    (void)b;
    (void)data;
    (void)n;
    return 0;
#endif
}

static void render_qr(lab_buf *b, const char *url, const char *cert,
                      size_t cert_len, const char *cred_id)
{
    lab_buf_adds(b, "<div class=\"qr\">");
    if (!LAB_HAVE_QRENCODE) {
        lab_buf_adds(b, "<p id=\"qr-note\">No QR code: this labaudit was "
                        "built without libqrencode.</p></div>\n");
        return;
    }
    if (url != NULL && qr_svg(b, url, strlen(url))) {
        lab_buf_adds(b, "<p id=\"qr-note\">Scan to open ");
        lab_buf_add_esc(b, url);
    } else if (cert != NULL && cert_len <= QR_MAX_TOKEN &&
               qr_svg(b, cert, cert_len)) {
        lab_buf_adds(b, "<p id=\"qr-note\">The QR code holds the whole "
                        "certificate: scan it into any verifier.");
    } else if (cred_id != NULL && qr_svg(b, cred_id, strlen(cred_id))) {
        lab_buf_adds(b, "<p id=\"qr-note\">The certificate is too long for a "
                        "QR code; this one carries its id ");
        lab_buf_add_esc(b, cred_id);
        lab_buf_adds(b, ". Ask the issuer for the certificate itself.");
    } else {
        lab_buf_adds(b, "<p id=\"qr-note\">No QR code: nothing short enough "
                        "to carry.");
    }
    lab_buf_adds(b, "</p></div>\n");
}

static void dl_item(lab_buf *b, const char *term, const char *value)
{
    if (value == NULL)
        return;
    lab_buf_adds(b, "<dt>");
    lab_buf_add_esc(b, term);
    lab_buf_adds(b, "</dt><dd>");
    lab_buf_add_esc(b, value);
    lab_buf_adds(b, "</dd>");
}

/* What a reason code means, for a shopper. */
static const char *reason_words(const char *reason)
{
    static const char *const words[][2] = {
        {"bad_signature", "the signature does not match: the certificate was "
                          "changed, or not signed by its issuer"},
        {"untrusted_issuer", "it is not signed by an issuer or key this "
                             "check trusts"},
        {"alg_not_allowed", "it is signed with a method that is not allowed"},
        {"malformed", "it is damaged or not a certificate"},
        {"not_yet_valid", "it is not valid yet"},
        {"expired", "it has expired"},
        {"revoked", "it has been revoked by its issuer"},
        {"suspended", "it has been suspended by its issuer, for example "
                      "while a corrective action is open"},
        {"evidence_mismatch", "an audit report does not match the one the "
                              "certificate names"},
        {"status_unavailable", "whether it has been revoked could not be "
                               "checked"},
        {"status_stale", "the list saying whether it has been revoked is out "
                         "of date"},
    };
    for (size_t i = 0; reason != NULL && i < sizeof words / sizeof words[0];
         i++)
        if (strcmp(reason, words[i][0]) == 0)
            return words[i][1];
    return "it could not be verified";
}

/* Who assessed the claim, from the attestation: the line on top. */
static void render_who(lab_buf *b, const json_t *cred, const json_t *subj,
                       const json_t *a0)
{
    const json_t *auditor = obj(a0, "auditor");
    const json_t *scope = obj(subj, "scope");
    const char *level = str(subj, "assessorLevel");
    const char *alevel = str(subj, "assessmentLevel");
    const char *issuer = str(obj(cred, "issuer"), "name");
    if (issuer == NULL)
        issuer = str(obj(cred, "issuer"), "id");
    if (auditor == NULL || level == NULL || strcmp(level, "Self") == 0) {
        lab_buf_adds(b, "<p class=\"who\" id=\"who\">Self-declared by ");
        lab_buf_add_esc(b, issuer ? issuer : "its issuer");
        lab_buf_adds(b, "</p><p class=\"level\">The issuer checked this "
                        "claim itself: no independent body assessed "
                        "it.</p>");
        return;
    }
    lab_buf_adds(b, "<p class=\"who\" id=\"who\">Assessed by ");
    lab_buf_add_esc(b, str(auditor, "name") ? str(auditor, "name")
                                            : str(auditor, "id"));
    /* labaudit's own rule packs as the scheme are not a scheme to name */
    const char *sid = str(scope, "id");
    if (str(scope, "name") != NULL &&
        (sid == NULL || strncmp(sid, "urn:labaudit:", 13) != 0)) {
        lab_buf_adds(b, " under ");
        lab_buf_add_esc(b, str(scope, "name"));
        if (str(scope, "version") != NULL) {
            lab_buf_adds(b, " (version ");
            lab_buf_add_esc(b, str(scope, "version"));
            lab_buf_adds(b, ")");
        }
    }
    lab_buf_adds(b, "</p><p class=\"level\">");
    if (strcmp(level, "3rdParty") == 0)
        lab_buf_adds(b, alevel && strcmp(alevel, "Accredited") == 0
                            ? "An accredited, independent (third-party) "
                              "assessment"
                            : "An independent (third-party) assessment");
    else if (strcmp(level, "Buyer") == 0)
        lab_buf_adds(b, "A second-party assessment (by or for a buyer), "
                        "not an independent one");
    else
        lab_buf_adds(b, "An assessment by a party with a relationship to "
                        "the product");
    lab_buf_adds(b, "; issued by ");
    lab_buf_add_esc(b, issuer ? issuer : "its issuer");
    lab_buf_adds(b, ".</p>");
}

/* When the checks were made: the result's own time if it gives one, else
 * now (the page is made right after the verification). */
static void render_checked(lab_buf *b, const json_t *res)
{
    const char *at =
        str(res, "checked_at") ? str(res, "checked_at") : str(res, "at");
    char now[21];
    if (at == NULL) {
        lab_time_format(now, lab_time_now());
        at = now;
    }
    lab_buf_adds(b, "<p class=\"checked\" id=\"checked\">Checked on ");
    if (strlen(at) == 20 && at[10] == 'T' && at[19] == 'Z') {
        lab_buf_printf(b, "%.10s at %.8s UTC", at, at + 11);
    } else {
        lab_buf_add_esc(b, at);
    }
    lab_buf_adds(b, "</p>");
}

/* The card on top: who assessed it, result, claim, product, lots, issuer,
 * validity, QR.  A certificate that is not valid is greyed out, its claim
 * struck through, and the reason said in words. */
static void render_card(lab_buf *b, const json_t *res, const char *url,
                        const char *cert, size_t cert_len)
{
    const json_t *cred = obj(res, "credential");
    const json_t *subj = obj(cred, "credentialSubject");
    const json_t *as = arr(subj, "assessment");
    const json_t *a0 = as ? json_array_get(as, 0) : NULL;
    const json_t *prods = arr(a0, "assessedProduct");
    const json_t *p0 = obj(prods ? json_array_get(prods, 0) : NULL, "product");
    int valid = json_is_true(json_object_get(res, "valid"));

    lab_buf_adds(b, valid ? "<div class=\"card\" id=\"card\">"
                          : "<div class=\"card void\" id=\"card\">");
    lab_buf_adds(b, "<div class=\"what\">");
    render_who(b, cred, subj, a0);
    if (valid) {
        lab_buf_adds(b, "<span class=\"badge ok\" id=\"result\">&#10003; "
                        "Verified</span>");
    } else {
        const char *reason = str(res, "reason");
        lab_buf_adds(b, "<span class=\"badge bad\" id=\"result\">&#10007; ");
        lab_buf_adds(b,
                     reason && strcmp(reason, "revoked") == 0     ? "Revoked"
                     : reason && strcmp(reason, "suspended") == 0 ? "Suspended"
                     : reason && strcmp(reason, "expired") == 0   ? "Expired"
                                                                : "Not valid");
        lab_buf_adds(b, "</span><p class=\"why\" id=\"why\">This "
                        "certificate is not valid: ");
        lab_buf_add_esc(b, reason_words(reason));
        lab_buf_adds(b, ". What follows is what it claims, unverified.</p>");
    }
    render_checked(b, res);
    lab_buf_adds(b, "<p class=\"claim\" id=\"claim\">");
    lab_buf_adds(b, valid ? "" : "<s>");
    lab_buf_add_esc(b, str(a0, "claim") ? str(a0, "claim")
                                        : str(subj, "description"));
    lab_buf_adds(b, valid ? "" : "</s>");
    lab_buf_adds(b, "</p><dl>");
    dl_item(b, "product", str(p0, "name"));
    dl_item(b, "product id", str(p0, "registeredId"));
    const json_t *lots = arr(a0, "lots");
    if (lots != NULL && json_array_size(lots) > 0) {
        lab_buf_adds(b, "<dt>lots</dt><dd>");
        for (size_t i = 0; i < json_array_size(lots); i++) {
            if (i > 0)
                lab_buf_adds(b, ", ");
            lab_buf_add_esc(b, json_string_value(json_array_get(lots, i)));
        }
        lab_buf_adds(b, "</dd>");
    }
    const json_t *iss = obj(cred, "issuer");
    dl_item(b, "issued by", str(iss, "name"));
    dl_item(b, "issuer id", str(iss, "id"));
    dl_item(b, "valid from", str(cred, "validFrom"));
    dl_item(b, "valid until", str(cred, "validUntil"));
    dl_item(b, "assessed on", str(a0, "assessmentDate"));
    dl_item(b, "result of the check", str(a0, "result"));
    lab_buf_adds(b, "</dl></div>\n");
    render_qr(b, url, cert, cert_len, str(cred, "id"));
    lab_buf_adds(b, "</div>\n");
}

/* For the auditor: how it was verified, then the whole scope. */
static void render_scope(lab_buf *b, const json_t *res)
{
    const json_t *cred = obj(res, "credential");
    const json_t *subj = obj(cred, "credentialSubject");
    const json_t *as = arr(subj, "assessment");
    const json_t *a0 = as ? json_array_get(as, 0) : NULL;
    const json_t *scope = obj(subj, "scope");
    const json_t *st = obj(cred, "credentialStatus");
    const json_t *ev = json_object_get(res, "evidence_checked");

    lab_buf_adds(b, "<h2 id=\"verification\">Verification</h2><dl>");
    dl_item(b, "certificate id", str(cred, "id"));
    dl_item(b, "result", str(res, "reason"));
    dl_item(b, "signature", str(res, "alg"));
    dl_item(b, "key id (kid)", str(res, "kid"));
    dl_item(b, "revocation",
            json_is_true(json_object_get(res, "status_checked"))
                ? "checked against the status list"
                : "not checked (no status list given)");
    dl_item(b, "status list", str(st, "statusListCredential"));
    dl_item(b, "status index", str(st, "statusListIndex"));
    if (json_is_integer(ev) && json_integer_value(ev) > 0)
        lab_buf_printf(b,
                       "<dt>evidence</dt><dd>%lld audit report files "
                       "matched their SHA-256</dd>",
                       (long long)json_integer_value(ev));
    else
        dl_item(b, "evidence", "not checked (no evidence folder given)");
    if (!json_is_true(json_object_get(res, "valid")))
        dl_item(b, "details", str(res, "message"));
    dl_item(b, "topic", str(a0, "conformityTopic"));
    dl_item(b, "assessor level", str(subj, "assessorLevel"));
    dl_item(b, "assessment level", str(subj, "assessmentLevel"));
    dl_item(b, "attestation", str(subj, "attestationType"));
    dl_item(b, "assessment body", str(obj(a0, "auditor"), "name"));
    dl_item(b, "assessment body id", str(obj(a0, "auditor"), "id"));
    const json_t *auth = arr(subj, "authorisation");
    for (size_t i = 0; auth != NULL && i < json_array_size(auth); i++) {
        const json_t *e = json_array_get(auth, i);
        dl_item(b, "accreditation", str(e, "name"));
        dl_item(b, "accreditation id", str(e, "id"));
        dl_item(b, "accredited by", str(obj(e, "issuingAuthority"), "name"));
    }
    dl_item(b, "scheme", str(scope, "name"));
    dl_item(b, "scheme version", str(scope, "version"));
    dl_item(b, "scheme owner", str(obj(scope, "owner"), "name"));
    dl_item(b, "scheme id", str(scope, "id"));
    if (json_is_true(json_object_get(subj, "euConsumerLabel")))
        dl_item(b, "label",
                "the claim is for a label shown to consumers in "
                "the EU");
    dl_item(b, "auditor seal", str(obj(subj, "seal"), "linkURL"));
    lab_buf_adds(b, "</dl>\n");

    static const char *const fk[] = {"tier", "supplierId", "facility.name",
                                     "role", "country",    "subdivision",
                                     "osId"};
    static const char *const fh[] = {"tier",    "supplier", "name", "role",
                                     "country", "region",   "OS ID"};
    table(b, "facilities", "Facilities (tier = links from the maker)",
          arr(a0, "assessedFacility"), fk, fh, 7);
    static const char *const pk[] = {"id", "version", "sha256"};
    static const char *const ph[] = {"rule pack", "version", "SHA-256"};
    table(b, "packs", "Rule packs", arr(scope, "rulePacks"), pk, ph, 3);
    static const char *const lk[] = {"id", "kind", "version", "sha256"};
    static const char *const lh[] = {"list", "kind", "version", "SHA-256"};
    table(b, "lists", "Reference lists", arr(scope, "referenceLists"), lk, lh,
          4);
    static const char *const ak[] = {"id",      "facility", "date",
                                     "auditor", "file",     "report_sha256"};
    static const char *const ah[] = {"audit",   "facility", "date",
                                     "auditor", "file",     "SHA-256"};
    table(b, "audits", "Audit reports", arr(a0, "auditReports"), ak, ah, 6);
    static const char *const nk[] = {"rule", "severity", "subject",
                                     "subjectId"};
    static const char *const nh[] = {"rule", "severity", "subject", "id"};
    table(b, "findings", "Open findings below blocker", arr(a0, "findings"), nk,
          nh, 4);
    static const char *const wk[] = {"rule",    "subjectId",     "approver",
                                     "expires", "justification", "severity"};
    static const char *const wh[] = {"rule",    "subject",       "approver",
                                     "expires", "justification", "severity"};
    table(b, "waivers", "Waivers", arr(a0, "waivers"), wk, wh, 6);
}

int lab_certificate_render_html(char **out, const char *result_json,
                                const char *cert, size_t cert_len,
                                const char *url)
{
    lab_buf b = LAB_BUF_INIT;
    json_error_t jerr;
    if (out == NULL || result_json == NULL)
        return lab_seterr(LAB_EINVAL,
                          "lab_certificate_render_html: NULL argument");
    json_t *res = json_loads(result_json, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(res)) {
        json_decref(res);
        return lab_seterr(LAB_EPARSE,
                          "verification result: line %d: %s (expected the "
                          "JSON object lab_verify gives)",
                          jerr.line, jerr.text);
    }
    const json_t *cred = obj(res, "credential");
    lab_html_head(&b, "Certificate", cert_css);
    lab_buf_adds(&b, "<header><h1>Labour conformity certificate</h1><p>");
    lab_buf_add_esc(&b, str(obj(cred, "credentialSubject"), "name"));
    lab_buf_adds(&b, "</p></header>\n<main>\n");
    render_card(&b, res, url, cert, cert_len);
    render_scope(&b, res);
    lab_buf_adds(&b, "<p class=\"note\">Made by labaudit, version ");
    lab_buf_add_esc(&b, lab_version());
    lab_buf_adds(&b, ", from the certificate and the issuer's public key. "
                     "Anyone with that key can check the certificate "
                     "independently.</p>\n</main>\n</body></html>\n");
    json_decref(res);
    return lab_buf_detach(&b, out);
}
