/*
 * credential.c - compliance certificates.  lab_certify() turns a checked
 * product into a UN Transparency Protocol Digital Conformity Credential
 * (W3C VC 2.0 data model, conformityTopic social.labour) whose scope is
 * the product and lots, the claim, every facility upstream of the maker
 * with its OS ID, country and tier, the rule packs and reference lists
 * with their SHA-256, the audit reports with theirs, the waivers, the
 * validity dates and a Bitstring Status List entry; it refuses while a
 * blocker is open in the chain, and seals the credential as a vc+jwt
 * compact JWS (optionally with an embedded eddsa-jcs-2022 proof, or
 * wrapped as an EnvelopedVerifiableCredential).  lab_verify() checks such
 * a token offline and names the first thing wrong with it by a stable
 * reason code.  Keys, JWS, JCS and Data Integrity come from crypto.h.
 */
#include "credential.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- small helpers ---- */

static int oom(void)
{
    return lab_seterr(LAB_ENOMEM, "out of memory");
}

/* Appends s percent-encoded except for RFC 3986 unreserved characters. */
static void add_pct(lab_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
            (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' ||
            *p == '~') {
            lab_buf_addc(b, (char)*p);
        } else {
            lab_buf_addc(b, '%');
            lab_buf_addc(b, hex[*p >> 4]);
            lab_buf_addc(b, hex[*p & 15]);
        }
    }
}

/* "urn:labaudit:<kind>:<id percent-encoded>" as a new JSON string. */
static json_t *urn(const char *kind, const char *id)
{
    lab_buf b = LAB_BUF_INIT;
    lab_buf_printf(&b, "urn:labaudit:%s:", kind);
    add_pct(&b, id);
    json_t *s = b.oom ? NULL : json_stringn(b.data, b.len);
    lab_buf_free(&b);
    return s;
}

/* A random "urn:uuid:" (version 4) into buf[46]. */
static int new_uuid(char buf[46])
{
    OSSL_LIB_CTX *ctx = NULL;
    unsigned char r[16];
    int rc = lab_crypto_libctx(&ctx);
    if (rc != LAB_OK)
        return rc;
    if (RAND_bytes_ex(ctx, r, sizeof r, 0) != 1)
        return lab_seterr(LAB_ECRYPTO, "no random bytes for a credential id");
    r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);
    r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
    snprintf(buf, 46,
             "urn:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
             "%02x%02x%02x%02x%02x%02x",
             r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10],
             r[11], r[12], r[13], r[14], r[15]);
    return LAB_OK;
}

/* A plausible absolute URI: a scheme, ':', then no blanks or controls. */
static int looks_like_uri(const char *s)
{
    size_t i = 0;
    if (s == NULL ||
        !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
        return 0;
    while (s[i] && s[i] != ':') {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'))
            return 0;
        i++;
    }
    if (s[i] != ':' || s[i + 1] == '\0')
        return 0;
    for (i++; s[i]; i++)
        if ((unsigned char)s[i] <= ' ' || s[i] == '"' || s[i] == '<' ||
            s[i] == '>' || s[i] == '\\' || s[i] == 0x7f)
            return 0;
    return 1;
}

static int set_new(json_t *o, const char *k, json_t *v)
{
    return v != NULL && json_object_set_new(o, k, v) == 0 ? 0 : -1;
}

/* ---- the product's chain ---- */

/* Whether a waiver accepts the finding (see waiver.c). */
static int finding_waived(const lab_finding *f)
{
    return f->waiver != NULL;
}

typedef struct chain {
    const lab_dataset *ds;
    const lab_product *product;
    uint32_t maker;
    int32_t *tier;   /* per supplier: links from the maker, -1 = outside */
    uint32_t *order; /* suppliers in the chain, by tier then id */
    size_t n;
    /* the lots covered when the product is judged per lot (else none):
     * the chain is then the facilities of those lots' chains */
    const char **lots;
    lab_chain *lot_facts; /* per covered lot */
    size_t nlots;
    lab_arena arena; /* the lots' chain facts */
} chain;

static void chain_free(chain *c)
{
    free(c->tier);
    free(c->order);
    free(c->lots);
    free(c->lot_facts);
    lab_arena_free(&c->arena);
    c->tier = NULL;
    c->order = NULL;
    c->lots = NULL;
    c->lot_facts = NULL;
}

/* Is lot `id` among the lots the certificate covers? */
static int covers_lot(const chain *c, const char *id)
{
    for (size_t i = 0; i < c->nlots; i++)
        if (strcmp(c->lots[i], id) == 0)
            return 1;
    return 0;
}

/* With lot data, marks the facilities of each covered lot's chain in
 * `member` (1) and keeps each lot's chain facts.  The lots are those asked
 * for, else the product's.  Without lot data for the product, leaves
 * member NULL: the whole upstream of the maker is the chain. */
static int chain_lots(chain *c, const lab_dataset *ds, long p,
                      const char *const *want, size_t nwant,
                      unsigned char **member)
{
    *member = NULL;
    if (!lab_ds_has_lots(ds) ||
        ds->product_lot_off[p] == ds->product_lot_off[p + 1])
        return LAB_OK;
    uint32_t a = ds->product_lot_off[p], b = ds->product_lot_off[p + 1];
    size_t n = want != NULL ? nwant : b - a;
    size_t nv = ds->tables[LAB_RECORD_SUPPLIER].n;
    const lab_table *lots = &ds->tables[LAB_RECORD_LOT];
    c->lots = lab_calloc(n ? n : 1, sizeof *c->lots);
    c->lot_facts = lab_calloc(n ? n : 1, sizeof *c->lot_facts);
    *member = lab_calloc(nv + 1, 1);
    lab_walk w = {0};
    lab_arena_init(&c->arena, 4096);
    int rc = c->lots && c->lot_facts && *member ? LAB_OK : oom();
    for (size_t i = 0; rc == LAB_OK && i < n; i++) {
        uint32_t lot = LAB_NONE;
        for (uint32_t k = a; k < b; k++) {
            const lab_lot *x = lab_table_row(lots, ds->product_lot_of[k]);
            if (want == NULL ? k == a + i : strcmp(x->id, want[i]) == 0)
                lot = ds->product_lot_of[k];
        }
        if (lot == LAB_NONE) {
            rc = lab_seterr(LAB_ENOTFOUND,
                            "product '%s' has no lot '%s' (its lots "
                            "are those products.csv names for it)",
                            c->product->id, want[i]);
            break;
        }
        /* the lot walk keeps its stamps in the dataset, like the
         * engine's walks: a dataset serves one thread at a time */
        rc = lab_lot_chain((lab_dataset *)ds, (uint32_t)p, lot, &w, &c->arena,
                           &c->lot_facts[i]);
        for (size_t k = 0; rc == LAB_OK && k < w.n; k++)
            (*member)[w.list[k]] = 1;
        c->lots[c->nlots++] = c->lot_facts[i].lot;
    }
    free(w.stamp);
    free(w.pos);
    free(w.list);
    if (rc != LAB_OK) {
        free(*member);
        *member = NULL;
    }
    return rc;
}

typedef struct tier_key {
    int32_t tier;
    uint32_t index;
    const char *id;
} tier_key;

static int by_tier(const void *a, const void *b)
{
    const tier_key *x = a, *y = b;
    if (x->tier != y->tier)
        return x->tier < y->tier ? -1 : 1;
    return strcmp(x->id, y->id);
}

/* Orders the chain by tier, then supplier id (no shared state, so that
 * threads may certify at once). */
static int chain_sort(chain *c, const lab_dataset *ds)
{
    const lab_table *t = &ds->tables[LAB_RECORD_SUPPLIER];
    tier_key *k = lab_calloc(c->n ? c->n : 1, sizeof *k);
    if (k == NULL)
        return oom();
    for (size_t i = 0; i < c->n; i++) {
        const lab_supplier *s = lab_table_row(t, c->order[i]);
        k[i].tier = c->tier[c->order[i]];
        k[i].index = c->order[i];
        k[i].id = s->id;
    }
    qsort(k, c->n, sizeof *k, by_tier);
    for (size_t i = 0; i < c->n; i++)
        c->order[i] = k[i].index;
    free(k);
    return LAB_OK;
}

/* Finds the product and the tier of every supplier upstream of its maker
 * (lab_chain_tiers). */
static int chain_make(chain *c, const lab_dataset *ds, const char *product,
                      const char *const *lots, size_t nlots)
{
    memset(c, 0, sizeof *c);
    c->ds = ds;
    if (!ds->indexed)
        return lab_seterr(LAB_EINVAL, "certify: the dataset has not been "
                                      "checked (run lab_check first)");
    long p = lab_ds_find(ds, LAB_RECORD_PRODUCT, product);
    if (p < 0)
        return lab_seterr(LAB_ENOTFOUND, "no product '%s' in the dataset",
                          product);
    c->product = lab_table_row(&ds->tables[LAB_RECORD_PRODUCT], (size_t)p);
    long m = lab_ds_find(ds, LAB_RECORD_SUPPLIER, c->product->supplier_id);
    if (m < 0)
        return lab_seterr(LAB_ENOTFOUND, "product '%s': no maker '%s'", product,
                          c->product->supplier_id);
    size_t nv = ds->tables[LAB_RECORD_SUPPLIER].n;
    c->maker = (uint32_t)m;
    unsigned char *member = NULL;
    int lrc = chain_lots(c, ds, p, lots, nlots, &member);
    if (lrc != LAB_OK) {
        chain_free(c);
        return lrc;
    }
    c->tier = lab_malloc((nv + 1) * sizeof *c->tier);
    c->order = lab_malloc((nv + 1) * sizeof *c->order);
    if (c->tier == NULL || c->order == NULL) {
        free(member);
        chain_free(c);
        return oom();
    }
    c->n = lab_chain_tiers(ds, &c->maker, 1, member, c->tier, NULL, c->order);
    free(member);
    int rc = chain_sort(c, ds);
    if (rc != LAB_OK)
        chain_free(c);
    return rc;
}

/* Is finding f about the product's chain (as the engine's verdict
 * counts it)? */
static int in_chain(const chain *c, const lab_finding *f)
{
    if (f->subject == LAB_SUBJECT_CHAIN)
        return strcmp(f->subject_id, c->product->id) == 0 &&
               (f->lot == NULL || c->nlots == 0 || covers_lot(c, f->lot));
    /* a link's finding is about goods from its seller to its buyer */
    if (f->subject == LAB_SUBJECT_LINK && f->link != LAB_NONE &&
        c->tier[c->ds->link_to[f->link]] < 0)
        return 0;
    return c->tier[f->supplier] >= 0;
}

static int report_has_product(const lab_report *rep, const char *product)
{
    for (size_t i = 0; i < rep->nproducts; i++)
        if (strcmp(rep->products[i].id, product) == 0)
            return 1;
    return 0;
}

static const char *subject_name(lab_subject s)
{
    const char *name = lab_subject_name((int)s);
    return name ? name : "?";
}

int lab_cred_blockers(char **out, size_t *n, size_t *nunknown,
                      const lab_report *rep, const lab_dataset *ds,
                      const char *product, const char *const *lots,
                      size_t nlots)
{
    chain c;
    if (!report_has_product(rep, product))
        return lab_seterr(LAB_ENOTFOUND,
                          "the report did not check product '%s'", product);
    int rc = chain_make(&c, ds, product, lots, nlots);
    if (rc != LAB_OK)
        return rc;
    lab_buf b = LAB_BUF_INIT;
    size_t count = 0, more = 0;
    for (size_t i = 0; i < rep->n; i++) {
        const lab_finding *f = &rep->findings[i];
        /* a closure awaiting verification stops a certificate too */
        if ((f->severity != LAB_SEV_BLOCKER && !f->awaiting) ||
            !in_chain(&c, f) || finding_waived(f))
            continue;
        /* The list goes into the one-line message: keep it short. */
        if (b.len < 700)
            lab_buf_printf(&b, "%s%s on %s %s%s", count ? "; " : "",
                           f->rule->id, subject_name(f->subject), f->subject_id,
                           f->severity == LAB_SEV_BLOCKER
                               ? ""
                               : " (awaiting verification)");
        else
            more++;
        count++;
    }
    size_t unknown = 0;
    for (size_t i = 0; count == 0 && i < rep->nunknowns; i++) {
        const lab_unknown *u = &rep->unknowns[i];
        if (c.tier[u->supplier] < 0)
            continue;
        const lab_supplier *s =
            lab_table_row(&ds->tables[LAB_RECORD_SUPPLIER], u->supplier);
        if (b.len < 700)
            lab_buf_printf(&b, "%s%s at %s", unknown ? "; " : "",
                           u->req->ref->path, s->id);
        else
            more++;
        unknown++;
    }
    if (more > 0)
        lab_buf_printf(&b, "; and %zu more", more);
    chain_free(&c);
    lab_buf_addc(&b, '\0');
    char *s = NULL;
    if (lab_buf_detach(&b, &s) != LAB_OK)
        return oom();
    *out = s;
    *n = count;
    *nunknown = unknown;
    return LAB_OK;
}

/* ---- building the credential ---- */

static json_t *build_facility(const lab_supplier *s, int32_t tier)
{
    json_t *fac = NULL, *f = json_object();
    if (f == NULL)
        return NULL;
    if (s->os_id != NULL) {
        lab_buf b = LAB_BUF_INIT;
        lab_buf_adds(&b, "https://opensupplyhub.org/facilities/");
        add_pct(&b, s->os_id);
        fac = json_pack("{s:s%, s:s, s:s}", "id", b.data ? b.data : "", b.len,
                        "name", s->name, "registeredId", s->os_id);
        lab_buf_free(&b);
    } else {
        fac = json_pack("{s:o, s:s}", "id", urn("supplier", s->id), "name",
                        s->name);
    }
    int bad = set_new(f, "type", json_pack("[s]", "FacilityVerification")) ||
              set_new(f, "facility", fac) ||
              set_new(f, "IDverifiedByCAB", json_false()) ||
              set_new(f, "supplierId", json_string(s->id)) ||
              set_new(f, "tier", json_integer(tier)) ||
              set_new(f, "country", json_string(s->country));
    if (!bad && s->os_id != NULL)
        bad = set_new(f, "osId", json_string(s->os_id));
    if (!bad && s->role != NULL)
        bad = set_new(f, "role", json_string(s->role));
    if (!bad && s->subdivision != NULL)
        bad = set_new(f, "subdivision", json_string(s->subdivision));
    if (bad) {
        json_decref(f);
        return NULL;
    }
    return f;
}

/* The document holding an audit's report, if any. */
static const lab_document *audit_document(const lab_dataset *ds,
                                          const char *audit_id)
{
    const lab_table *t = &ds->tables[LAB_RECORD_DOCUMENT];
    const lab_document *any = NULL;
    for (size_t i = 0; i < t->n; i++) {
        const lab_document *d = lab_table_row(t, i);
        if (d->audit_id == NULL || strcmp(d->audit_id, audit_id) != 0)
            continue;
        if (d->kind != NULL && strcmp(d->kind, "audit_report") == 0)
            return d;
        if (any == NULL)
            any = d;
    }
    return any;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static json_t *build_audits(const lab_dataset *ds, const chain *c)
{
    const lab_table *t = &ds->tables[LAB_RECORD_AUDIT];
    const lab_table *st = &ds->tables[LAB_RECORD_SUPPLIER];
    json_t *arr = json_array();
    for (size_t i = 0; arr != NULL && i < t->n; i++) {
        const lab_audit *a = lab_table_row(t, i);
        uint32_t owner = ds->audit_owner[i];
        if (c->tier[owner] < 0)
            continue;
        const lab_supplier *s = lab_table_row(st, owner);
        const lab_document *d = audit_document(ds, a->id);
        const char *sha = a->report_sha256 ? a->report_sha256
                          : d              ? d->sha256
                                           : NULL;
        const char *file =
            d != NULL && d->uri != NULL ? base_name(d->uri) : NULL;
        json_t *o = json_pack("{s:s, s:s, s:s}", "id", a->id, "facility", s->id,
                              "date", a->start_date);
        int bad = o == NULL;
        /* a UNTP SecureLink (Link when there is no digest) to the report
         * file, relative to the certificate; "file" and "report_sha256"
         * are what verifiers of older certificates read */
        if (!bad && file != NULL) {
            lab_buf name = LAB_BUF_INIT;
            lab_buf_printf(&name, "Audit report %s of %s", a->id, s->id);
            bad = name.oom ||
                  set_new(o, "type",
                          sha ? json_pack("[s,s]", "SecureLink", "Link")
                              : json_pack("[s]", "Link")) ||
                  set_new(o, "linkURL", json_string(file)) ||
                  set_new(o, "linkName", json_string(name.data));
            lab_buf_free(&name);
        }
        if (!bad && file != NULL && sha != NULL)
            bad = set_new(o, "hashDigest", json_string(sha)) ||
                  set_new(o, "hashMethod", json_string("SHA-256")) ||
                  set_new(o, "encryptionMethod", json_string("none"));
        if (!bad && sha != NULL)
            bad = set_new(o, "report_sha256", json_string(sha));
        if (!bad && file != NULL)
            bad = set_new(o, "file", json_string(file));
        if (!bad && a->auditor_org != NULL)
            bad = set_new(o, "auditor", json_string(a->auditor_org));
        if (bad || json_array_append_new(arr, o) != 0) {
            json_decref(o);
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

static json_t *build_packs(const lab_engine *e, json_t **lists)
{
    json_t *packs = json_array();
    *lists = json_array();
    for (size_t i = 0; packs && *lists && i < lab_engine_pack_count(e); i++) {
        const char *id, *ver, *sha;
        lab_engine_pack_info(e, i, &id, &ver, &sha);
        if (json_array_append_new(packs,
                                  json_pack("{s:s, s:s, s:s}", "id", id,
                                            "version", ver, "sha256", sha)))
            goto fail;
    }
    for (size_t i = 0; packs && *lists && i < lab_engine_list_count(e); i++) {
        const char *id, *kind, *ver, *sha;
        lab_engine_list_info(e, i, &id, &kind, &ver, &sha);
        if (json_array_append_new(*lists,
                                  json_pack("{s:s, s:s, s:s, s:s}", "id", id,
                                            "kind", kind, "version",
                                            ver ? ver : "", "sha256", sha)))
            goto fail;
    }
    if (packs != NULL && *lists != NULL)
        return packs;
fail:
    json_decref(packs);
    json_decref(*lists);
    *lists = NULL;
    return NULL;
}

/* Findings in the chain below blocker (or waived), and counts. */
static json_t *build_findings(const lab_report *rep, const chain *c,
                              json_t **counts, json_t **waivers)
{
    size_t by[4] = {0, 0, 0, 0};
    json_t *arr = json_array();
    *waivers = json_array();
    for (size_t i = 0; arr && *waivers && i < rep->n; i++) {
        const lab_finding *f = &rep->findings[i];
        if (!in_chain(c, f))
            continue;
        by[f->severity & 3]++;
        json_t *o =
            json_pack("{s:s, s:s, s:s, s:s}", "rule", f->rule->id, "severity",
                      lab_severity_name(f->severity), "subject",
                      subject_name(f->subject), "subjectId", f->subject_id);
        if (o != NULL && finding_waived(f) &&
            json_object_update_new(
                o,
                json_pack("{s:s, s:s?, s:s}", "approver", f->waiver->approver,
                          "justification", f->waiver->justification, "expires",
                          f->waiver->expires)) != 0) {
            json_decref(o);
            o = NULL;
        }
        if (o == NULL ||
            json_array_append_new(finding_waived(f) ? *waivers : arr, o)) {
            json_decref(arr);
            arr = NULL;
        }
    }
    *counts = json_pack(
        "{s:I, s:I, s:I, s:I}", "blocker", (json_int_t)by[LAB_SEV_BLOCKER],
        "major", (json_int_t)by[LAB_SEV_MAJOR], "minor",
        (json_int_t)by[LAB_SEV_MINOR], "info", (json_int_t)by[LAB_SEV_INFO]);
    if (arr == NULL || *waivers == NULL || *counts == NULL) {
        json_decref(arr);
        json_decref(*waivers);
        json_decref(*counts);
        return NULL;
    }
    return arr;
}

static json_t *build_products(const chain *c, const lab_certify_options *o,
                              json_t **lots)
{
    const lab_product *p = c->product;
    json_t *arr = json_array();
    *lots = json_array();
    if (c->nlots > 0) {
        for (size_t i = 0; *lots && i < c->nlots; i++)
            if (json_array_append_new(*lots, json_string(c->lots[i])))
                goto fail;
    } else if (o->lots != NULL) {
        for (size_t i = 0; *lots && i < o->nlots; i++)
            if (json_array_append_new(*lots, json_string(o->lots[i])))
                goto fail;
    } else if (p->lots != NULL) {
        for (uint32_t i = 0; *lots && i < p->lots->n; i++)
            if (json_array_append_new(*lots,
                                      json_string(p->lots->items[i].u.s)))
                goto fail;
    }
    if (arr == NULL || *lots == NULL)
        goto fail;
    size_t nl = json_array_size(*lots);
    for (size_t i = 0; i < (nl ? nl : 1); i++) {
        json_t *prod =
            json_pack("{s:o, s:s, s:s}", "id", urn("product", p->id), "name",
                      p->name ? p->name : p->id, "registeredId", p->id);
        if (prod != NULL && nl > 0 &&
            set_new(prod, "batchNumber", json_copy(json_array_get(*lots, i)))) {
            json_decref(prod);
            prod = NULL;
        }
        if (json_array_append_new(arr,
                                  json_pack("{s:[s], s:o, s:b}", "type",
                                            "ProductVerification", "product",
                                            prod, "IDverifiedByCAB", 0)))
            goto fail;
    }
    return arr;
fail:
    json_decref(arr);
    json_decref(*lots);
    *lots = NULL;
    return NULL;
}

/* Per covered lot: its custody model, the weakest on its chain and the
 * lots it was made from (NULL when the product is not judged per lot). */
static json_t *build_custody(const chain *c)
{
    if (c->nlots == 0)
        return json_null();
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < c->nlots; i++) {
        const lab_chain *f = &c->lot_facts[i];
        json_t *from = json_array();
        for (uint32_t k = 0; from && f->lots && k < f->lots->n; k++)
            if (json_array_append_new(from,
                                      json_string(f->lots->items[k].u.s))) {
                json_decref(from);
                from = NULL;
            }
        json_t *o = from ? json_pack("{s:s, s:s?, s:s?, s:o}", "lot", f->lot,
                                     "custody", f->custody, "weakestLot",
                                     f->custody_weakest_lot, "madeFrom", from)
                         : NULL;
        if (o == NULL || json_array_append_new(arr, o)) {
            json_decref(arr);
            arr = NULL;
        }
    }
    return arr;
}

/* Everything in the scope that is about the product's assessment. */
static json_t *build_assessment(const lab_report *rep, const lab_dataset *ds,
                                const chain *c, const lab_certify_options *o,
                                const char *claim, const char *subject_id)
{
    json_t *lots = NULL, *counts = NULL, *waivers = NULL, *facs = NULL;
    json_t *products = build_products(c, o, &lots);
    json_t *findings = build_findings(rep, c, &counts, &waivers);
    json_t *audits = build_audits(ds, c);
    json_t *custody = build_custody(c);
    const lab_table *st = &ds->tables[LAB_RECORD_SUPPLIER];

    facs = json_array();
    for (size_t i = 0; facs && i < c->n; i++)
        if (json_array_append_new(facs,
                                  build_facility(lab_table_row(st, c->order[i]),
                                                 c->tier[c->order[i]]))) {
            json_decref(facs);
            facs = NULL;
        }
    lab_buf id = LAB_BUF_INIT;
    lab_buf_printf(&id, "%s#assessment", subject_id);
    lab_buf desc = LAB_BUF_INIT;
    if (c->nlots > 0)
        lab_buf_printf(&desc,
                       "Every facility holding %s's lot%s or a lot %s made "
                       "from (%zu in the chain of custody) was checked "
                       "against the rule packs listed in the scope as of %s; "
                       "no blocking finding is open in the chain.",
                       c->product->id, c->nlots == 1 ? "" : "s",
                       c->nlots == 1 ? "it was" : "they were", c->n,
                       rep->as_of);
    else
        lab_buf_printf(&desc,
                       "Every facility upstream of %s's maker (%zu in %s) "
                       "was checked against the rule packs listed in the "
                       "scope as of %s; no blocking finding is open in the "
                       "chain.",
                       c->product->id, c->n, "the chain", rep->as_of);
    json_t *a = NULL;
    if (products && findings && audits && facs && custody && !id.oom &&
        !desc.oom)
        a = json_pack(
            "{s:[s,s], s:s, s:s, s:s, s:s, s:s, s:b, s:O, s:O, s:s, s:O, "
            "s:s, s:O, s:O, s:O, s:O}",
            "type", "ConformityAssessment", "Declaration", "id", id.data,
            "name", claim, "description", desc.data, "assessmentDate",
            rep->as_of, "conformityTopic", "social.labour", "conformance", 1,
            "assessedProduct", products, "assessedFacility", facs, "claim",
            claim, "lots", lots, "result", "pass", "findingCounts", counts,
            "findings", findings, "waivers", waivers, "auditReports", audits);
    if (a != NULL && c->nlots > 0 &&
        json_object_set(a, "chainOfCustody", custody) != 0) {
        json_decref(a);
        a = NULL;
    }
    if (a != NULL && o->body_name != NULL &&
        set_new(
            a, "auditor",
            json_pack("{s:s, s:s}", "id", o->body_id, "name", o->body_name))) {
        json_decref(a);
        a = NULL;
    }
    json_decref(custody);
    lab_buf_free(&id);
    lab_buf_free(&desc);
    json_decref(products);
    json_decref(lots);
    json_decref(findings);
    json_decref(counts);
    json_decref(waivers);
    json_decref(audits);
    json_decref(facs);
    return a;
}

static json_t *build_scheme(const lab_report *rep, const json_t *issuer,
                            const lab_certify_options *o)
{
    json_t *lists = NULL;
    json_t *packs = build_packs(rep->engine, &lists);
    char *canon = NULL;
    char sha[65];
    if (packs == NULL || lab_jcs_serialize(&canon, NULL, packs) != LAB_OK ||
        lab_sha256_hex(sha, canon, strlen(canon)) != LAB_OK) {
        free(canon);
        json_decref(packs);
        json_decref(lists);
        return NULL;
    }
    free(canon);
    lab_buf name = LAB_BUF_INIT;
    lab_buf_adds(&name, "Rule packs checked by labaudit");
    for (size_t i = 0; i < json_array_size(packs); i++)
        lab_buf_printf(
            &name, "%s%s %s", i ? ", " : ": ",
            json_string_value(json_object_get(json_array_get(packs, i), "id")),
            json_string_value(
                json_object_get(json_array_get(packs, i), "version")));
    char scheme_id[96];
    snprintf(scheme_id, sizeof scheme_id, "urn:labaudit:rulepacks:sha256:%s",
             sha);
    json_t *s = NULL;
    if (o->scheme_name != NULL && !name.oom) {
        /* the scheme named by the issuer; labaudit's packs and lists are
         * what was checked under it */
        lab_buf desc = LAB_BUF_INIT;
        lab_buf_printf(&desc,
                       "%s version %s. %s, with the reference lists named "
                       "here, were evaluated over the whole supply chain.",
                       o->scheme_name, o->scheme_version, name.data);
        if (!desc.oom)
            s = json_pack(
                "{s:[s], s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s}, s:o, s:o}",
                "type", "ConformityScheme", "id", o->scheme_id, "name",
                o->scheme_name, "description", desc.data, "version",
                o->scheme_version, "validFrom", rep->as_of, "owner", "id",
                o->scheme_owner_id, "name", o->scheme_owner, "rulePacks", packs,
                "referenceLists", lists);
        else {
            json_decref(packs);
            json_decref(lists);
        }
        lab_buf_free(&desc);
    } else if (!name.oom)
        s = json_pack(
            "{s:[s], s:s, s:s, s:s, s:s, s:s, s:{s:O, s:O}, s:o, s:o}", "type",
            "ConformityScheme", "id", scheme_id, "name", name.data,
            "description",
            "Forced-labour, child-labour and record-retention rule packs "
            "evaluated by labaudit over the whole supply chain, with the "
            "reference lists named here.",
            "version", lab_version(), "validFrom", rep->as_of, "owner", "id",
            json_object_get(issuer, "id"), "name",
            json_object_get(issuer, "name"), "rulePacks", packs,
            "referenceLists", lists);
    else {
        json_decref(packs);
        json_decref(lists);
    }
    lab_buf_free(&name);
    return s;
}

/* The UNTP codes of each lab_assessor_level, and the attestation type
 * when no scheme is named (with a scheme and a third-party body it is a
 * certification). */
typedef struct assessor_codes {
    const char *option;     /* the word for it in messages and the CLI */
    const char *assessor;   /* UNTP assessorLevel */
    const char *assessment; /* UNTP assessmentLevel */
    const char *attestation;
} assessor_codes;

static const assessor_codes assessor_table[] = {
    [LAB_ASSESSOR_SELF] = {"self", "Self", "Unspecified", "declaration"},
    [LAB_ASSESSOR_SECOND_PARTY] = {"second-party", "Buyer", "Unspecified",
                                   "verification"},
    [LAB_ASSESSOR_THIRD_PARTY] = {"third-party", "3rdParty", "Verified",
                                  "verification"},
    [LAB_ASSESSOR_ACCREDITED] = {"accredited", "3rdParty", "Accredited",
                                 "verification"},
};

/* The accreditation (an Endorsement in authorisation), the seal link and
 * the EU label flag, on the attestation. */
static int attestation_extras(json_t *subj, const lab_certify_options *o)
{
    if (o->accreditation_id != NULL) {
        lab_buf name = LAB_BUF_INIT;
        if (o->accreditation_name != NULL)
            lab_buf_adds(&name, o->accreditation_name);
        else
            lab_buf_printf(&name, "Accreditation of %s", o->body_name);
        int bad = name.oom ||
                  set_new(subj, "authorisation",
                          json_pack("[{s:[s], s:s, s:s, s:{s:s, s:s}}]", "type",
                                    "Endorsement", "id", o->accreditation_id,
                                    "name", name.data, "issuingAuthority", "id",
                                    o->accreditation_body_id, "name",
                                    o->accreditation_body));
        lab_buf_free(&name);
        if (bad)
            return -1;
    }
    if (o->seal_link != NULL &&
        set_new(subj, "seal",
                json_pack("{s:[s], s:s, s:s, s:s}", "type", "Link", "linkURL",
                          o->seal_link, "linkName",
                          "Auditor seal: a detached CMS signature over this "
                          "credential's canonical JSON",
                          "linkType", "application/pkcs7-signature")))
        return -1;
    if (o->label_eu && set_new(subj, "euConsumerLabel", json_true()))
        return -1;
    return 0;
}

int lab_cred_build(json_t **out, const lab_report *rep, const lab_dataset *ds,
                   const lab_certify_options *o, int64_t now,
                   const lab_status_ref *st, size_t nst)
{
    chain c;
    char cred_id[46], subj_id[46], from[21], until[21];
    json_t *cred = NULL;
    int rc = chain_make(&c, ds, o->product, o->lots, o->nlots);
    if (rc != LAB_OK)
        return rc;
    if ((rc = new_uuid(cred_id)) != LAB_OK ||
        (rc = new_uuid(subj_id)) != LAB_OK)
        goto out;
    const char *claim = o->claim ? o->claim : c.product->claim;
    if (claim == NULL || claim[0] == '\0') {
        rc = lab_seterr(LAB_EINVAL,
                        "certify: product '%s' has no claim; give one",
                        c.product->id);
        goto out;
    }
    lab_time_format(from, now);
    lab_time_format(
        until, now + (int64_t)(o->valid_days ? o->valid_days : 365) * 86400);
    json_t *issuer = json_pack("{s:[s], s:s, s:s}", "type", "CredentialIssuer",
                               "id", o->issuer_id, "name",
                               o->issuer_name ? o->issuer_name : o->issuer_id);
    json_t *scheme = issuer ? build_scheme(rep, issuer, o) : NULL;
    json_t *assessment =
        scheme ? build_assessment(rep, ds, &c, o, claim, subj_id) : NULL;
    const assessor_codes *lv = &assessor_table[o->assessor_level];
    lab_buf name = LAB_BUF_INIT;
    lab_buf_printf(&name, "Labour conformity of %s: %s", c.product->id, claim);
    if (assessment != NULL && !name.oom)
        cred = json_pack(
            "{s:[s,s,s], s:[s,s], s:s, s:O, s:s, s:s, "
            "s:{s:[s,s], s:s, s:s, s:s, s:s, s:s, s:s, s:{s:O, s:O}, s:O, "
            "s:[O]}}",
            "@context", LAB_VC_CONTEXT, LAB_DCC_CONTEXT, LAB_LABAUDIT_CONTEXT,
            "type", "DigitalConformityCredential", "VerifiableCredential", "id",
            cred_id, "issuer", issuer, "validFrom", from, "validUntil", until,
            "credentialSubject", "type", "ConformityAttestation", "Attestation",
            "id", subj_id, "name", name.data, "assessorLevel", lv->assessor,
            "assessmentLevel", lv->assessment, "attestationType",
            o->scheme_name != NULL &&
                    o->assessor_level >= LAB_ASSESSOR_THIRD_PARTY
                ? "certification"
                : lv->attestation,
            "description", claim, "issuedToParty", "id",
            json_object_get(issuer, "id"), "name",
            json_object_get(issuer, "name"), "scope", scheme, "assessment",
            assessment);
    lab_buf_free(&name);
    if (cred != NULL &&
        attestation_extras(json_object_get(cred, "credentialSubject"), o) !=
            0) {
        json_decref(cred);
        cred = NULL;
    }
    json_decref(issuer);
    json_decref(scheme);
    json_decref(assessment);
    if (cred == NULL) {
        rc = oom();
        goto out;
    }
    json_t *entries = nst > 1 ? json_array() : NULL;
    for (size_t k = 0; k < nst && rc == LAB_OK; k++) {
        char idx[32];
        snprintf(idx, sizeof idx, "%ld", st[k].index);
        lab_buf sid = LAB_BUF_INIT;
        lab_buf_printf(&sid, "%s#%s", st[k].url, idx);
        json_t *e =
            sid.oom
                ? NULL
                : json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", sid.data, "type",
                            "BitstringStatusListEntry", "statusPurpose",
                            st[k].purpose, "statusListIndex", idx,
                            "statusListCredential", st[k].url);
        lab_buf_free(&sid);
        if (e == NULL || (nst > 1 && entries == NULL))
            rc = oom();
        else if (nst > 1 ? json_array_append_new(entries, e) != 0
                         : set_new(cred, "credentialStatus", e) != 0)
            rc = oom();
    }
    if (rc == LAB_OK && entries != NULL &&
        set_new(cred, "credentialStatus", entries) != 0)
        rc = oom();
    else if (rc != LAB_OK)
        json_decref(entries);
    if (rc != LAB_OK)
        goto out;
    *out = cred;
    cred = NULL;
out:
    json_decref(cred);
    chain_free(&c);
    return rc;
}

/* ---- sealing ---- */

/* The header's kid: for an issuer that is a DID, the absolute DID URL of
 * the key (issuer#thumbprint, as VC-JOSE-COSE asks when there is no iss);
 * otherwise the RFC 7638 thumbprint alone. */
static int header_kid(char **out, const json_t *credential, EVP_PKEY *key)
{
    char *thumb = NULL;
    int rc = lab_key_id(&thumb, key);
    if (rc != LAB_OK)
        return rc;
    const json_t *is = json_object_get(credential, "issuer");
    const char *issuer = json_is_object(is)
                             ? json_string_value(json_object_get(is, "id"))
                             : json_string_value(is);
    if (issuer == NULL || strncmp(issuer, "did:", 4) != 0) {
        *out = thumb;
        return LAB_OK;
    }
    lab_buf b = LAB_BUF_INIT;
    lab_buf_printf(&b, "%s#%s", issuer, thumb);
    free(thumb);
    return lab_buf_detach(&b, out) == LAB_OK ? LAB_OK : oom();
}

int lab_cred_seal(char **token, const json_t *credential, EVP_PKEY *key)
{
    char *kid = NULL, *payload = NULL;
    size_t n = 0;
    int rc = header_kid(&kid, credential, key);
    if (rc == LAB_OK)
        rc = lab_jcs_serialize(&payload, &n, credential);
    json_t *hdr = rc == LAB_OK ? json_pack("{s:s, s:s, s:s}", "typ", "vc+jwt",
                                           "cty", "vc", "kid", kid)
                               : NULL;
    if (rc == LAB_OK && hdr == NULL)
        rc = oom();
    if (rc == LAB_OK)
        rc = lab_jws_sign(token, hdr, payload, n, key);
    json_decref(hdr);
    free(payload);
    free(kid);
    return rc;
}

int lab_cred_split(json_t **hdr, json_t **payload, const char *t, size_t n)
{
    const char *d1 = memchr(t, '.', n);
    const char *d2 = d1 ? memchr(d1 + 1, '.', n - (size_t)(d1 + 1 - t)) : NULL;
    if (d2 == NULL || memchr(d2 + 1, '.', n - (size_t)(d2 + 1 - t)) != NULL)
        return lab_seterr(LAB_EPARSE, "not a compact JWS (three parts "
                                      "separated by dots)");
    const char *parts[2] = {t, d1 + 1};
    size_t lens[2] = {(size_t)(d1 - t), (size_t)(d2 - d1 - 1)};
    json_t **outs[2] = {hdr, payload};
    for (int i = 0; i < 2; i++) {
        unsigned char *raw = NULL;
        size_t len = 0;
        json_error_t err;
        if (outs[i] == NULL)
            continue;
        int rc = lab_b64url_decode(&raw, &len, parts[i], lens[i]);
        if (rc != LAB_OK)
            return lab_preerr(rc, "JWS %s", i ? "payload" : "header");
        json_t *v =
            json_loadb((const char *)raw, len, JSON_REJECT_DUPLICATES, &err);
        free(raw);
        if (!json_is_object(v)) {
            json_decref(v);
            if (i == 1 && hdr != NULL && *hdr != NULL) {
                json_decref(*hdr);
                *hdr = NULL;
            }
            return lab_seterr(LAB_EPARSE, "JWS %s: not a JSON object%s%s",
                              i ? "payload" : "header", v ? "" : ": ",
                              v ? "" : err.text);
        }
        *outs[i] = v;
    }
    return LAB_OK;
}

int lab_cred_peek(json_t **payload, const char *token, size_t n)
{
    return lab_cred_split(NULL, payload, token, n);
}

/* ---- the public calls: keygen, certify, canon ---- */

int lab_keygen_options_init(lab_keygen_options *opts, unsigned version)
{
    if (opts == NULL || version != LAB_KEYGEN_OPTIONS_VERSION)
        return lab_seterr(LAB_EVERSION,
                          "lab_keygen_options version %u is not supported "
                          "(this library knows version %d)",
                          version, LAB_KEYGEN_OPTIONS_VERSION);
    lab_keygen_options d = LAB_KEYGEN_OPTIONS_INIT;
    *opts = d;
    return LAB_OK;
}

int lab_keygen(char **public_jwk, const char *path,
               const lab_keygen_options *opts)
{
    lab_keygen_options d = LAB_KEYGEN_OPTIONS_INIT;
    const lab_keygen_options *o = opts ? opts : &d;
    EVP_PKEY *key = NULL;
    json_t *jwk = NULL;
    char *text = NULL;

    if (o->version != LAB_KEYGEN_OPTIONS_VERSION)
        return lab_seterr(LAB_EVERSION,
                          "lab_keygen_options: version %u is "
                          "not supported",
                          o->version);
    if (path == NULL || public_jwk == NULL)
        return lab_seterr(LAB_EINVAL, "keygen: no key file given");
    int rc = lab_key_generate(
        &key, o->alg == LAB_KEY_ALG_P256 ? LAB_KEY_P256 : LAB_KEY_ED25519);
    if (rc == LAB_OK)
        rc = lab_key_public_jwk(&jwk, key);
    if (rc == LAB_OK)
        rc = lab_jcs_serialize(&text, NULL, jwk);
    if (rc == LAB_OK)
        rc = lab_key_write_private(path, key, o->passphrase_env,
                                   o->overwrite ? LAB_KEY_OVERWRITE : 0);
    if (rc == LAB_OK) {
        *public_jwk = text;
        text = NULL;
    }
    free(text);
    json_decref(jwk);
    EVP_PKEY_free(key);
    return rc;
}

int lab_json_canon(char **out, const char *json, size_t len)
{
    if (out == NULL || json == NULL)
        return lab_seterr(LAB_EINVAL, "lab_json_canon: NULL argument");
    return lab_jcs_text(out, NULL, json, len);
}

int lab_certify_options_init(lab_certify_options *opts, unsigned version)
{
    if (opts == NULL || version < 1 || version > LAB_CERTIFY_OPTIONS_VERSION)
        return lab_seterr(LAB_EVERSION,
                          "lab_certify_options version %u is not supported "
                          "(this library knows versions 1 to %d)",
                          version, LAB_CERTIFY_OPTIONS_VERSION);
    lab_certify_options d = LAB_CERTIFY_OPTIONS_INIT;
    d.version = version;
    /* a version 1 struct ends before assessor_level */
    memcpy(opts, &d,
           version == 1 ? offsetof(lab_certify_options, assessor_level)
                        : sizeof d);
    return LAB_OK;
}

/* Reads our own status list: its id and its statusPurpose (revocation or
 * suspension, which the certificate's entry repeats), checking our key
 * signed it and the index is inside it. */
static int status_list_url(char **url, char **purpose, const char *path,
                           long index, EVP_PKEY *key)
{
    char *text = NULL;
    unsigned char *payload = NULL, *bits = NULL;
    size_t len = 0, plen = 0, nbytes = 0;
    json_t *cred = NULL;
    json_error_t err;
    int rc = lab_read_text_file(&text, &len, path, LAB_CRED_MAX_FILE);
    if (rc != LAB_OK)
        return rc;
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
        text[--len] = '\0';
    rc = lab_jws_verify(&payload, &plen, NULL, text, len, key,
                        LAB_JWS_EDDSA | LAB_JWS_ES256);
    if (rc != LAB_OK) {
        rc = lab_preerr(rc, "%s: not a status list signed with this key", path);
        goto out;
    }
    cred =
        json_loadb((const char *)payload, plen, JSON_REJECT_DUPLICATES, &err);
    const char *id = json_string_value(json_object_get(cred, "id"));
    const char *enc = json_string_value(json_object_get(
        json_object_get(cred, "credentialSubject"), "encodedList"));
    const char *pur = json_string_value(json_object_get(
        json_object_get(cred, "credentialSubject"), "statusPurpose"));
    if (pur == NULL ||
        (strcmp(pur, "revocation") != 0 && strcmp(pur, "suspension") != 0)) {
        rc = lab_seterr(LAB_EPARSE,
                        "%s: statusPurpose \"%.32s\" (a revocation or "
                        "suspension list expected)",
                        path, pur ? pur : "(none)");
        goto out;
    }
    if (id == NULL || enc == NULL) {
        rc = lab_seterr(LAB_EPARSE,
                        "%s: not a Bitstring Status List "
                        "credential (no id or encodedList)",
                        path);
        goto out;
    }
    rc = lab_status_decode(&bits, &nbytes, enc);
    if (rc == LAB_OK && (index < 0 || (size_t)index / 8 >= nbytes))
        rc = lab_seterr(LAB_EINVAL,
                        "status index %ld is outside the list's %zu bits",
                        index, nbytes * 8);
    if (rc == LAB_OK && ((*url = lab_strdup(id)) == NULL ||
                         (*purpose = lab_strdup(pur)) == NULL))
        rc = oom();
out:
    free(text);
    free(payload);
    free(bits);
    json_decref(cred);
    return rc;
}

/* Who assessed: the options must tell one consistent story. */
static int assessment_args(const lab_certify_options *o)
{
    int body = o->body_name != NULL || o->body_id != NULL;
    int scheme = o->scheme_name != NULL || o->scheme_id != NULL ||
                 o->scheme_version != NULL || o->scheme_owner != NULL ||
                 o->scheme_owner_id != NULL;
    int accr = o->accreditation_id != NULL || o->accreditation_name != NULL ||
               o->accreditation_body != NULL ||
               o->accreditation_body_id != NULL;
    if ((unsigned)o->assessor_level > LAB_ASSESSOR_ACCREDITED)
        return lab_seterr(LAB_EINVAL, "certify: unknown assessor level %d",
                          (int)o->assessor_level);
    if (body && (o->body_name == NULL || o->body_name[0] == '\0' ||
                 !looks_like_uri(o->body_id)))
        return lab_seterr(LAB_EINVAL,
                          "certify: an assessment body needs a name and an "
                          "id that is a URI (body_name, body_id, e.g. "
                          "did:web:audit.example)");
    if (scheme &&
        (o->scheme_name == NULL || o->scheme_name[0] == '\0' ||
         !looks_like_uri(o->scheme_id) || o->scheme_version == NULL ||
         o->scheme_owner == NULL || !looks_like_uri(o->scheme_owner_id)))
        return lab_seterr(LAB_EINVAL,
                          "certify: a conformity scheme needs a name, an id "
                          "that is a URI, a version, and its owner's name "
                          "and URI (scheme_name, scheme_id, "
                          "scheme_version, scheme_owner, "
                          "scheme_owner_id)");
    if (accr && (!looks_like_uri(o->accreditation_id) ||
                 o->accreditation_body == NULL ||
                 !looks_like_uri(o->accreditation_body_id)))
        return lab_seterr(LAB_EINVAL,
                          "certify: an accreditation needs an id that is a "
                          "URI and the accreditation body that issued it, "
                          "its name and URI (accreditation_id, "
                          "accreditation_body, accreditation_body_id)");
    if (o->assessor_level == LAB_ASSESSOR_SELF && body)
        return lab_seterr(LAB_EINVAL,
                          "certify: an assessment body is named, so the "
                          "claim is not self-declared: say who the body is "
                          "to the product (assessor_level second-party, "
                          "third-party or accredited)");
    if (o->assessor_level != LAB_ASSESSOR_SELF && !body)
        return lab_seterr(LAB_EINVAL,
                          "certify: assessor level %s needs the assessment "
                          "body that assessed the claim (body_name, "
                          "body_id)",
                          assessor_table[o->assessor_level].option);
    if (accr != (o->assessor_level == LAB_ASSESSOR_ACCREDITED))
        return lab_seterr(LAB_EINVAL,
                          accr ? "certify: an accreditation goes with assessor "
                                 "level accredited (assessor_level accredited)"
                               : "certify: assessor level accredited needs the "
                                 "body's accreditation (accreditation_id, "
                                 "accreditation_body)");
    if (o->label_eu &&
        (!scheme || o->assessor_level < LAB_ASSESSOR_THIRD_PARTY))
        return lab_seterr(
            LAB_EINVAL,
            "refused: the claim is for a label shown to consumers "
            "in the EU, and since Directive (EU) 2024/825 (Directive "
            "2005/29/EC, Annex I point 2a) such a sustainability label must "
            "be based on a certification scheme with third-party "
            "verification or be set by a public authority; %s",
            !scheme && o->assessor_level < LAB_ASSESSOR_THIRD_PARTY
                ? "name the scheme (scheme_name, scheme_id, "
                  "scheme_version, scheme_owner, scheme_owner_id) and "
                  "the third-party "
                  "body that assessed the claim (assessor_level "
                  "third-party or accredited, body_name, body_id)"
            : !scheme ? "name the scheme the claim is certified under "
                        "(scheme_name, scheme_id, scheme_version, "
                        "scheme_owner, scheme_owner_id)"
                      : "name the third-party body that assessed the claim "
                        "(assessor_level third-party or accredited, "
                        "body_name, body_id)");
    if (o->seal_link != NULL &&
        (o->seal_link[0] == '\0' || strchr(o->seal_link, '/') != NULL ||
         strcmp(o->seal_link, ".") == 0 || strcmp(o->seal_link, "..") == 0))
        return lab_seterr(LAB_EINVAL,
                          "certify: the seal link '%.80s' is not "
                          "a plain file name",
                          o->seal_link);
    return LAB_OK;
}

static int certify_args(const lab_certify_options *o)
{
    if (o == NULL || o->version < 1 || o->version > LAB_CERTIFY_OPTIONS_VERSION)
        return lab_seterr(LAB_EVERSION, "lab_certify_options: missing or "
                                        "unsupported version");
    if (o->product == NULL || o->key_file == NULL)
        return lab_seterr(LAB_EINVAL,
                          "certify: a product and a key file are required");
    if (!looks_like_uri(o->issuer_id))
        return lab_seterr(LAB_EINVAL,
                          "certify: issuer id '%.80s' is not a URI (give "
                          "e.g. did:web:brand.example)",
                          o->issuer_id ? o->issuer_id : "");
    if (o->status_list != NULL && o->status_index < 0)
        return lab_seterr(LAB_EINVAL,
                          "certify: a status list needs a status index");
    if (o->suspension_list != NULL &&
        (o->suspension_index < 0 || o->status_list == NULL))
        return lab_seterr(LAB_EINVAL,
                          "certify: a suspension list needs its index "
                          "(suspension_index) and a revocation list beside "
                          "it (status_list)");
    return assessment_args(o);
}

static int envelope(char **out, char *token)
{
    lab_buf b = LAB_BUF_INIT;
    json_t *env = NULL;
    lab_buf_adds(&b, "data:application/vc+jwt,");
    lab_buf_adds(&b, token);
    if (!b.oom)
        env = json_pack("{s:[s], s:s, s:s}", "@context", LAB_VC_CONTEXT, "id",
                        b.data, "type", "EnvelopedVerifiableCredential");
    lab_buf_free(&b);
    if (env == NULL)
        return oom();
    int rc = lab_jcs_serialize(out, NULL, env);
    json_decref(env);
    return rc;
}

int lab_certify(char **out, const lab_report *rep, const lab_dataset *ds,
                const lab_certify_options *in)
{
    /* a version 1 caller's struct ends before assessor_level: the rest
     * takes the defaults (self-declared, no scheme, body or seal link) */
    lab_certify_options v2 = LAB_CERTIFY_OPTIONS_INIT;
    const lab_certify_options *o = in;
    if (in != NULL && in->version == 1) {
        memcpy(&v2, in, offsetof(lab_certify_options, assessor_level));
        o = &v2;
    }
    EVP_PKEY *key = NULL;
    json_t *cred = NULL;
    char *url = NULL, *purpose = NULL, *token = NULL, *blockers = NULL;
    char *surl = NULL, *spurpose = NULL;
    char *kid = NULL;
    size_t nblockers = 0, nunknown = 0;

    if (out == NULL || rep == NULL || ds == NULL)
        return lab_seterr(LAB_EINVAL, "lab_certify: NULL argument");
    int rc = certify_args(o);
    if (rc == LAB_OK)
        rc = lab_cred_blockers(&blockers, &nblockers, &nunknown, rep, ds,
                               o->product, o->lots, o->nlots);
    if (rc == LAB_OK && nblockers > 0)
        rc = lab_seterr(LAB_EBLOCKED,
                        "product '%s' has %zu open blocker%s in its chain, "
                        "so no certificate is issued: %s",
                        o->product, nblockers, nblockers == 1 ? "" : "s",
                        blockers);
    if (rc == LAB_OK && nunknown > 0)
        rc = lab_seterr(LAB_EBLOCKED,
                        "product '%s' has %zu required fact%s unknown in its "
                        "chain (unknown is not compliant), so no certificate "
                        "is issued: %s",
                        o->product, nunknown, nunknown == 1 ? "" : "s",
                        blockers);
    if (rc == LAB_OK)
        rc = lab_key_load_private_file(&key, o->key_file, o->passphrase_env);
    if (rc == LAB_OK && o->status_list != NULL)
        rc = status_list_url(&url, &purpose, o->status_list, o->status_index,
                             key);
    int64_t now = lab_time_now();
    if (rc == LAB_OK && o->valid_from != NULL)
        rc = lab_time_parse(&now, o->valid_from);
    if (rc == LAB_OK && o->suspension_list != NULL)
        rc = status_list_url(&surl, &spurpose, o->suspension_list,
                             o->suspension_index, key);
    if (rc == LAB_OK && o->suspension_list != NULL &&
        (strcmp(purpose, "revocation") != 0 ||
         strcmp(spurpose, "suspension") != 0))
        rc = lab_seterr(LAB_EINVAL,
                        "certify: status_list must be a revocation list and "
                        "suspension_list a suspension list (they are %s and "
                        "%s)",
                        purpose, spurpose);
    lab_status_ref refs[2] = {{url, purpose, o->status_index},
                              {surl, spurpose, o->suspension_index}};
    if (rc == LAB_OK)
        rc = lab_cred_build(&cred, rep, ds, o, now, refs,
                            url == NULL    ? 0
                            : surl == NULL ? 1
                                           : 2);
    if (rc == LAB_OK && o->seal == LAB_SEAL_DATA_INTEGRITY) {
        char from[21];
        lab_time_format(from, now);
        rc = lab_key_id(&kid, key);
        lab_buf vm = LAB_BUF_INIT;
        lab_buf_printf(&vm, "%s#%s", o->issuer_id, kid ? kid : "");
        json_t *opts = rc == LAB_OK && !vm.oom
                           ? json_pack("{s:s, s:s, s:s, s:s, s:s}", "type",
                                       "DataIntegrityProof", "cryptosuite",
                                       "eddsa-jcs-2022", "created", from,
                                       "verificationMethod", vm.data,
                                       "proofPurpose", "assertionMethod")
                           : NULL;
        lab_buf_free(&vm);
        json_t *secured = NULL;
        if (rc == LAB_OK && opts == NULL)
            rc = oom();
        if (rc == LAB_OK)
            rc = lab_di_eddsa_jcs_secure(&secured, cred, opts, key);
        json_decref(opts);
        if (rc == LAB_OK) {
            json_decref(cred);
            cred = secured;
        }
    }
    if (rc == LAB_OK)
        rc = lab_cred_seal(&token, cred, key);
    if (rc == LAB_OK && o->enveloped) {
        rc = envelope(out, token);
    } else if (rc == LAB_OK) {
        *out = token;
        token = NULL;
    }
    free(token);
    free(kid);
    free(url);
    free(purpose);
    free(surl);
    free(spurpose);
    free(blockers);
    json_decref(cred);
    EVP_PKEY_free(key);
    return rc;
}

/* ---- the product's chain, for dossiers ---- */

int lab_pchain_open(lab_pchain **out, const lab_dataset *ds,
                    const char *product, const char *const *lots, size_t nlots)
{
    chain *c = lab_calloc(1, sizeof *c);
    if (c == NULL)
        return oom();
    int rc = chain_make(c, ds, product, lots, nlots);
    if (rc != LAB_OK) {
        free(c);
        return rc;
    }
    *out = c;
    return LAB_OK;
}

void lab_pchain_close(lab_pchain *c)
{
    if (c == NULL)
        return;
    chain_free(c);
    free(c);
}

size_t lab_pchain_size(const lab_pchain *c)
{
    return c->n;
}

uint32_t lab_pchain_member(const lab_pchain *c, size_t i)
{
    return c->order[i];
}

int32_t lab_pchain_tier(const lab_pchain *c, uint32_t supplier)
{
    return c->tier[supplier];
}

int lab_pchain_has(const lab_pchain *c, const lab_finding *f)
{
    return in_chain(c, f);
}
