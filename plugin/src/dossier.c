/*
 * dossier.c - the evidence dossier an importer sends a customs officer or
 * a forced-labour authority (lab_dossier), and its offline check
 * (lab_dossier_verify).  A dossier is a folder: index.html (one printable
 * page: summary, the chain by tier, every entity with its documents,
 * audits and their non-compliances, findings and their history, the
 * reference lists screened against), report.json (the check, as
 * lab_report_render gives it), evidence/ (every document of the chain
 * copied unchanged, named by id), the certificate if there is one, and
 * manifest.json naming every file with its SHA-256 and size, the dataset
 * digest, the packs and lists with theirs, and what was left out and why;
 * optionally manifest.json.cms, a detached CMS signature over the
 * manifest (the certificate seal's machinery), with an RFC 3161 timestamp
 * as manifest.json.cms.tsr.  The folder is built under a temporary name
 * beside its destination and renamed into place only when complete.
 */
#include "credential.h"
#include "expr.h"
#include "report_html.h"
#include "schema.h"

#if LAB_HAVE_LIBARCHIVE
#include <archive.h>
#include <archive_entry.h>
#endif
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ts.h>
#include <openssl/x509.h>

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Document kinds that hold worker-level personal data: withheld from a
 * dossier unless the caller asks for them (lab_dossier_options.redact). */
static const char *const personal_kinds[] = {"payroll", "permit", NULL};

/* The files a dossier holds besides those the manifest lists. */
static const char *const seal_files[] = {"manifest.json", "manifest.json.cms",
                                         "manifest.json.cms.tsr", NULL};

int lab_dossier_options_init(lab_dossier_options *opts, unsigned version)
{
    if (opts == NULL || version < 1 || version > LAB_DOSSIER_OPTIONS_VERSION)
        return lab_seterr(LAB_EVERSION,
                          "lab_dossier_options version %u is not supported "
                          "(this library knows versions 1 to %d)",
                          version, LAB_DOSSIER_OPTIONS_VERSION);
    lab_dossier_options d = LAB_DOSSIER_OPTIONS_INIT;
    d.version = version;
    /* a version 1 struct ends before purchase_order */
    memcpy(opts, &d,
           version == 1 ? offsetof(lab_dossier_options, purchase_order)
                        : sizeof d);
    return LAB_OK;
}

/* The document that is purchase order `po`: by id, else by reference. */
static int find_po(const lab_dataset *ds, const char *po,
                   const lab_document **out)
{
    const lab_table *t = &ds->tables[LAB_RECORD_DOCUMENT];
    long row = lab_ds_find(ds, LAB_RECORD_DOCUMENT, po);
    for (size_t i = 0; row < 0 && i < t->n; i++) {
        const lab_document *d = lab_table_row(t, i);
        if (d->reference == NULL || strcmp(d->reference, po) != 0 ||
            d->kind == NULL || strcmp(d->kind, "purchase_order") != 0)
            continue;
        for (size_t j = i + 1; j < t->n; j++) {
            const lab_document *e = lab_table_row(t, j);
            if (e->reference && strcmp(e->reference, po) == 0 && e->kind &&
                strcmp(e->kind, "purchase_order") == 0)
                return lab_seterr(LAB_ESCHEMA,
                                  "dossier: purchase orders %s and %s both "
                                  "have the reference '%s' (expected one; "
                                  "name the order by its id)",
                                  d->id, e->id, po);
        }
        row = (long)i;
    }
    if (row < 0)
        return lab_seterr(LAB_ENOTFOUND,
                          "dossier: no purchase order '%s' in the dataset "
                          "(expected the id or reference of a document of "
                          "kind purchase_order)",
                          po);
    const lab_document *d = lab_table_row(t, (size_t)row);
    if (d->kind == NULL || strcmp(d->kind, "purchase_order") != 0)
        return lab_seterr(
            LAB_ESCHEMA,
            "dossier: document '%s' is of kind %s, not a purchase "
            "order (expected kind purchase_order)",
            d->id, d->kind ? d->kind : "(none)");
    if (d->product_id == NULL)
        return lab_seterr(LAB_ESCHEMA,
                          "dossier: purchase order '%s' names no product "
                          "(expected its product_id)",
                          d->id);
    *out = d;
    return LAB_OK;
}

int lab_dossier_purchase_order(const lab_dataset *ds, const char *po,
                               const char **product, size_t *nlots)
{
    if (ds == NULL || po == NULL || product == NULL)
        return lab_seterr(LAB_EINVAL, "lab_dossier_purchase_order: NULL "
                                      "argument");
    const lab_document *d = NULL;
    int rc = find_po(ds, po, &d);
    if (rc != LAB_OK)
        return rc;
    *product = d->product_id;
    if (nlots != NULL)
        *nlots = d->lots ? d->lots->n : 0;
    return LAB_OK;
}

static int oom(void)
{
    return lab_seterr(LAB_ENOMEM, "out of memory");
}

static int is_personal(const char *kind)
{
    for (size_t i = 0; kind != NULL && personal_kinds[i] != NULL; i++)
        if (strcmp(kind, personal_kinds[i]) == 0)
            return 1;
    return 0;
}

/* A file name for a document: its id when that is a safe name, else
 * "document-N"; then the extension of its uri. */
static void evidence_name(lab_buf *b, const lab_document *d, size_t n)
{
    int safe = d->id[0] != '.' && strlen(d->id) <= 120;
    for (const char *p = d->id; safe && *p; p++)
        safe = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
               (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.';
    lab_buf_adds(b, "evidence/");
    if (safe)
        lab_buf_adds(b, d->id);
    else
        lab_buf_printf(b, "document-%zu", n);
    const char *slash = strrchr(d->uri, '/');
    const char *dot = strrchr(slash ? slash : d->uri, '.');
    int ext = dot != NULL && strlen(dot) <= 8 && dot[1] != '\0';
    for (const char *p = dot ? dot + 1 : ""; ext && *p; p++)
        ext = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9');
    if (ext)
        lab_buf_adds(b, dot);
}

/* ---- building ---- */

typedef struct dbuild {
    const lab_report *rep;
    const lab_dataset *ds;
    const lab_dossier_options *o;
    lab_pchain *chain;
    char *tmp;        /* the folder being built */
    json_t *files;    /* manifest entries */
    json_t *gaps;     /* what is missing or changed */
    json_t *withheld; /* documents left out, and why */
    json_t *docs;  /* per document: id, supplier, kind, file (for the page) */
    json_t *scope; /* chain documents about other products or lots */
    json_t *tests; /* laboratory tests, with what CBP asks of each */
    json_t *packs, *lists;   /* the engine's, with versions and digests */
    const lab_document *po;  /* the purchase order answered, or NULL */
    const char *const *lots; /* the lots covered (given or the order's) */
    size_t nlots;
} dbuild;

/* Writes data to tmp/name and lists it in the manifest. */
static int add_file(dbuild *b, const char *name, const void *data, size_t n,
                    const char *kind, const char *doc_id)
{
    char hex[65];
    lab_buf path = LAB_BUF_INIT;
    lab_buf_printf(&path, "%s/%s", b->tmp, name);
    int rc = path.oom ? oom() : lab_sha256_hex(hex, data, n);
    if (rc == LAB_OK)
        rc = lab_write_file(path.data, data, n, 0644, LAB_FILE_NEW);
    json_t *e = rc == LAB_OK
                    ? json_pack("{s:s, s:s, s:I, s:s}", "path", name, "sha256",
                                hex, "size", (json_int_t)n, "kind", kind)
                    : NULL;
    if (rc == LAB_OK && doc_id != NULL && e != NULL)
        json_object_set_new(e, "document", json_string(doc_id));
    if (rc == LAB_OK && (e == NULL || json_array_append_new(b->files, e) != 0))
        rc = oom();
    lab_buf_free(&path);
    return rc;
}

/* Is supplier v (an index) in the chain? */
static int chain_has_supplier(const dbuild *b, long v)
{
    return v >= 0 && lab_pchain_tier(b->chain, (uint32_t)v) >= 0;
}

/* Why a document of the chain's facilities is not about this dossier's
 * product and lots, or NULL when it is: a document naming another
 * product, or (when the dossier covers given lots) only other lots. */
static const char *out_of_scope(const dbuild *b, const lab_document *d)
{
    if (d->product_id != NULL && strcmp(d->product_id, b->o->product) != 0)
        return "it concerns another product";
    if (d->lots == NULL || b->nlots == 0)
        return NULL;
    for (uint32_t k = 0; k < d->lots->n; k++)
        for (size_t i = 0; i < b->nlots; i++)
            if (strcmp(d->lots->items[k].u.s, b->lots[i]) == 0)
                return NULL;
    return "it concerns only lots this dossier does not cover";
}

/* What CBP's Isotopic Testing Guidance asks of a laboratory test and the
 * record lacks ("" when nothing): an accredited laboratory, the sample's
 * chain of custody, the item tested, a result. */
static void test_lacks(lab_buf *out, const lab_document *d)
{
    const char *need[4] = {NULL, NULL, NULL, NULL};
    size_t n = 0;
    if (d->laboratory == NULL || d->accreditation == NULL)
        need[n++] = "an ISO/IEC 17025 accredited laboratory";
    if (d->sample_custody == NULL)
        need[n++] = "the sample's chain of custody";
    if (d->lots == NULL && d->product_id == NULL)
        need[n++] = "the item tested (a lot or product)";
    if (d->test_result == NULL)
        need[n++] = "a result";
    for (size_t i = 0; i < n; i++)
        lab_buf_printf(out, "%s%s", i ? "; " : "", need[i]);
}

/* Adds a laboratory test of the dossier's evidence to b->tests. */
static int add_test(dbuild *b, const lab_document *d, const char *sup,
                    const char *file)
{
    lab_buf lacks = LAB_BUF_INIT, lots = LAB_BUF_INIT;
    test_lacks(&lacks, d);
    for (uint32_t k = 0; d->lots && k < d->lots->n; k++)
        lab_buf_printf(&lots, "%s%s", k ? ", " : "", d->lots->items[k].u.s);
    json_t *t =
        lacks.oom || lots.oom
            ? NULL
            : json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, "
                        "s:s?, s:s?, s:s?, s:s?, s:b, s:s?}",
                        "document", d->id, "supplier", sup, "file", file,
                        "laboratory", d->laboratory, "accreditation",
                        d->accreditation, "method", d->test_method, "sample",
                        d->sample_id, "sample_custody", d->sample_custody,
                        "product", d->product_id, "lots", lots.data, "result",
                        d->test_result, "issued", d->issued,
                        "meets_cbp_guidance", lacks.len == 0, "lacks",
                        lacks.len ? lacks.data : NULL);
    lab_buf_free(&lacks);
    lab_buf_free(&lots);
    return t != NULL && json_array_append_new(b->tests, t) == 0 ? LAB_OK
                                                                : oom();
}

/* Copies every document of the chain's facilities and audits into
 * evidence/, checking its SHA-256; records gaps and withheld ones. */
static int add_evidence(dbuild *b)
{
    const lab_dataset *ds = b->ds;
    const lab_table *t = &ds->tables[LAB_RECORD_DOCUMENT];
    int rc = LAB_OK;
    for (size_t i = 0; i < t->n && rc == LAB_OK; i++) {
        const lab_document *d = lab_table_row(t, i);
        long a =
            d->audit_id ? lab_ds_find(ds, LAB_RECORD_AUDIT, d->audit_id) : -1;
        long v = d->supplier_id
                     ? lab_ds_find(ds, LAB_RECORD_SUPPLIER, d->supplier_id)
                     : -1;
        if (v < 0 && a >= 0)
            v = (long)ds->audit_owner[a];
        if (!chain_has_supplier(b, v))
            continue;
        const char *sup = ((const lab_supplier *)lab_table_row(
                               &ds->tables[LAB_RECORD_SUPPLIER], (size_t)v))
                              ->id;
        const char *other = out_of_scope(b, d);
        if (other != NULL) {
            if (json_array_append_new(
                    b->scope, json_pack("{s:s, s:s, s:s?, s:s}", "document",
                                        d->id, "supplier", sup, "kind", d->kind,
                                        "why", other)) != 0)
                rc = oom();
            continue;
        }
        if (b->o->redact && is_personal(d->kind)) {
            if (json_array_append_new(
                    b->withheld,
                    json_pack("{s:s, s:s, s:s, s:s}", "document", d->id,
                              "supplier", sup, "kind", d->kind, "why",
                              "personal data (worker-level records): "
                              "withheld under the redaction policy")) != 0)
                rc = oom();
            continue;
        }
        const char *why = NULL;
        char *data = NULL, hex[65];
        size_t len = 0;
        lab_buf src = LAB_BUF_INIT, name = LAB_BUF_INIT;
        if (d->uri == NULL)
            why = "no uri: the dataset does not say where the file is";
        else if (d->uri[0] == '/' || strstr(d->uri, "..") != NULL ||
                 strstr(d->uri, "://") != NULL)
            why = "its uri is not a path inside the evidence folder";
        else if (b->o->evidence_dir == NULL)
            why = "no evidence folder given";
        if (why == NULL) {
            lab_buf_printf(&src, "%s/%s", b->o->evidence_dir, d->uri);
            if (src.oom)
                rc = oom();
            else if (lab_read_file(&data, &len, src.data, LAB_INPUT_MAX) !=
                     LAB_OK)
                why = "the file is missing or unreadable";
            else if (lab_sha256_hex(hex, data, len) != LAB_OK)
                rc = oom();
            else if (d->sha256 != NULL && strcasecmp(hex, d->sha256) != 0)
                why = "the file does not have the SHA-256 the dataset records";
            lab_clearerr();
        }
        if (rc == LAB_OK && why != NULL) {
            if (!b->o->allow_missing)
                rc = lab_seterr(LAB_ENOTFOUND,
                                "dossier: document %s (%s) of %s: %s; no "
                                "dossier is written (allow_missing lists "
                                "such gaps instead)",
                                d->id, src.data ? src.data : "-", sup, why);
            else if (json_array_append_new(
                         b->gaps, json_pack("{s:s, s:s, s:s?, s:s}", "document",
                                            d->id, "supplier", sup, "uri",
                                            d->uri, "why", why)) != 0)
                rc = oom();
        } else if (rc == LAB_OK) {
            evidence_name(&name, d, i);
            rc = name.oom
                     ? oom()
                     : add_file(b, name.data, data, len, "evidence", d->id);
            if (rc == LAB_OK &&
                json_array_append_new(
                    b->docs, json_pack("{s:s, s:s, s:s?, s:s, s:s, s:s?}", "id",
                                       d->id, "supplier", sup, "kind", d->kind,
                                       "file", name.data, "sha256", hex,
                                       "issued", d->issued)) != 0)
                rc = oom();
            if (rc == LAB_OK && d->kind && strcmp(d->kind, "lab_report") == 0)
                rc = add_test(b, d, sup, name.data);
        }
        free(data);
        lab_buf_free(&src);
        lab_buf_free(&name);
    }
    return rc;
}

/* Appends a numeric field of a record (nothing when absent). */
static void add_num(lab_buf *h, const lab_table *t, const void *rec,
                    const char *name)
{
    const lab_field *f = lab_field_find(t->entity, name, strlen(name));
    lab_val v = f ? lab_field_get(f, rec) : lab_val_null();
    if (v.t == LAB_V_NUM)
        lab_buf_printf(h, "%.15g", v.u.d);
}

static const char *str_or(const char *s, const char *dflt)
{
    return s != NULL && s[0] != '\0' ? s : dflt;
}

static void cell(lab_buf *h, const char *s)
{
    lab_buf_adds(h, "<td>");
    lab_buf_add_esc(h, str_or(s, "\xe2\x80\x94"));
    lab_buf_adds(h, "</td>");
}

static const char dossier_css[] =
    "body{max-width:64rem;margin:auto;padding:1rem}"
    "table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}"
    "th,td{border:1px solid #999;padding:.2rem .4rem;text-align:left;"
    "vertical-align:top;font-size:.85rem}"
    "th{background:#eee}.sev-blocker{font-weight:bold}"
    ".gap{border:2px solid #000;padding:.5rem;margin:1rem 0}"
    "code{word-break:break-all;font-size:.75rem}"
    "@media print{body{max-width:none;padding:0}"
    "section{page-break-before:always}section.first{page-break-before:auto}"
    "tr{page-break-inside:avoid}a{color:inherit;text-decoration:none}"
    ".chain{overflow:visible;max-height:none;border:0}"
    ".chain svg{width:100%;height:auto}}";

/* Quantity reconciliation by lot: the lots covered and every lot they
 * were made from, each with what its inputs could make (inputs times
 * their conversion factors, in its unit) and the excess over that, as
 * the lot graph derived them. */
static int add_reconciliation(lab_buf *h, const dbuild *b)
{
    const lab_dataset *ds = b->ds;
    const lab_table *lt = &ds->tables[LAB_RECORD_LOT];
    if (!lab_ds_has_lots(ds) || lt->n == 0)
        return LAB_OK;
    uint8_t *seen = lab_calloc(lt->n, 1);
    uint32_t *queue = lab_calloc(lt->n, sizeof *queue);
    size_t nq = 0;
    if (seen == NULL || queue == NULL) {
        free(seen);
        free(queue);
        return oom();
    }
    if (b->nlots > 0) {
        for (size_t i = 0; i < b->nlots; i++) {
            long l = lab_ds_find(ds, LAB_RECORD_LOT, b->lots[i]);
            if (l >= 0 && !seen[l])
                seen[l] = 1, queue[nq++] = (uint32_t)l;
        }
    } else {
        long p = lab_ds_find(ds, LAB_RECORD_PRODUCT, b->o->product);
        for (uint32_t k = p >= 0 ? ds->product_lot_off[p] : 0;
             p >= 0 && k < ds->product_lot_off[p + 1]; k++) {
            uint32_t l = ds->product_lot_of[k];
            if (!seen[l])
                seen[l] = 1, queue[nq++] = l;
        }
    }
    for (size_t q = 0; q < nq; q++)
        for (uint32_t k = ds->lot_in_off[queue[q]];
             k < ds->lot_in_off[queue[q] + 1]; k++) {
            uint32_t in = ds->lot_input_from[ds->lot_in_of[k]];
            if (!seen[in])
                seen[in] = 1, queue[nq++] = in;
        }
    lab_buf_adds(h, "<h3>Quantity reconciliation by lot</h3><p>Each lot "
                    "covered and every lot it was made from (the product "
                    "first, then its inputs): its quantity, what its inputs "
                    "could make at their conversion factors, and the "
                    "difference.  More output than inputs can make is a "
                    "finding (coc.output-over-declared) above 2 %.</p>"
                    "<table><tr><th>Lot</th><th>Facility</th><th>What</th>"
                    "<th>Custody</th><th>Quantity</th><th>Inputs could "
                    "make</th><th>Over inputs</th></tr>");
    for (size_t q = 0; q < nq; q++) {
        uint32_t l = queue[q];
        const lab_lot *lot = lab_table_row(lt, l);
        uint32_t nin = ds->lot_in_off[l + 1] - ds->lot_in_off[l];
        double ex = ds->lot_excess[l];
        lab_buf_adds(h, "<tr>");
        cell(h, lot->id);
        cell(h, lot->facility_id);
        cell(h, lot->commodity);
        cell(h, lot->custody);
        lab_buf_adds(h, "<td>");
        add_num(h, lt, lot, "quantity");
        lab_buf_addc(h, ' ');
        lab_buf_add_esc(h, str_or(lot->unit, ""));
        lab_buf_adds(h, "</td><td>");
        if (nin == 0)
            lab_buf_adds(h, "an origin lot (no inputs)");
        else if (!isnan(ex))
            lab_buf_printf(h, "%.15g ", lot->quantity / (1 + ex));
        else if (ds->lot_unquantified[l] > 0)
            lab_buf_printf(h, "%d of %u inputs without a usable quantity",
                           ds->lot_unquantified[l], nin);
        else
            lab_buf_adds(h, "the lot has no quantity");
        if (nin > 0 && !isnan(ex))
            lab_buf_add_esc(h, str_or(lot->unit, ""));
        lab_buf_adds(h, "</td><td>");
        if (!isnan(ex))
            lab_buf_printf(h, "%s%.1f %%", ex > 0.02 ? "<strong>" : "",
                           fabs(ex) < 0.0005 ? 0.0 : ex * 100);
        else
            lab_buf_adds(h, "\xe2\x80\x94");
        if (!isnan(ex) && ex > 0.02)
            lab_buf_adds(h, "</strong>");
        lab_buf_adds(h, "</td></tr>");
    }
    lab_buf_adds(h, "</table>");
    free(seen);
    free(queue);
    return h->oom ? oom() : LAB_OK;
}

/* "N document(s) WHAT is/are WHY; manifest.json names them." */
static void left_out(lab_buf *h, const json_t *docs, const char *what,
                     const char *why)
{
    size_t n = json_array_size(docs);
    if (n > 0)
        lab_buf_printf(h,
                       "<p>%zu document%s %s %s %s; manifest.json names "
                       "them.</p>",
                       n, n == 1 ? "" : "s", what, n == 1 ? "is" : "are", why);
}

/* The page: one self-contained HTML document that prints to PDF. */
static int render_page(char **out, dbuild *b, const char *product_id,
                       const char *dataset_digest, int has_cert)
{
    const lab_dataset *ds = b->ds;
    const lab_report *rep = b->rep;
    long p = lab_ds_find(ds, LAB_RECORD_PRODUCT, product_id);
    const lab_product *pr =
        lab_table_row(&ds->tables[LAB_RECORD_PRODUCT], (size_t)p);
    const lab_table *st = &ds->tables[LAB_RECORD_SUPPLIER];
    lab_buf h = LAB_BUF_INIT;
    lab_buf title = LAB_BUF_INIT;
    lab_buf_printf(&title, "Evidence dossier: %s", pr->id);
    lab_buf css = LAB_BUF_INIT;
    lab_buf_adds(&css, dossier_css);
    lab_buf_adds(&css, lab_html_chain_css());
    lab_html_head(&h, title.data ? title.data : "Evidence dossier",
                  css.data ? css.data : dossier_css);
    lab_buf_free(&css);
    lab_buf_free(&title);

    /* the verdict: the worst live finding about the chain */
    size_t nlive = 0, nblock = 0;
    for (size_t i = 0; i < rep->n; i++)
        if (lab_pchain_has(b->chain, &rep->findings[i]) &&
            rep->findings[i].waiver == NULL) {
            nlive++;
            nblock += rep->findings[i].severity == LAB_SEV_BLOCKER;
        }
    lab_buf_adds(&h, "<section class=\"first\"><h1>Evidence dossier</h1>"
                     "<table><tr><th>Product</th>");
    cell(&h, pr->id);
    lab_buf_adds(&h, "</tr><tr><th>Name</th>");
    cell(&h, pr->name);
    lab_buf_adds(&h, "</tr><tr><th>HS code</th>");
    cell(&h, pr->hs_code);
    lab_buf_adds(&h, "</tr><tr><th>Quantity claimed</th><td>");
    add_num(&h, &ds->tables[LAB_RECORD_PRODUCT], pr, "claimed_volume");
    lab_buf_addc(&h, ' ');
    lab_buf_add_esc(&h, str_or(pr->unit, ""));
    lab_buf_adds(&h, "</td></tr><tr><th>Lots</th>");
    lab_buf lots = LAB_BUF_INIT;
    for (size_t i = 0; i < b->nlots; i++)
        lab_buf_printf(&lots, "%s%s", i ? ", " : "", b->lots[i]);
    cell(&h, b->nlots ? lots.data : "all the product's lots");
    lab_buf_free(&lots);
    if (b->po != NULL) {
        lab_buf po = LAB_BUF_INIT;
        lab_buf_printf(
            &po, "%s%s%s%s%s", b->po->id, b->po->reference ? " (" : "",
            str_or(b->po->reference, ""), b->po->reference ? ")" : "",
            b->po->issued ? ", issued " : "");
        lab_buf_adds(&po, str_or(b->po->issued, ""));
        lab_buf_adds(&h, "</tr><tr><th>Purchase order</th>");
        cell(&h, po.data);
        lab_buf_free(&po);
    }
    lab_buf_adds(&h, "</tr><tr><th>Importer</th>");
    cell(&h, str_or(b->o->importer_name, b->o->importer_id));
    lab_buf_adds(&h, "</tr><tr><th>Claim</th>");
    cell(&h, pr->claim);
    lab_buf_printf(&h,
                   "</tr><tr><th>Verdict</th><td><strong>%s</strong> "
                   "(%zu open finding%s, %zu blocker%s, as of ",
                   nblock  ? "BLOCKED"
                   : nlive ? "open findings"
                           : "no findings",
                   nlive, nlive == 1 ? "" : "s", nblock,
                   nblock == 1 ? "" : "s");
    lab_buf_add_esc(&h, rep->as_of);
    lab_buf_adds(&h, ")</td></tr><tr><th>Certificate</th>");
    cell(&h, has_cert ? "certificate.jwt (verify it with the issuer's "
                        "trust list)"
                      : "none in this dossier");
    lab_buf_adds(&h, "</tr><tr><th>Dataset SHA-256</th><td><code>");
    lab_buf_add_esc(&h, dataset_digest);
    lab_buf_printf(&h,
                   "</code></td></tr><tr><th>Made by</th><td>labaudit "
                   "%s</td></tr></table>",
                   lab_version());
    if (json_array_size(b->gaps) > 0) {
        lab_buf_adds(&h, "<div class=\"gap\"><strong>Gaps: documents "
                         "named but not in this dossier</strong><ul>");
        for (size_t i = 0; i < json_array_size(b->gaps); i++) {
            const json_t *g = json_array_get(b->gaps, i);
            lab_buf_adds(&h, "<li>");
            lab_buf_add_esc(&h,
                            json_string_value(json_object_get(g, "document")));
            lab_buf_adds(&h, " (");
            lab_buf_add_esc(&h,
                            json_string_value(json_object_get(g, "supplier")));
            lab_buf_adds(&h, "): ");
            lab_buf_add_esc(&h, json_string_value(json_object_get(g, "why")));
            lab_buf_adds(&h, "</li>");
        }
        lab_buf_adds(&h, "</ul></div>");
    }
    for (size_t i = 0; i < json_array_size(b->tests); i++) {
        const json_t *t = json_array_get(b->tests, i);
        const char *r = json_string_value(json_object_get(t, "result"));
        if (r == NULL || strcmp(r, "inconsistent") != 0)
            continue;
        lab_buf_adds(&h, "<div class=\"gap\"><strong>A laboratory test "
                         "found the item tested inconsistent with its "
                         "declared origin:</strong> ");
        lab_buf_add_esc(&h, json_string_value(json_object_get(t, "document")));
        lab_buf_adds(&h, " (section 5).</div>");
    }
    lab_buf_adds(&h, "<h2>Contents</h2><ol><li><a href=\"#chain\">Supply "
                     "chain by tier</a></li><li><a href=\"#audits\">Audits "
                     "and corrective actions</a></li><li><a "
                     "href=\"#findings\">Findings</a></li><li><a "
                     "href=\"#screening\">Screening and rule packs</a></li>"
                     "<li><a href=\"#tests\">Laboratory tests</a></li>"
                     "<li><a href=\"#evidence\">Evidence files</a></li></ol>"
                     "</section>");

    /* the chain, tier by tier, with each entity's identifiers and
     * documents */
    lab_buf_adds(&h, "<section id=\"chain\"><h2>1. Supply chain by tier</h2>"
                     "<p>The drawing reads from the farms on the left to "
                     "the maker on the right; the drawing and the table "
                     "count tiers alike, from the maker (0: the maker, 1: "
                     "its direct suppliers...).  Recruitment agencies "
                     "stand at the tier of the facility they recruit "
                     "for.</p>");
    int drc = lab_html_chain_figure(&h, rep);
    if (drc != LAB_OK) {
        lab_buf_free(&h);
        return drc;
    }
    lab_buf_adds(&h, "<table><tr>"
                     "<th>Tier</th><th>Id</th><th>Name</th>"
                     "<th>Role</th>"
                     "<th>Country</th><th>Address</th><th>OS ID / LEI / "
                     "GLN</th><th>Documents</th></tr>");
    for (size_t i = 0; i < lab_pchain_size(b->chain); i++) {
        uint32_t v = lab_pchain_member(b->chain, i);
        const lab_supplier *s = lab_table_row(st, v);
        lab_buf_printf(&h, "<tr><td>%d</td>", lab_pchain_tier(b->chain, v));
        cell(&h, s->id);
        cell(&h, s->name);
        cell(&h, s->role);
        lab_buf_adds(&h, "<td>");
        lab_buf_add_esc(&h, s->country);
        if (s->subdivision) {
            lab_buf_adds(&h, " (");
            lab_buf_add_esc(&h, s->subdivision);
            lab_buf_adds(&h, ")");
        }
        lab_buf_adds(&h, "</td>");
        lab_buf addr = LAB_BUF_INIT;
        lab_buf_printf(&addr, "%s%s%s", str_or(s->address, ""),
                       s->address && s->city ? ", " : "", str_or(s->city, ""));
        cell(&h, addr.data);
        lab_buf_free(&addr);
        lab_buf ids = LAB_BUF_INIT;
        lab_buf_printf(&ids, "%s%s%s%s%s", str_or(s->os_id, ""),
                       s->lei ? " LEI " : "", str_or(s->lei, ""),
                       s->gln ? " GLN " : "", str_or(s->gln, ""));
        cell(&h, ids.data);
        lab_buf_free(&ids);
        lab_buf_adds(&h, "<td>");
        for (size_t k = 0; k < json_array_size(b->docs); k++) {
            const json_t *d = json_array_get(b->docs, k);
            if (strcmp(json_string_value(json_object_get(d, "supplier")),
                       s->id) != 0)
                continue;
            lab_buf_add_esc(&h, json_string_value(json_object_get(d, "id")));
            lab_buf_adds(&h, " (");
            lab_buf_add_esc(
                &h, str_or(json_string_value(json_object_get(d, "kind")),
                           "document"));
            lab_buf_adds(&h, ")<br>");
        }
        lab_buf_adds(&h, "</td></tr>");
    }
    lab_buf_adds(&h, "</table>");

    /* the goods moving along the chain: what each stage says it shipped */
    lab_buf_adds(&h, "<h3>Shipments between the chain's facilities</h3><p>"
                     "Quantities as the dataset records them, per stage, "
                     "for reconciliation against production records.</p>"
                     "<table><tr><th>Link</th><th>From</th><th>To</th>"
                     "<th>HS / commodity</th><th>Quantity</th><th>Lot</th>"
                     "<th>Period</th></tr>");
    const lab_table *lt = &ds->tables[LAB_RECORD_LINK];
    for (size_t i = 0; i < lt->n; i++) {
        if (lab_pchain_tier(b->chain, ds->link_from[i]) < 0 ||
            lab_pchain_tier(b->chain, ds->link_to[i]) < 0)
            continue;
        const lab_link *l = lab_table_row(lt, i);
        lab_buf_adds(&h, "<tr>");
        cell(&h, l->id);
        cell(&h, l->supplier_id);
        cell(&h, l->buyer_id);
        lab_buf what = LAB_BUF_INIT;
        lab_buf_printf(&what, "%s%s%s", str_or(l->hs_code, ""),
                       l->hs_code && l->commodity ? " " : "",
                       str_or(l->commodity, ""));
        cell(&h, what.data);
        lab_buf_free(&what);
        lab_buf_adds(&h, "<td>");
        add_num(&h, lt, l, "volume");
        lab_buf_addc(&h, ' ');
        lab_buf_add_esc(&h, str_or(l->unit, ""));
        lab_buf_adds(&h, "</td>");
        cell(&h, l->lot);
        lab_buf period = LAB_BUF_INIT;
        lab_buf_printf(&period, "%s%s%s", str_or(l->period_start, ""),
                       l->period_end ? " to " : "", str_or(l->period_end, ""));
        cell(&h, period.data);
        lab_buf_free(&period);
        lab_buf_adds(&h, "</tr>");
    }
    lab_buf_adds(&h, "</table>");
    if ((drc = add_reconciliation(&h, b)) != LAB_OK) {
        lab_buf_free(&h);
        return drc;
    }
    lab_buf_adds(&h, "</section>");

    /* audits and the non-compliances they raised */
    lab_buf_adds(&h, "<section id=\"audits\"><h2>2. Audits and corrective "
                     "actions</h2><table><tr><th>Audit</th><th>Facility</th>"
                     "<th>Kind</th><th>Announced</th><th>Dates</th>"
                     "<th>Auditor</th><th>Workers</th><th>Non-compliances "
                     "(status, due, closed)</th></tr>");
    const lab_table *at = &ds->tables[LAB_RECORD_AUDIT];
    const lab_table *nt = &ds->tables[LAB_RECORD_NONCOMPLIANCE];
    for (size_t i = 0; i < lab_pchain_size(b->chain); i++) {
        uint32_t v = lab_pchain_member(b->chain, i);
        for (uint32_t k = ds->audit_off[v]; k < ds->audit_off[v + 1]; k++) {
            uint32_t ai = ds->audit_of[k];
            const lab_audit *a = lab_table_row(at, ai);
            lab_buf_adds(&h, "<tr>");
            cell(&h, a->id);
            cell(&h, a->supplier_id);
            cell(&h, a->kind);
            cell(&h, a->type);
            lab_buf dates = LAB_BUF_INIT;
            lab_buf_printf(&dates, "%s%s%s", a->start_date,
                           a->end_date ? " to " : "", str_or(a->end_date, ""));
            cell(&h, dates.data);
            lab_buf_free(&dates);
            cell(&h, a->auditor_org);
            lab_buf_adds(&h, "<td>");
            add_num(&h, at, a, "workers_total");
            lab_buf_adds(&h, "</td><td>");
            for (uint32_t m = ds->nc_off[ai]; m < ds->nc_off[ai + 1]; m++) {
                const lab_noncompliance *nc = lab_table_row(nt, ds->nc_of[m]);
                lab_buf_add_esc(&h, nc->id);
                lab_buf_adds(&h, ": ");
                lab_buf_add_esc(&h, str_or(nc->description, nc->area));
                lab_buf_adds(&h, " (");
                lab_buf_add_esc(&h, str_or(nc->severity, "?"));
                lab_buf_adds(&h, ", ");
                lab_buf_add_esc(&h, str_or(nc->status, "?"));
                lab_buf_adds(&h, ", due ");
                lab_buf_add_esc(&h, str_or(nc->due_date, "-"));
                lab_buf_adds(&h, ", closed ");
                lab_buf_add_esc(&h, str_or(nc->closed_date, "-"));
                if (nc->closing_audit_id) {
                    lab_buf_adds(&h, " by ");
                    lab_buf_add_esc(&h, nc->closing_audit_id);
                }
                lab_buf_adds(&h, ")<br>");
            }
            lab_buf_adds(&h, "</td></tr>");
        }
    }
    lab_buf_adds(&h, "</table></section>");

    /* findings, live then history */
    lab_buf_adds(&h, "<section id=\"findings\"><h2>3. Findings</h2><table>"
                     "<tr><th>Severity</th><th>Rule</th><th>Subject</th>"
                     "<th>Finding</th><th>State</th></tr>");
    for (int pass = 0; pass < 2; pass++) {
        const lab_finding *fs = pass ? rep->history : rep->findings;
        size_t nf = pass ? rep->nhistory : rep->n;
        for (size_t i = 0; i < nf; i++) {
            const lab_finding *f = &fs[i];
            if (!lab_pchain_has(b->chain, f))
                continue;
            const char *sev = lab_severity_name(f->severity);
            lab_buf_printf(&h, "<tr class=\"sev-%s\">", sev ? sev : "");
            cell(&h, sev);
            cell(&h, f->rule->id);
            cell(&h, f->subject_id);
            cell(&h, f->message);
            cell(&h, pass        ? str_or(lab_finding_history(f), "history")
                     : f->waiver ? "waived"
                                 : "open");
            lab_buf_adds(&h, "</tr>");
        }
    }
    lab_buf_adds(&h, "</table></section>");

    /* what it was screened against */
    lab_buf_adds(&h, "<section id=\"screening\"><h2>4. Screening and rule "
                     "packs</h2><p>Every facility of the chain was screened "
                     "against each reference list below (names, aliases, "
                     "regions); a match is a finding in section 3.</p>"
                     "<table><tr><th>List</th><th>Version</th><th>Entries"
                     "</th><th>SHA-256</th></tr>");
    for (size_t i = 0; i < json_array_size(b->lists); i++) {
        const json_t *l = json_array_get(b->lists, i);
        lab_buf_adds(&h, "<tr>");
        cell(&h, json_string_value(json_object_get(l, "id")));
        cell(&h, json_string_value(json_object_get(l, "version")));
        lab_buf_printf(
            &h, "<td>%lld</td><td><code>",
            (long long)json_integer_value(json_object_get(l, "entries")));
        lab_buf_add_esc(&h, json_string_value(json_object_get(l, "sha256")));
        lab_buf_adds(&h, "</code></td></tr>");
    }
    lab_buf_adds(&h, "</table><table><tr><th>Rule pack</th><th>Version</th>"
                     "<th>SHA-256</th></tr>");
    for (size_t i = 0; i < json_array_size(b->packs); i++) {
        const json_t *pk = json_array_get(b->packs, i);
        lab_buf_adds(&h, "<tr>");
        cell(&h, json_string_value(json_object_get(pk, "id")));
        cell(&h, json_string_value(json_object_get(pk, "version")));
        lab_buf_adds(&h, "<td><code>");
        lab_buf_add_esc(&h, json_string_value(json_object_get(pk, "sha256")));
        lab_buf_adds(&h, "</code></td></tr>");
    }
    lab_buf_adds(&h, "</table></section>");

    /* laboratory tests, with what CBP's guidance asks of each */
    lab_buf_adds(&h, "<section id=\"tests\"><h2>5. Laboratory tests</h2>");
    if (json_array_size(b->tests) == 0)
        lab_buf_adds(&h, "<p>No laboratory test (documents of kind "
                         "lab_report) is part of this dossier.</p>");
    else
        lab_buf_adds(&h, "<p>CBP's Isotopic Testing Guidance (November "
                         "2024) asks for an ISO/IEC 17025 accredited "
                         "laboratory, a documented chain of custody of the "
                         "sample and a report naming the item tested; the "
                         "last column says what a test lacks.</p><table>"
                         "<tr><th>Document</th><th>Laboratory</th>"
                         "<th>Accreditation</th><th>Method</th><th>Sample "
                         "and its custody</th><th>Item tested</th>"
                         "<th>Result</th><th>Lacks</th></tr>");
    static const char *const test_cols[] = {"document", "laboratory",
                                            "accreditation", "method"};
    for (size_t i = 0; i < json_array_size(b->tests); i++) {
        const json_t *t = json_array_get(b->tests, i);
        lab_buf_adds(&h, "<tr>");
        for (size_t c = 0; c < LAB_ARRAY_LEN(test_cols); c++)
            cell(&h, json_string_value(json_object_get(t, test_cols[c])));
        lab_buf sample = LAB_BUF_INIT, item = LAB_BUF_INIT;
        const char *sid = json_string_value(json_object_get(t, "sample"));
        const char *cus =
            json_string_value(json_object_get(t, "sample_custody"));
        lab_buf_printf(&sample, "%s%s%s", str_or(sid, ""),
                       sid && cus ? ": " : "", str_or(cus, ""));
        cell(&h, sample.data);
        const char *tp = json_string_value(json_object_get(t, "product"));
        const char *tl = json_string_value(json_object_get(t, "lots"));
        lab_buf_printf(&item, "%s%s%s", str_or(tp, ""),
                       tp && tl ? ", lot "
                       : tl     ? "lot "
                                : "",
                       str_or(tl, ""));
        cell(&h, item.data);
        cell(&h, json_string_value(json_object_get(t, "result")));
        cell(&h, str_or(json_string_value(json_object_get(t, "lacks")),
                        "nothing: it meets the guidance"));
        lab_buf_adds(&h, "</tr>");
        lab_buf_free(&sample);
        lab_buf_free(&item);
    }
    if (json_array_size(b->tests) > 0)
        lab_buf_adds(&h, "</table>");
    lab_buf_adds(&h, "</section>");

    /* the files */
    lab_buf_adds(&h, "<section id=\"evidence\"><h2>6. Evidence files</h2>"
                     "<p>Each file is listed with its SHA-256 in "
                     "manifest.json, which the importer signs "
                     "(manifest.json.cms).</p><table><tr><th>File</th>"
                     "<th>Document</th><th>Kind</th><th>Issued</th>"
                     "<th>SHA-256</th></tr>");
    for (size_t k = 0; k < json_array_size(b->docs); k++) {
        const json_t *d = json_array_get(b->docs, k);
        lab_buf_adds(&h, "<tr>");
        cell(&h, json_string_value(json_object_get(d, "file")));
        cell(&h, json_string_value(json_object_get(d, "id")));
        cell(&h, json_string_value(json_object_get(d, "kind")));
        cell(&h, json_string_value(json_object_get(d, "issued")));
        lab_buf_adds(&h, "<td><code>");
        lab_buf_add_esc(&h, json_string_value(json_object_get(d, "sha256")));
        lab_buf_adds(&h, "</code></td></tr>");
    }
    lab_buf_adds(&h, "</table>");
    left_out(&h, b->withheld, "with worker-level personal data",
             "withheld under the redaction policy");
    left_out(&h, b->scope,
             "of the chain's facilities about other products or lots",
             "not part of this dossier");
    lab_buf_adds(&h, "</section></body></html>\n");
    return lab_buf_detach(&h, out) == LAB_OK ? LAB_OK : oom();
}

/* The engine's packs and lists with their versions and digests, for the
 * page and the manifest alike. */
static int engine_json(dbuild *b)
{
    const lab_engine *e = b->rep->engine;
    b->packs = json_array();
    b->lists = json_array();
    for (size_t i = 0; b->packs && i < e->npacks; i++) {
        const char *id = NULL, *ver = NULL, *sha = NULL;
        lab_engine_pack_info(e, i, &id, &ver, &sha);
        if (json_array_append_new(b->packs,
                                  json_pack("{s:s?, s:s?, s:s?}", "id", id,
                                            "version", ver, "sha256", sha)))
            return oom();
    }
    for (size_t i = 0; b->lists && i < lab_engine_list_count(e); i++) {
        const char *id = NULL, *ver = NULL, *sha = NULL;
        lab_engine_list_info(e, i, &id, NULL, &ver, &sha);
        if (json_array_append_new(
                b->lists, json_pack("{s:s?, s:s?, s:s?, s:I}", "id", id,
                                    "version", ver, "sha256", sha, "entries",
                                    (json_int_t)e->ref.lists[i].entries)))
            return oom();
    }
    return b->packs && b->lists ? LAB_OK : oom();
}

/* Removes what a failed build left in its temporary folder. */
static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d != NULL && (de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        lab_buf p = LAB_BUF_INIT;
        lab_buf_printf(&p, "%s/%s", dir, de->d_name);
        struct stat st;
        if (!p.oom && lstat(p.data, &st) == 0) {
            if (S_ISDIR(st.st_mode))
                remove_tree(p.data);
            else
                unlink(p.data);
        }
        lab_buf_free(&p);
    }
    if (d != NULL)
        closedir(d);
    rmdir(dir);
}

static int seal_manifest(dbuild *b, const char *manifest, size_t n)
{
    EVP_PKEY *key = NULL;
    char *certs = NULL;
    size_t certs_len = 0, siglen = 0;
    unsigned char *sig = NULL;
    lab_buf tsr = LAB_BUF_INIT, path = LAB_BUF_INIT;
    int rc = lab_key_load_private_file(&key, b->o->cms_key_file,
                                       b->o->cms_passphrase_env);
    if (rc == LAB_OK)
        rc = lab_read_file(&certs, &certs_len, b->o->cms_cert_file,
                           LAB_INPUT_MAX);
    if (rc == LAB_OK)
        rc = lab_cms_sign(&sig, &siglen, manifest, n, key, certs, certs_len, 0);
    if (rc == LAB_OK && b->o->tsa_url != NULL)
        rc = lab_cms_timestamp(&tsr, b->o->tsa_url, sig, siglen);
    if (rc == LAB_OK) {
        lab_buf_printf(&path, "%s/manifest.json.cms", b->tmp);
        rc = path.oom
                 ? oom()
                 : lab_write_file(path.data, sig, siglen, 0644, LAB_FILE_NEW);
    }
    if (rc == LAB_OK && tsr.len > 0) {
        lab_buf_adds(&path, ".tsr");
        rc = path.oom ? oom()
                      : lab_write_file(path.data, tsr.data, tsr.len, 0644,
                                       LAB_FILE_NEW);
    }
    lab_buf_free(&tsr);
    lab_buf_free(&path);
    free(sig);
    free(certs);
    EVP_PKEY_free(key);
    return rc;
}

#if LAB_HAVE_LIBARCHIVE
/* libarchive's writer: the ZIP goes into the lab_file as it is made. */
static la_ssize_t zip_put(struct archive *a, void *ud, const void *buf,
                          size_t n)
{
    if (lab_file_put(ud, buf, n) != LAB_OK) {
        archive_set_error(a, EIO, "%s", lab_errmsg());
        return -1;
    }
    return (la_ssize_t)n;
}
#endif

/* Writes the finished folder `dir` as `dir`.zip: its files (those the
 * manifest lists, the manifest and its signature and timestamp) under the
 * folder's own name, with a fixed time so that the same dossier gives the
 * same bytes; through lab_file_open, so a temporary renamed into place. */
static int write_zip(const char *dir, const json_t *files)
{
#if LAB_HAVE_LIBARCHIVE
    lab_buf zip = LAB_BUF_INIT, path = LAB_BUF_INIT;
    const char *base = strrchr(dir, '/');
    base = base && base[1] ? base + 1 : dir;
    lab_buf_printf(&zip, "%s.zip", dir);
    if (zip.oom)
        return oom();
    lab_file *out = NULL; /* the one atomic writer: a temporary, renamed */
    int rc = lab_file_open(&out, zip.data, 0644, 0);
    if (rc != LAB_OK) {
        lab_buf_free(&zip);
        return rc;
    }
    struct archive *a = archive_write_new();
    /* no padding to libarchive's 10 KiB blocks: the ZIP ends where it
     * ends, as archive_write_open_fd writes a regular file */
    if (a == NULL || archive_write_set_format_zip(a) != ARCHIVE_OK ||
        archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
        archive_write_open(a, out, NULL, zip_put, NULL) != ARCHIVE_OK)
        rc = lab_seterr(LAB_EIO, "dossier: cannot start the ZIP file: %s",
                        a ? archive_error_string(a) : "out of memory");
    size_t n = json_array_size(files);
    for (size_t i = 0; rc == LAB_OK && i < n + 3; i++) {
        const char *name = i < n ? json_string_value(json_object_get(
                                       json_array_get(files, i), "path"))
                                 : seal_files[i - n];
        char *data = NULL;
        size_t len = 0;
        path.len = 0;
        lab_buf_printf(&path, "%s/%s", dir, name);
        struct stat st;
        if (i >= n && stat(path.data, &st) != 0)
            continue; /* no signature or timestamp */
        rc = path.oom ? oom()
                      : lab_read_file(&data, &len, path.data, LAB_INPUT_MAX);
        struct archive_entry *e = rc == LAB_OK ? archive_entry_new() : NULL;
        if (rc == LAB_OK && e == NULL)
            rc = oom();
        if (rc == LAB_OK) {
            lab_buf entry = LAB_BUF_INIT;
            lab_buf_printf(&entry, "%s/%s", base, name);
            archive_entry_set_pathname(e, entry.data);
            archive_entry_set_size(e, (la_int64_t)len);
            archive_entry_set_filetype(e, AE_IFREG);
            archive_entry_set_perm(e, 0644);
            archive_entry_set_mtime(e, 315532800, 0); /* 1980-01-01 */
            if (entry.oom || archive_write_header(a, e) != ARCHIVE_OK ||
                (len > 0 &&
                 archive_write_data(a, data, len) != (la_ssize_t)len))
                rc = lab_seterr(LAB_EIO, "dossier: %s into the ZIP file: %s",
                                name, archive_error_string(a));
            lab_buf_free(&entry);
        }
        archive_entry_free(e);
        free(data);
    }
    if (a != NULL && archive_write_close(a) != ARCHIVE_OK && rc == LAB_OK)
        rc = lab_seterr(LAB_EIO, "dossier: cannot finish the ZIP file: %s",
                        archive_error_string(a));
    archive_write_free(a);
    if (rc == LAB_OK)
        rc = lab_file_commit(out); /* frees out */
    else
        lab_file_abort(out);
    lab_buf_free(&zip);
    lab_buf_free(&path);
    return rc;
#else
    (void)dir;
    (void)files;
    return lab_seterr(LAB_EUNSUPPORTED, "dossier: this labaudit was built "
                                        "without libarchive, so it writes "
                                        "no ZIP file (the folder is written)");
#endif
}

int lab_dossier(const char *dir, const lab_report *rep, const lab_dataset *ds,
                const lab_dossier_options *o)
{
    dbuild b;
    struct stat st;
    char digest[65], now[21];
    char *page = NULL, *report = NULL, *cert = NULL, *man = NULL;
    size_t cert_len = 0;
    json_t *manifest = NULL;

    memset(&b, 0, sizeof b);
    if (dir == NULL || rep == NULL || ds == NULL || o == NULL ||
        o->product == NULL)
        return lab_seterr(LAB_EINVAL, "lab_dossier: NULL argument (a folder, "
                                      "a report, its dataset and a product "
                                      "are needed)");
    if (o->version < 1 || o->version > LAB_DOSSIER_OPTIONS_VERSION)
        return lab_seterr(LAB_EVERSION, "lab_dossier_options: missing or "
                                        "unsupported version");
    if ((o->cms_key_file == NULL) != (o->cms_cert_file == NULL))
        return lab_seterr(LAB_EINVAL, "dossier: the signature needs both a "
                                      "key (cms_key_file) and its X.509 "
                                      "certificate (cms_cert_file)");
    if (lstat(dir, &st) == 0 || errno != ENOENT)
        return lab_seterr(LAB_EDUPLICATE,
                          "dossier: %s already exists: a dossier is written "
                          "to a new folder",
                          dir);
    b.rep = rep;
    b.ds = ds;
    b.o = o;
    b.lots = o->lots;
    b.nlots = o->nlots;
    const char **po_lots = NULL;
    int rc = LAB_OK;
    if (o->version >= 2 && o->purchase_order != NULL) {
        rc = find_po(ds, o->purchase_order, &b.po);
        if (rc == LAB_OK && strcmp(b.po->product_id, o->product) != 0)
            rc = lab_seterr(LAB_EINVAL,
                            "dossier: purchase order %s is for product %s, "
                            "not %s",
                            b.po->id, b.po->product_id, o->product);
        if (rc == LAB_OK && o->lots == NULL && b.po->lots != NULL) {
            po_lots = lab_calloc(b.po->lots->n, sizeof *po_lots);
            for (uint32_t k = 0; po_lots && k < b.po->lots->n; k++)
                po_lots[k] = b.po->lots->items[k].u.s;
            b.lots = po_lots;
            b.nlots = po_lots ? b.po->lots->n : 0;
            if (po_lots == NULL)
                rc = oom();
        }
    }
    if (rc == LAB_OK)
        rc = lab_pchain_open(&b.chain, ds, o->product, b.lots, b.nlots);
    if (rc != LAB_OK) {
        free(po_lots);
        return rc;
    }
    b.files = json_array();
    b.gaps = json_array();
    b.withheld = json_array();
    b.docs = json_array();
    b.scope = json_array();
    b.tests = json_array();
    lab_buf tmpl = LAB_BUF_INIT;
    lab_buf_printf(&tmpl, "%s.partial-XXXXXX", dir);
    if (tmpl.oom || b.files == NULL || b.gaps == NULL || b.withheld == NULL ||
        b.docs == NULL || b.scope == NULL || b.tests == NULL)
        rc = oom();
    else if ((b.tmp = mkdtemp(tmpl.data)) == NULL)
        rc = lab_seterr(LAB_EIO, "dossier: cannot make %s: %s", tmpl.data,
                        strerror(errno));
    lab_buf ev = LAB_BUF_INIT;
    if (rc == LAB_OK) {
        lab_buf_printf(&ev, "%s/evidence", b.tmp);
        if (ev.oom || mkdir(ev.data, 0755) != 0)
            rc = lab_seterr(LAB_EIO, "dossier: cannot make the evidence "
                                     "folder");
    }
    lab_buf_free(&ev);
    if (rc == LAB_OK)
        rc = add_evidence(&b);
    if (rc == LAB_OK && o->certificate != NULL) {
        rc =
            lab_read_text_file(&cert, &cert_len, o->certificate, LAB_INPUT_MAX);
        if (rc == LAB_OK)
            rc = add_file(&b, "certificate.jwt", cert, cert_len, "certificate",
                          NULL);
    }
    if (rc == LAB_OK)
        rc = lab_dataset_digest(digest, ds);
    if (rc == LAB_OK)
        rc = lab_report_render(&report, rep, LAB_FORMAT_JSON);
    if (rc == LAB_OK)
        rc =
            add_file(&b, "report.json", report, strlen(report), "report", NULL);
    if (rc == LAB_OK)
        rc = engine_json(&b);
    if (rc == LAB_OK)
        rc = render_page(&page, &b, o->product, digest, cert != NULL);
    if (rc == LAB_OK)
        rc = add_file(&b, "index.html", page, strlen(page), "page", NULL);
    if (rc == LAB_OK) {
        json_t *lots = json_array();
        for (size_t i = 0; lots && i < b.nlots; i++)
            json_array_append_new(lots, json_string(b.lots[i]));
        lab_time_format(now, lab_time_now());
        manifest = json_pack(
            "{s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:o, s:o, s:O, s:O, s:O, s:s, "
            "s:s?, s:s?}",
            "format", "labaudit.dossier/1", "labaudit", lab_version(),
            "created", now, "as_of", rep->as_of, "product", o->product, "lots",
            lots ? lots : json_array(), "dataset_sha256", digest, "packs",
            json_incref(b.packs), "lists", json_incref(b.lists), "files",
            b.files, "gaps", b.gaps, "withheld", b.withheld, "redaction",
            o->redact ? "documents of kinds payroll and permit (worker-level "
                        "personal data) are withheld; no keys or tokens are "
                        "ever included"
                      : "none: every document of the chain is included; no "
                        "keys or tokens are ever included",
            "importer", o->importer_id, "importer_name", o->importer_name);
        if (manifest == NULL ||
            json_object_set(manifest, "lab_tests", b.tests) != 0 ||
            json_object_set(manifest, "out_of_scope", b.scope) != 0 ||
            (b.po != NULL &&
             json_object_set_new(
                 manifest, "purchase_order",
                 json_pack("{s:s, s:s?, s:s?, s:s?}", "document", b.po->id,
                           "reference", b.po->reference, "issued", b.po->issued,
                           "supplier", b.po->supplier_id)) != 0))
            rc = oom();
    }
    if (rc == LAB_OK) {
        man = json_dumps(manifest,
                         JSON_INDENT(2) | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
        lab_buf path = LAB_BUF_INIT;
        lab_buf_printf(&path, "%s/manifest.json", b.tmp);
        rc = man == NULL || path.oom
                 ? oom()
                 : lab_write_file(path.data, man, strlen(man), 0644,
                                  LAB_FILE_NEW);
        lab_buf_free(&path);
    }
    if (rc == LAB_OK && o->cms_key_file != NULL)
        rc = seal_manifest(&b, man, strlen(man));
    if (rc == LAB_OK && o->zip && !LAB_HAVE_LIBARCHIVE)
        rc = write_zip(dir, b.files); /* says why not, before writing */
    if (rc == LAB_OK && rename(b.tmp, dir) != 0)
        rc = lab_seterr(LAB_EIO, "dossier: cannot rename %s to %s: %s", b.tmp,
                        dir, strerror(errno));
    else if (rc == LAB_OK && o->zip) {
        b.tmp = NULL; /* the folder is in place: a failed ZIP leaves it */
        rc = write_zip(dir, b.files);
    }
    if (rc != LAB_OK && b.tmp != NULL)
        remove_tree(b.tmp);
    lab_buf_free(&tmpl);
    free(man);
    json_decref(manifest);
    json_decref(b.files);
    json_decref(b.gaps);
    json_decref(b.withheld);
    json_decref(b.docs);
    json_decref(b.scope);
    json_decref(b.tests);
    json_decref(b.packs);
    json_decref(b.lists);
    lab_free(page);
    lab_free(report);
    free(cert);
    lab_pchain_close(b.chain);
    free(po_lots);
    return rc;
}

/* ---- checking ---- */

/* Appends to `names` the files under dir/rel (relative paths), and the
 * entries that are neither files nor folders as "?path". */
static int list_files(json_t *names, const char *dir, const char *rel,
                      int depth)
{
    lab_buf p = LAB_BUF_INIT;
    lab_buf_printf(&p, "%s%s%s", dir, rel[0] ? "/" : "", rel);
    DIR *d = p.oom ? NULL : opendir(p.data);
    lab_buf_free(&p);
    if (d == NULL)
        return lab_seterr(LAB_EIO, "dossier: cannot read the folder %s/%s", dir,
                          rel);
    int rc = LAB_OK;
    struct dirent *de;
    while (rc == LAB_OK && (de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        lab_buf r = LAB_BUF_INIT, full = LAB_BUF_INIT;
        lab_buf_printf(&r, "%s%s%s", rel, rel[0] ? "/" : "", de->d_name);
        lab_buf_printf(&full, "%s/%s", dir, r.data ? r.data : "");
        struct stat st;
        if (r.oom || full.oom)
            rc = oom();
        else if (lstat(full.data, &st) == 0 && S_ISDIR(st.st_mode) && depth < 4)
            rc = list_files(names, dir, r.data, depth + 1);
        else if (json_array_append_new(
                     names, json_string(S_ISREG(st.st_mode) ? r.data : "?")) !=
                 0)
            rc = oom();
        lab_buf_free(&r);
        lab_buf_free(&full);
    }
    closedir(d);
    return rc;
}

/* A path or digest as the manifest or the folder gives it, quoted in the
 * report: control characters become \xHH, so that a crafted name cannot
 * start a line of its own (a "result: VALID" that is not the verdict). */
static void add_quoted(lab_buf *b, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c == 0x7f)
            lab_buf_printf(b, "\\x%02x", c);
        else
            lab_buf_addc(b, (char)c);
    }
}

/* Exactly 64 lowercase hex digits. */
static int is_sha256_hex(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
            return 0;
    return n == 64;
}

/* Checks manifest.json.cms over the manifest's bytes. */
static void check_signature(lab_buf *out, int *ok, const char *dir,
                            const char *man, size_t man_len,
                            const char *ca_file)
{
    lab_buf path = LAB_BUF_INIT;
    char *der = NULL;
    size_t der_len = 0;
    lab_buf_printf(&path, "%s/manifest.json.cms", dir);
    struct stat st;
    if (path.oom || stat(path.data, &st) != 0) {
        lab_buf_adds(out, "signature: none (manifest.json.cms is not there)\n");
        lab_buf_free(&path);
        return;
    }
    lab_ossl_scope scope;
    lab_ossl_enter(&scope);
    BIO *in = NULL, *content = NULL;
    CMS_ContentInfo *cms = NULL;
    X509_STORE *store = X509_STORE_new();
    int good = 0;
    if (lab_read_file(&der, &der_len, path.data, LAB_INPUT_MAX) == LAB_OK &&
        (in = BIO_new_mem_buf(der, (int)der_len)) != NULL &&
        (cms = d2i_CMS_bio(in, NULL)) != NULL &&
        (content = BIO_new_mem_buf(man, (int)man_len)) != NULL &&
        store != NULL &&
        (ca_file == NULL || X509_STORE_load_file(store, ca_file) == 1)) {
        unsigned flags = CMS_BINARY | CMS_DETACHED;
        if (ca_file == NULL)
            flags |= CMS_NO_SIGNER_CERT_VERIFY;
        good = CMS_verify(cms, NULL, store, content, NULL, flags) == 1;
    }
    char subject[256] = "?";
    STACK_OF(X509) *signers = cms ? CMS_get0_signers(cms) : NULL;
    if (signers != NULL && sk_X509_num(signers) > 0)
        X509_NAME_oneline(X509_get_subject_name(sk_X509_value(signers, 0)),
                          subject, sizeof subject);
    sk_X509_free(signers);
    if (good)
        lab_buf_printf(
            out, "signature: valid over manifest.json, signer %s%s\n", subject,
            ca_file ? " (chain checked against the CA file)"
                    : " (signer NOT checked against a CA: give "
                      "the importer's CA certificate)");
    else {
        lab_buf_printf(out,
                       "signature: INVALID (manifest.json.cms does not "
                       "verify over manifest.json%s)\n",
                       ca_file ? " with the CA file given" : "");
        *ok = 0;
    }
    ERR_clear_error();
    BIO_free(in);
    BIO_free(content);
    CMS_ContentInfo_free(cms);
    X509_STORE_free(store);
    lab_ossl_leave(&scope);

    /* the timestamp: an RFC 3161 response over the .cms file's SHA-256 */
    lab_buf_adds(&path, ".tsr");
    char *tsr = NULL;
    size_t tsr_len = 0;
    if (!path.oom && stat(path.data, &st) == 0) {
        unsigned char md[32];
        const unsigned char *p = NULL;
        TS_RESP *resp = NULL;
        int tgood = 0;
        char when[64] = "?";
        lab_ossl_enter(&scope);
        if (lab_read_file(&tsr, &tsr_len, path.data, LAB_INPUT_MAX) == LAB_OK &&
            lab_sha256(md, der, der_len) == LAB_OK) {
            p = (const unsigned char *)tsr;
            resp = d2i_TS_RESP(NULL, &p, (long)tsr_len);
            TS_TST_INFO *info = resp ? TS_RESP_get_tst_info(resp) : NULL;
            TS_MSG_IMPRINT *mi =
                info ? TS_TST_INFO_get_msg_imprint(info) : NULL;
            ASN1_OCTET_STRING *h = mi ? TS_MSG_IMPRINT_get_msg(mi) : NULL;
            tgood = h != NULL && ASN1_STRING_length(h) == 32 &&
                    memcmp(ASN1_STRING_get0_data(h), md, 32) == 0;
            const ASN1_GENERALIZEDTIME *t =
                info ? TS_TST_INFO_get_time(info) : NULL;
            if (t != NULL)
                snprintf(when, sizeof when, "%.*s", ASN1_STRING_length(t),
                         (const char *)ASN1_STRING_get0_data(t));
        }
        if (tgood)
            lab_buf_printf(out,
                           "timestamp: covers manifest.json.cms, time %s "
                           "(the TSA's own signature: openssl ts -verify)\n",
                           when);
        else {
            lab_buf_adds(out, "timestamp: INVALID (manifest.json.cms.tsr does "
                              "not cover manifest.json.cms)\n");
            *ok = 0;
        }
        TS_RESP_free(resp);
        ERR_clear_error();
        lab_ossl_leave(&scope);
    }
    free(tsr);
    free(der);
    lab_buf_free(&path);
}

int lab_dossier_verify(int *ok, char **report, const char *dir,
                       const char *ca_file)
{
    char *man = NULL;
    size_t man_len = 0;
    lab_buf out = LAB_BUF_INIT, path = LAB_BUF_INIT;
    json_t *m = NULL, *present = NULL;
    json_error_t err;

    if (ok == NULL || report == NULL || dir == NULL)
        return lab_seterr(LAB_EINVAL, "lab_dossier_verify: NULL argument");
    *ok = 1;
    lab_buf_printf(&path, "%s/manifest.json", dir);
    int rc = path.oom
                 ? oom()
                 : lab_read_text_file(&man, &man_len, path.data, LAB_INPUT_MAX);
    if (rc == LAB_OK) {
        m = json_loadb(man, man_len, JSON_REJECT_DUPLICATES, &err);
        const char *fmt = json_string_value(json_object_get(m, "format"));
        if (m == NULL)
            rc = lab_seterr(LAB_EPARSE, "%s:%d:%d: %s", path.data, err.line,
                            err.column, err.text);
        else if (fmt == NULL || strcmp(fmt, "labaudit.dossier/1") != 0 ||
                 !json_is_array(json_object_get(m, "files")))
            rc = lab_seterr(LAB_EPARSE,
                            "%s: not a labaudit dossier manifest (expected "
                            "\"format\": \"labaudit.dossier/1\" and a "
                            "\"files\" array)",
                            path.data);
    }
    if (rc == LAB_OK && (present = json_array()) == NULL)
        rc = oom();
    if (rc == LAB_OK)
        rc = list_files(present, dir, "", 0);
    const json_t *files = json_object_get(m, "files");
    size_t nfiles = 0, nbad = 0;
    for (size_t i = 0; rc == LAB_OK && i < json_array_size(files); i++) {
        const json_t *f = json_array_get(files, i);
        const char *name = json_string_value(json_object_get(f, "path"));
        const char *want = json_string_value(json_object_get(f, "sha256"));
        json_int_t size = json_integer_value(json_object_get(f, "size"));
        int plain = name != NULL && name[0] != '/' && name[0] != '\0' &&
                    strstr(name, "..") == NULL;
        for (const char *c = name; plain && *c; c++)
            plain = (unsigned char)*c >= 0x20 && *c != 0x7f && *c != '\\';
        if (!plain || want == NULL || !is_sha256_hex(want)) {
            lab_buf_printf(&out,
                           "manifest: entry %zu is not a plain path "
                           "with a sha256\n",
                           i);
            nbad++;
            continue;
        }
        lab_buf fp = LAB_BUF_INIT;
        char *data = NULL, hex[65];
        size_t len = 0;
        lab_buf_printf(&fp, "%s/%s", dir, name);
        struct stat lst;
        if (fp.oom) {
            rc = oom();
        } else if (lstat(fp.data, &lst) == 0 && !S_ISREG(lst.st_mode)) {
            lab_buf_printf(&out,
                           "not a regular file: %s (a link or a "
                           "device is not evidence)\n",
                           name);
            nbad++;
        } else if (lab_read_file(&data, &len, fp.data, LAB_INPUT_MAX) !=
                   LAB_OK) {
            lab_buf_printf(&out, "missing: %s\n", name);
            nbad++;
        } else if (lab_sha256_hex(hex, data, len) != LAB_OK) {
            rc = oom();
        } else if (strcmp(hex, want) != 0 || (json_int_t)len != size) {
            lab_buf_printf(&out,
                           "changed: %s (SHA-256 %s, %zu bytes; the "
                           "manifest says %s, %lld bytes)\n",
                           name, hex, len, want, (long long)size);
            nbad++;
        } else {
            nfiles++;
        }
        lab_clearerr();
        free(data);
        lab_buf_free(&fp);
    }
    /* what is there that the manifest does not list */
    for (size_t i = 0; rc == LAB_OK && i < json_array_size(present); i++) {
        const char *name = json_string_value(json_array_get(present, i));
        int known = 0;
        for (size_t k = 0; seal_files[k] != NULL && !known; k++)
            known = strcmp(name, seal_files[k]) == 0;
        for (size_t k = 0; !known && k < json_array_size(files); k++) {
            const char *listed = json_string_value(
                json_object_get(json_array_get(files, k), "path"));
            known = listed != NULL && strcmp(name, listed) == 0;
        }
        if (!known) {
            lab_buf_adds(&out, "extra: ");
            add_quoted(&out, strcmp(name, "?") == 0 ? "an entry that is not "
                                                      "a regular file"
                                                    : name);
            lab_buf_adds(&out, " (not in the manifest)\n");
            nbad++;
        }
    }
    if (rc == LAB_OK) {
        lab_buf_printf(&out,
                       "files: %zu of %zu listed are present and "
                       "unchanged\n",
                       nfiles, json_array_size(files));
        if (json_array_size(json_object_get(m, "gaps")) > 0)
            lab_buf_printf(
                &out,
                "gaps: the dossier lists %zu document%s it does "
                "not hold\n",
                json_array_size(json_object_get(m, "gaps")),
                json_array_size(json_object_get(m, "gaps")) == 1 ? "" : "s");
        check_signature(&out, ok, dir, man, man_len, ca_file);
        if (nbad > 0)
            *ok = 0;
        lab_buf_printf(&out, "result: %s\n", *ok ? "VALID" : "INVALID");
        rc = out.oom ? oom() : lab_buf_detach(&out, report);
    }
    lab_buf_free(&out);
    lab_buf_free(&path);
    json_decref(m);
    json_decref(present);
    free(man);
    return rc;
}

/* ---- the drill: what a template asks for and the dataset lacks ---- */

/* Does record `rec` of table t have field `name` set? -1: no such field. */
static int has_field(const lab_table *t, const void *rec, const char *name)
{
    const lab_field *f = lab_field_find(t->entity, name, strlen(name));
    if (f == NULL)
        return -1;
    lab_val v = lab_field_get(f, rec);
    return v.t != LAB_V_NULL && !(v.t == LAB_V_STR && v.n == 0);
}

/* Has supplier v a document of `kind` (directly or through its audits)? */
static int has_document(const lab_dataset *ds, uint32_t v, const char *kind)
{
    const lab_table *t = &ds->tables[LAB_RECORD_DOCUMENT];
    const lab_supplier *s = lab_table_row(&ds->tables[LAB_RECORD_SUPPLIER], v);
    for (size_t i = 0; i < t->n; i++) {
        const lab_document *d = lab_table_row(t, i);
        if (d->kind == NULL || strcmp(d->kind, kind) != 0)
            continue;
        if (d->supplier_id != NULL && strcmp(d->supplier_id, s->id) == 0)
            return 1;
        long a =
            d->audit_id ? lab_ds_find(ds, LAB_RECORD_AUDIT, d->audit_id) : -1;
        if (d->supplier_id == NULL && a >= 0 && ds->audit_owner[a] == v)
            return 1;
    }
    return 0;
}

/* Checks one requirement list (fields or documents) of the template at
 * `where` against supplier v (or, v < 0, the product), appending what is
 * missing to `missing` and counting. */
static int drill_list(json_t *missing, size_t *need, size_t *have,
                      const json_t *list, const char *where,
                      const lab_dataset *ds, long v, const void *product,
                      int documents)
{
    for (size_t i = 0; i < json_array_size(list); i++) {
        const char *name = json_string_value(json_array_get(list, i));
        if (name == NULL)
            return lab_seterr(LAB_EPARSE,
                              "dossier template: %s: item %zu is not a "
                              "string",
                              where, i);
        int ok;
        if (documents)
            ok = v >= 0 && has_document(ds, (uint32_t)v, name);
        else if (v >= 0)
            ok = has_field(
                &ds->tables[LAB_RECORD_SUPPLIER],
                lab_table_row(&ds->tables[LAB_RECORD_SUPPLIER], (size_t)v),
                name);
        else
            ok = has_field(&ds->tables[LAB_RECORD_PRODUCT], product, name);
        if (ok < 0)
            return lab_seterr(LAB_EPARSE,
                              "dossier template: %s: '%s' is not a %s field",
                              where, name, v >= 0 ? "supplier" : "product");
        (*need)++;
        if (ok)
            (*have)++;
        else if (json_array_append_new(
                     missing, json_pack("{s:s, s:s}", "kind",
                                        documents ? "document" : "field",
                                        "name", name)) != 0)
            return oom();
    }
    return LAB_OK;
}

int lab_dossier_drill(char **out, const lab_report *rep, const lab_dataset *ds,
                      const char *product, const char *const *lots,
                      size_t nlots, const char *template_path,
                      lab_format format, int *complete)
{
    char *text = NULL;
    size_t len = 0, need = 0, have = 0;
    json_error_t err;
    json_t *tpl = NULL, *entities = json_array(), *result = NULL;
    lab_pchain *c = NULL;

    if (out == NULL || rep == NULL || ds == NULL || product == NULL ||
        template_path == NULL)
        return lab_seterr(LAB_EINVAL, "lab_dossier_drill: NULL argument");
    int rc = lab_read_text_file(&text, &len, template_path, LAB_INPUT_MAX);
    if (rc == LAB_OK) {
        tpl = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
        const char *fmt = json_string_value(json_object_get(tpl, "format"));
        if (tpl == NULL)
            rc = lab_seterr(LAB_EPARSE, "%s:%d:%d: %s", template_path, err.line,
                            err.column, err.text);
        else if (fmt == NULL || strcmp(fmt, "labaudit.dossier-template/1") != 0)
            rc = lab_seterr(LAB_EPARSE,
                            "%s: expected \"format\": "
                            "\"labaudit.dossier-template/1\"",
                            template_path);
    }
    if (rc == LAB_OK)
        rc = lab_pchain_open(&c, ds, product, lots, nlots);
    const lab_table *st = &ds->tables[LAB_RECORD_SUPPLIER];
    const json_t *all = json_object_get(tpl, "entity");
    const json_t *roles = json_object_get(tpl, "roles");
    /* the product itself */
    json_t *pmissing = json_array();
    if (rc == LAB_OK) {
        long p = lab_ds_find(ds, LAB_RECORD_PRODUCT, product);
        rc = pmissing == NULL
                 ? oom()
                 : drill_list(pmissing, &need, &have,
                              json_object_get(json_object_get(tpl, "product"),
                                              "fields"),
                              "product.fields", ds, -1,
                              lab_table_row(&ds->tables[LAB_RECORD_PRODUCT],
                                            (size_t)p),
                              0);
    }
    for (size_t i = 0; rc == LAB_OK && c && i < lab_pchain_size(c); i++) {
        uint32_t v = lab_pchain_member(c, i);
        const lab_supplier *s = lab_table_row(st, v);
        const json_t *role = s->role ? json_object_get(roles, s->role) : NULL;
        json_t *missing = json_array();
        if (missing == NULL) {
            rc = oom();
            break;
        }
        rc = drill_list(missing, &need, &have, json_object_get(all, "fields"),
                        "entity.fields", ds, v, NULL, 0);
        if (rc == LAB_OK)
            rc = drill_list(missing, &need, &have,
                            json_object_get(all, "documents"),
                            "entity.documents", ds, v, NULL, 1);
        if (rc == LAB_OK)
            rc = drill_list(missing, &need, &have,
                            json_object_get(role, "fields"), "roles.fields", ds,
                            v, NULL, 0);
        if (rc == LAB_OK)
            rc = drill_list(missing, &need, &have,
                            json_object_get(role, "documents"),
                            "roles.documents", ds, v, NULL, 1);
        if (rc == LAB_OK &&
            json_array_append_new(
                entities,
                json_pack("{s:s, s:s?, s:s?, s:i, s:o}", "id", s->id, "name",
                          s->name, "role", s->role, "tier",
                          (int)lab_pchain_tier(c, v), "missing", missing)) != 0)
            rc = oom();
        else if (rc != LAB_OK)
            json_decref(missing);
    }
    int pct = need ? (int)(100 * have / need) : 100;
    if (rc == LAB_OK) {
        result = json_pack(
            "{s:s, s:O?, s:O?, s:O?, s:s, s:I, s:I, s:i, s:O, s:O}", "format",
            "labaudit.drill/1", "template", json_object_get(tpl, "id"),
            "template_version", json_object_get(tpl, "version"), "sources",
            json_object_get(tpl, "sources"), "product", product, "required",
            (json_int_t)need, "present", (json_int_t)have, "completeness", pct,
            "product_missing", pmissing, "entities", entities);
        if (result == NULL)
            rc = oom();
    }
    if (rc == LAB_OK && format == LAB_FORMAT_JSON) {
        *out = json_dumps(result, JSON_INDENT(2) | JSON_ENSURE_ASCII);
        rc = *out ? LAB_OK : oom();
    } else if (rc == LAB_OK) {
        lab_buf b = LAB_BUF_INIT;
        lab_buf_printf(
            &b,
            "%s %s, product %s: %zu of %zu items present "
            "(%d %% complete)\n",
            str_or(json_string_value(json_object_get(tpl, "id")), "template"),
            str_or(json_string_value(json_object_get(tpl, "version")), ""),
            product, have, need, pct);
        for (size_t k = 0; k < json_array_size(pmissing); k++)
            lab_buf_printf(&b, "  product %s lacks %s %s\n", product,
                           json_string_value(json_object_get(
                               json_array_get(pmissing, k), "kind")),
                           json_string_value(json_object_get(
                               json_array_get(pmissing, k), "name")));
        for (size_t i = 0; i < json_array_size(entities); i++) {
            const json_t *en = json_array_get(entities, i);
            const json_t *m = json_object_get(en, "missing");
            if (json_array_size(m) == 0)
                continue;
            lab_buf_printf(
                &b, "  tier %d %s (%s, %s) lacks:",
                (int)json_integer_value(json_object_get(en, "tier")),
                json_string_value(json_object_get(en, "id")),
                str_or(json_string_value(json_object_get(en, "name")), ""),
                str_or(json_string_value(json_object_get(en, "role")),
                       "no role"));
            for (size_t k = 0; k < json_array_size(m); k++)
                lab_buf_printf(&b, "%s %s %s", k ? "," : "",
                               json_string_value(json_object_get(
                                   json_array_get(m, k), "kind")),
                               json_string_value(json_object_get(
                                   json_array_get(m, k), "name")));
            lab_buf_addc(&b, '\n');
        }
        rc = b.oom ? oom() : lab_buf_detach(&b, out);
    }
    if (rc == LAB_OK && complete != NULL)
        *complete = need == have;
    json_decref(result);
    json_decref(pmissing);
    json_decref(entities);
    json_decref(tpl);
    lab_pchain_close(c);
    free(text);
    return rc;
}
