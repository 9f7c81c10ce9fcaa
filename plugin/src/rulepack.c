/*
 * rulepack.c - reads a rule pack: the file is parsed by libxml2 with the
 * network off and no entity or DTD loading, refused if it carries any DTD,
 * validated against rules/schema/rulepack.xsd (compiled into the library),
 * and then compiled: each condition is parsed (infix or JsonLogic), type
 * checked against the record schema for the rule's subject, its fields
 * resolved; the message template is split into text and fields; the test
 * cases become records.  Every error names file:line (and column where the
 * text allows) and what was expected.
 */
#include "engine.h"

#include "ident.h"
#include "xmlscan.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>

#include "xmlquiet.h"

extern const char lab_rulepack_xsd[];
extern const size_t lab_rulepack_xsd_len;

#define RP_NS "urn:labaudit:rulepack:1"
enum { PACK_MAX_BYTES = 16 << 20 };

/* ---- the schema, parsed once ---- */

static pthread_once_t schema_once = PTHREAD_ONCE_INIT;
static xmlSchemaPtr schema;

static void quiet_structured(void *ud, xmlErrorPtr err)
{
    (void)ud;
    (void)err;
}

static void schema_init(void)
{
    xmlSchemaParserCtxtPtr pc =
        xmlSchemaNewMemParserCtxt(lab_rulepack_xsd, (int)lab_rulepack_xsd_len);
    if (pc == NULL)
        return;
    xmlSchemaSetParserStructuredErrors(pc, quiet_structured, NULL);
    schema = xmlSchemaParse(pc);
    xmlSchemaFreeParserCtxt(pc);
}

/* ---- errors from libxml2, kept per load ---- */

typedef struct xerr {
    int set;
    char msg[512];
    int line, col;
} xerr;

static void keep_first_error(void *ud, xmlErrorPtr err)
{
    xerr *x = ud;
    if (x == NULL)
        return;
    if (x->set || err == NULL || err->level < XML_ERR_ERROR)
        return;
    x->set = 1;
    x->line = err->line;
    x->col = err->int2;
    snprintf(x->msg, sizeof x->msg, "%s", err->message ? err->message : "");
    size_t n = strlen(x->msg);
    while (n > 0 && (x->msg[n - 1] == '\n' || x->msg[n - 1] == ' '))
        x->msg[--n] = '\0';
}

/* The parser hands its own context to the structured handler (its
 * userData must stay the context for SAX2), so our record of the error
 * rides in ctxt->_private. */
static void keep_first_parse_error(void *ctx, xmlErrorPtr err)
{
    xmlParserCtxtPtr ctxt = ctx;
    keep_first_error(ctxt ? ctxt->_private : NULL, err);
}

/* ---- loader state ---- */

typedef struct loader {
    lab_engine *e;
    const char *path; /* interned in the engine arena */
    const char *buf;  /* raw file, for columns */
    size_t len;
    lab_pack *pack;
} loader;

static int is_el(const xmlNode *n, const char *name)
{
    return n != NULL && n->type == XML_ELEMENT_NODE && n->ns != NULL &&
           strcmp((const char *)n->ns->href, RP_NS) == 0 &&
           strcmp((const char *)n->name, name) == 0;
}

static const xmlNode *first_el(const xmlNode *n)
{
    while (n != NULL && n->type != XML_ELEMENT_NODE)
        n = n->next;
    return n;
}

static const xmlNode *next_el(const xmlNode *n)
{
    return first_el(n ? n->next : NULL);
}

/* Copies the text content of n into the engine arena (trimmed). */
static const char *text_of(loader *ld, const xmlNode *n)
{
    xmlChar *t = xmlNodeGetContent(n);
    if (t == NULL)
        return NULL;
    const char *s = (const char *)t;
    size_t len = strlen(s);
    while (len > 0 && (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')) {
        s++;
        len--;
    }
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\n' ||
                       s[len - 1] == '\t' || s[len - 1] == '\r'))
        len--;
    char *copy = lab_arena_strndup(&ld->e->arena, s, len);
    xmlFree(t);
    return copy;
}

static const char *attr_of(loader *ld, const xmlNode *n, const char *name)
{
    xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);
    if (v == NULL)
        return NULL;
    char *copy = lab_arena_strndup(&ld->e->arena, (const char *)v,
                                   strlen((const char *)v));
    xmlFree(v);
    return copy;
}

/* Where the text of element n starts: line and column in the raw file.
 * libxml2 keeps lines, not columns, so the column is found by looking for
 * the end of the start tag on that line. */
static lab_pos text_pos(const loader *ld, const xmlNode *n)
{
    lab_pos p = {ld->path, (unsigned)xmlGetLineNo(n), 1};
    size_t off = 0;
    unsigned line = 1;
    while (off < ld->len && line < p.line)
        if (ld->buf[off++] == '\n')
            line++;
    const char *name = (const char *)n->name;
    size_t nl = strlen(name);
    for (size_t i = off; i + nl + 1 < ld->len && ld->buf[i] != '\0'; i++) {
        if (ld->buf[i] == '<' && memcmp(ld->buf + i + 1, name, nl) == 0) {
            size_t j = i + 1 + nl;
            while (j < ld->len && ld->buf[j] != '>')
                j++;
            j++;
            /* skip leading blanks, as text_of does */
            while (j < ld->len && (ld->buf[j] == ' ' || ld->buf[j] == '\t' ||
                                   ld->buf[j] == '\n' || ld->buf[j] == '\r')) {
                if (ld->buf[j] == '\n') {
                    p.line++;
                    off = j + 1;
                }
                j++;
            }
            size_t col = 1;
            for (size_t k = off; k < j; k++)
                if (((unsigned char)ld->buf[k] & 0xc0) != 0x80)
                    col++;
            p.col = (unsigned)col;
            break;
        }
        if (ld->buf[i] == '\n')
            break;
    }
    return p;
}

/* ---- type checking ---- */

enum { TY_ANY = -1 };

static const char *ty_name(int t)
{
    switch (t) {
    case LAB_V_NULL:
        return "null";
    case LAB_V_BOOL:
        return "a boolean";
    case LAB_V_NUM:
        return "a number";
    case LAB_V_STR:
        return "a string";
    case LAB_V_ARR:
        return "a list";
    case LAB_V_OBJ:
        return "an object";
    default:
        return "anything";
    }
}

typedef struct checker {
    loader *ld;
    const lab_rule *rule;
    lab_pos base; /* where the condition text starts */
    const lab_fieldref *refs[64];
    size_t nrefs;
} checker;

static int terr(checker *ck, const lab_node *n, const char *fmt, ...)
    LAB_PRINTF(3, 4);

static int terr(checker *ck, const lab_node *n, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    unsigned line = n->line ? n->line : ck->base.line;
    unsigned col = n->line ? n->col : ck->base.col;
    return lab_seterr(LAB_ESCHEMA, "%s:%u:%u: rule %s: %s", ck->ld->path, line,
                      col, ck->rule->id, msg);
}

static int is_scalar_ty(int t)
{
    return t == LAB_V_NUM || t == LAB_V_STR || t == TY_ANY;
}

static int check_node(checker *ck, lab_node *n, int cb, int *ty);

static int check_args(checker *ck, lab_node *n, int cb, int *tys)
{
    for (uint32_t i = 0; i < n->nargs; i++) {
        int body = i == 1 && (n->op == LAB_OP_MAP || n->op == LAB_OP_FILTER ||
                              n->op == LAB_OP_REDUCE || n->op == LAB_OP_ALL ||
                              n->op == LAB_OP_SOME || n->op == LAB_OP_NONE);
        int rc = check_node(ck, n->args[i], cb + body, &tys[i]);
        if (rc != LAB_OK)
            return rc;
    }
    return LAB_OK;
}

static const char *describe_node(const lab_node *n, char buf[96])
{
    if (n->op == LAB_OP_VAR && n->ref != NULL) {
        snprintf(buf, 96, "'%s'", n->ref->path);
        return buf;
    }
    lab_buf b = LAB_BUF_INIT;
    lab_cond_write(&b, n);
    snprintf(buf, 96, "'%.60s'", b.data ? b.data : "?");
    lab_buf_free(&b);
    return buf;
}

static int check_var(checker *ck, lab_node *n, int cb, int *ty)
{
    *ty = TY_ANY;
    if (cb > 0)
        return LAB_OK; /* relative to the current element: untyped */
    const lab_node *p = n->nargs >= 1 ? n->args[0] : NULL;
    if (p == NULL || p->op != LAB_OP_LIT || p->lit.t != LAB_V_STR)
        return terr(ck, n,
                    "a field must be named by a constant 'entity.field' "
                    "path, so that it can be checked when the pack loads");
    char why[256];
    const lab_fieldref *ref = lab_fieldref_resolve(
        ck->ld->e, p->lit.u.s, p->lit.n, ck->rule->subject, why, sizeof why);
    if (ref == NULL)
        return terr(ck, n, "%s", why);
    n->ref = ref;
    *ty = ref->vtype;
    for (size_t i = 0; i < ck->nrefs; i++)
        if (ck->refs[i] == ref)
            return LAB_OK;
    if (ck->nrefs < LAB_ARRAY_LEN(ck->refs))
        ck->refs[ck->nrefs++] = ref;
    return LAB_OK;
}

static int check_node(checker *ck, lab_node *n, int cb, int *ty)
{
    int tys[64];
    char d1[96], d2[96];
    int rc;

    if (n->nargs > LAB_ARRAY_LEN(tys))
        return terr(ck, n, "more than 64 arguments");
    switch (n->op) {
    case LAB_OP_LIT:
        *ty = n->lit.t;
        return LAB_OK;
    case LAB_OP_VAR:
        return check_var(ck, n, cb, ty);
    default:
        break;
    }
    rc = check_args(ck, n, cb, tys);
    if (rc != LAB_OK)
        return rc;
    *ty = TY_ANY;
    switch (n->op) {
    case LAB_OP_ARRAY:
    case LAB_OP_MERGE:
    case LAB_OP_MAP:
    case LAB_OP_FILTER:
    case LAB_OP_MISSING:
    case LAB_OP_MISSING_SOME:
        *ty = LAB_V_ARR;
        return LAB_OK;
    case LAB_OP_LT:
    case LAB_OP_LE:
    case LAB_OP_GT:
    case LAB_OP_GE: {
        int seen = TY_ANY;
        for (uint32_t i = 0; i < n->nargs; i++) {
            if (!is_scalar_ty(tys[i]))
                return terr(ck, n,
                            "%s is %s; '%s' compares numbers, or "
                            "dates and texts",
                            describe_node(n->args[i], d1), ty_name(tys[i]),
                            lab_op_name((lab_op)n->op));
            if (tys[i] != TY_ANY && seen != TY_ANY && tys[i] != seen)
                return terr(ck, n,
                            "%s is %s but %s is %s: compare like "
                            "with like",
                            describe_node(n->args[0], d1), ty_name(tys[0]),
                            describe_node(n->args[i], d2), ty_name(tys[i]));
            if (tys[i] != TY_ANY)
                seen = tys[i];
        }
        *ty = LAB_V_BOOL;
        return LAB_OK;
    }
    case LAB_OP_EQ:
    case LAB_OP_NE:
    case LAB_OP_SEQ:
    case LAB_OP_SNE:
        if (n->nargs == 2 && tys[0] != TY_ANY && tys[1] != TY_ANY &&
            tys[0] != LAB_V_NULL && tys[1] != LAB_V_NULL && tys[0] != tys[1])
            return terr(ck, n,
                        "%s is %s but %s is %s: they can never be "
                        "equal",
                        describe_node(n->args[0], d1), ty_name(tys[0]),
                        describe_node(n->args[1], d2), ty_name(tys[1]));
        *ty = LAB_V_BOOL;
        return LAB_OK;
    case LAB_OP_IN:
        if (n->nargs == 2 && tys[1] != TY_ANY && tys[1] != LAB_V_ARR &&
            tys[1] != LAB_V_STR)
            return terr(ck, n,
                        "%s is %s; 'in' needs a list or a text on "
                        "its right",
                        describe_node(n->args[1], d1), ty_name(tys[1]));
        if (n->nargs == 2 && tys[1] == LAB_V_STR && tys[0] != TY_ANY &&
            tys[0] != LAB_V_STR)
            return terr(ck, n, "%s is %s; 'in' a text looks for a text",
                        describe_node(n->args[0], d1), ty_name(tys[0]));
        *ty = LAB_V_BOOL;
        return LAB_OK;
    case LAB_OP_ADD:
    case LAB_OP_SUB:
    case LAB_OP_MUL:
    case LAB_OP_DIV:
    case LAB_OP_MOD:
    case LAB_OP_MAX:
    case LAB_OP_MIN:
        for (uint32_t i = 0; i < n->nargs; i++)
            if (tys[i] != TY_ANY && tys[i] != LAB_V_NUM)
                return terr(ck, n, "%s is %s; '%s' needs numbers",
                            describe_node(n->args[i], d1), ty_name(tys[i]),
                            lab_op_name((lab_op)n->op));
        *ty = LAB_V_NUM;
        return LAB_OK;
    case LAB_OP_ALL:
    case LAB_OP_SOME:
    case LAB_OP_NONE:
        if (n->nargs >= 1 && tys[0] != TY_ANY && tys[0] != LAB_V_ARR)
            return terr(ck, n, "%s is %s; '%s' needs a list",
                        describe_node(n->args[0], d1), ty_name(tys[0]),
                        lab_op_name((lab_op)n->op));
        *ty = LAB_V_BOOL;
        return LAB_OK;
    case LAB_OP_NOT:
    case LAB_OP_NOTNOT:
        *ty = LAB_V_BOOL;
        return LAB_OK;
    case LAB_OP_CAT:
    case LAB_OP_SUBSTR:
        *ty = LAB_V_STR;
        return LAB_OK;
    case LAB_OP_LOG:
        *ty = n->nargs ? tys[0] : TY_ANY;
        return LAB_OK;
    default:
        return LAB_OK;
    }
}

/* ---- message templates ---- */

static int compile_message(loader *ld, lab_rule *r, const char *msg,
                           lab_pos pos)
{
    lab_tmpl segs[64];
    size_t nseg = 0;
    const char *p = msg;
    const char *lit = p;
    lab_buf text = LAB_BUF_INIT;

    while (*p != '\0') {
        if (p[0] == '{' && p[1] == '{') {
            lab_buf_add(&text, lit, (size_t)(p - lit) + 1);
            p += 2;
            lit = p;
            continue;
        }
        if (p[0] == '}' && p[1] == '}') {
            lab_buf_add(&text, lit, (size_t)(p - lit) + 1);
            p += 2;
            lit = p;
            continue;
        }
        if (*p != '{') {
            p++;
            continue;
        }
        const char *close = strchr(p, '}');
        if (close == NULL) {
            lab_buf_free(&text);
            return lab_seterr(LAB_EPARSE,
                              "%s:%u: rule %s: message has '{' without "
                              "'}' (write {{ for a literal brace)",
                              ld->path, pos.line, r->id);
        }
        char why[256];
        const lab_fieldref *ref = lab_fieldref_resolve(
            ld->e, p + 1, (size_t)(close - p - 1), r->subject, why, sizeof why);
        if (ref == NULL) {
            lab_buf_free(&text);
            return lab_seterr(LAB_ESCHEMA, "%s:%u: rule %s: message: %s",
                              ld->path, pos.line, r->id, why);
        }
        if (nseg == LAB_ARRAY_LEN(segs)) {
            lab_buf_free(&text);
            return lab_seterr(LAB_ELIMIT,
                              "%s:%u: rule %s: message has over 64 fields",
                              ld->path, pos.line, r->id);
        }
        lab_buf_add(&text, lit, (size_t)(p - lit));
        const char *t = lab_arena_strndup(&ld->e->arena,
                                          text.data ? text.data : "", text.len);
        segs[nseg].text = t;
        segs[nseg].len = text.len;
        segs[nseg].ref = ref;
        nseg++;
        text.len = 0;
        p = close + 1;
        lit = p;
    }
    lab_buf_add(&text, lit, (size_t)(p - lit));
    if (text.oom || nseg == LAB_ARRAY_LEN(segs)) {
        lab_buf_free(&text);
        return lab_seterr(LAB_ENOMEM, "out of memory");
    }
    segs[nseg].text =
        lab_arena_strndup(&ld->e->arena, text.data ? text.data : "", text.len);
    segs[nseg].len = text.len;
    segs[nseg].ref = NULL;
    nseg++;
    lab_buf_free(&text);
    r->msg = lab_arena_alloc(&ld->e->arena, nseg * sizeof *r->msg);
    if (r->msg == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    memcpy(r->msg, segs, nseg * sizeof *segs);
    r->nmsg = nseg;
    return LAB_OK;
}

/* ---- test cases ---- */

static const struct {
    const char *name;
    lab_slot slot;
    lab_entity_id ent;
} test_elements[] = {
    {"supplier", LAB_SLOT_SUPPLIER, LAB_ENT_SUPPLIER},
    {"buyer", LAB_SLOT_BUYER, LAB_ENT_SUPPLIER},
    {"link", LAB_SLOT_LINK, LAB_ENT_LINK},
    {"audit", LAB_SLOT_AUDIT, LAB_ENT_AUDIT},
    {"product", LAB_SLOT_PRODUCT, LAB_ENT_PRODUCT},
    {"chain", LAB_SLOT_CHAIN, LAB_ENT_CHAIN},
    {"noncompliance", LAB_SLOT_NONCOMPLIANCE, LAB_ENT_NONCOMPLIANCE},
    {"previous", LAB_SLOT_PREVIOUS, LAB_ENT_AUDIT},
};

static int set_test_attr(loader *ld, lab_slot slot, lab_entity_id ent,
                         void *rec, const xmlAttr *a, lab_override *ov,
                         size_t *nov, lab_pos pos)
{
    const char *name = (const char *)a->name;
    xmlChar *v = xmlNodeListGetString(a->doc, a->children, 1);
    const char *val = v ? (const char *)v : "";
    int rc = LAB_OK;
    const lab_field *f = lab_field_find(&lab_entities[ent], name, strlen(name));

    if (f != NULL) {
        rc = lab_field_set(f, rec, val, strlen(val), &ld->e->strings, pos);
        goto out;
    }
    /* a virtual field, given directly */
    char path[128];
    snprintf(path, sizeof path, "%s.%s", test_elements[slot].name, name);
    char why[256];
    const lab_fieldref *ref =
        lab_fieldref_resolve(ld->e, path, strlen(path),
                             (lab_subject)LAB_SUBJECT_COUNT_, why, sizeof why);
    if (ref == NULL || (ref->field != NULL && ref->ext == 0)) {
        rc = lab_seterr(LAB_ESCHEMA, "%s:%u: test: %s has no field '%s'",
                        ld->path, pos.line, test_elements[slot].name, name);
        goto out;
    }
    double d;
    if (*nov >= 16) {
        rc = lab_seterr(LAB_ELIMIT, "%s:%u: test: over 16 virtual fields",
                        ld->path, pos.line);
        goto out;
    }
    if (ref->ext != 0) {
        /* a declared field: its text is checked as the dataset's would be */
        rc = lab_field_parse(ref->field, val, strlen(val), &ld->e->strings, pos,
                             &ov[*nov].v);
        if (rc != LAB_OK)
            goto out;
    } else if (ref->vtype == LAB_V_STR) {
        const char *in = lab_strtab_intern(&ld->e->strings, val, strlen(val));
        if (in == NULL) {
            rc = lab_seterr(LAB_ENOMEM, "out of memory");
            goto out;
        }
        ov[*nov].v = lab_val_str(in, strlen(in));
    } else if (ref->vtype == LAB_V_BOOL) {
        if (strcmp(val, "true") != 0 && strcmp(val, "false") != 0) {
            rc = lab_seterr(LAB_ESCHEMA,
                            "%s:%u: test: %s: expected true or "
                            "false",
                            ld->path, pos.line, path);
            goto out;
        }
        ov[*nov].v = lab_val_bool(strcmp(val, "true") == 0);
    } else if (lab_num_parse(val, strlen(val), &d)) {
        ov[*nov].v = lab_val_num(d);
    } else {
        rc = lab_seterr(LAB_ESCHEMA, "%s:%u: test: %s: expected a number",
                        ld->path, pos.line, path);
        goto out;
    }
    ov[*nov].ref = ref;
    (*nov)++;
out:
    xmlFree(v);
    return rc;
}

static int compile_test(loader *ld, lab_rule *r, const xmlNode *tn,
                        lab_testcase *tc)
{
    lab_override ov[16];
    size_t nov = 0;
    const char *expect = attr_of(ld, tn, "expect");
    const char *asof = attr_of(ld, tn, "as-of");

    memset(tc, 0, sizeof *tc);
    tc->expect_fire = expect != NULL && strcmp(expect, "fire") == 0;
    tc->name = attr_of(ld, tn, "name");
    tc->line = (unsigned)xmlGetLineNo(tn);
    tc->as_of = lab_date_today();
    if (asof != NULL && !lab_date_parse(asof, strlen(asof), &tc->as_of))
        return lab_seterr(LAB_ESCHEMA,
                          "%s:%u: test: as-of: expected a date "
                          "YYYY-MM-DD",
                          ld->path, tc->line);
    for (const xmlNode *c = first_el(tn->children); c; c = next_el(c)) {
        size_t k;
        for (k = 0; k < LAB_ARRAY_LEN(test_elements); k++)
            if (is_el(c, test_elements[k].name))
                break;
        if (k == LAB_ARRAY_LEN(test_elements))
            continue; /* the schema allows nothing else */
        const lab_entity *ent = &lab_entities[test_elements[k].ent];
        void *rec = lab_arena_alloc(&ld->e->arena, ent->size);
        if (rec == NULL)
            return lab_seterr(LAB_ENOMEM, "out of memory");
        lab_record_clear(ent, rec);
        lab_pos pos = {ld->path, (unsigned)xmlGetLineNo(c), 1};
        for (const xmlAttr *a = c->properties; a != NULL; a = a->next) {
            int rc = set_test_attr(ld, test_elements[k].slot,
                                   test_elements[k].ent, rec, a, ov, &nov, pos);
            if (rc != LAB_OK)
                return lab_preerr(rc, "rule %s", r->id);
        }
        /* a test record is a record: defaults, and its required fields
         * (the engine relies on them being there) */
        int rq = lab_record_check_required(ent, rec, pos);
        if (rq != LAB_OK)
            return lab_preerr(rq, "rule %s: test", r->id);
        tc->rec[test_elements[k].slot] = rec;
    }
    if (nov > 0) {
        tc->overrides = lab_arena_alloc(&ld->e->arena, nov * sizeof *ov);
        if (tc->overrides == NULL)
            return lab_seterr(LAB_ENOMEM, "out of memory");
        memcpy(tc->overrides, ov, nov * sizeof *ov);
        tc->noverrides = nov;
    }
    return LAB_OK;
}

/* ---- rules ---- */

static int compile_condition(loader *ld, lab_rule *r, const xmlNode *cn)
{
    lab_pos pos = text_pos(ld, cn);
    const char *src = text_of(ld, cn);
    int rc;
    if (src == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    r->source_text = src;
    r->source_is_jsonlogic = is_el(cn, "jsonlogic");
    if (r->source_is_jsonlogic) {
        char origin[512];
        snprintf(origin, sizeof origin, "%s (rule %s, jsonlogic at line %u)",
                 ld->path, r->id, pos.line);
        rc = lab_jl_parse(&r->cond, &ld->e->arena, src, strlen(src), origin);
    } else {
        rc = lab_cond_parse(&r->cond, &ld->e->arena, src, strlen(src), pos);
    }
    if (rc != LAB_OK)
        return rc;
    checker ck = {ld, r, pos, {0}, 0};
    int ty;
    rc = check_node(&ck, r->cond, 0, &ty);
    if (rc != LAB_OK)
        return rc;
    r->refs = lab_arena_alloc(&ld->e->arena, (ck.nrefs + 1) * sizeof *r->refs);
    if (r->refs == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    memcpy(r->refs, ck.refs, ck.nrefs * sizeof *r->refs);
    r->nrefs = ck.nrefs;
    return LAB_OK;
}

static int parse_enum(const char *s, const char *const *names, int n)
{
    for (int i = 0; s != NULL && i < n; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    return -1;
}

static int compile_rule(loader *ld, const xmlNode *rn, lab_rule *r)
{
    int rc;

    memset(r, 0, sizeof *r);
    r->pack = ld->pack;
    r->file = ld->path;
    r->line = (unsigned)xmlGetLineNo(rn);
    r->id = attr_of(ld, rn, "id");
    r->area = attr_of(ld, rn, "area");
    r->severity = (lab_severity)lab_severity_parse(attr_of(ld, rn, "severity"));
    r->subject = (lab_subject)parse_enum(attr_of(ld, rn, "subject"),
                                         lab_subject_names, LAB_SUBJECT_COUNT_);
    if (r->id == NULL || (int)r->severity < 0 || (int)r->subject < 0)
        return lab_seterr(LAB_ESCHEMA,
                          "%s:%u: rule: bad id, severity or "
                          "subject",
                          ld->path, r->line);

    size_t nbasis = 0, ntests = 0;
    for (const xmlNode *c = first_el(rn->children); c; c = next_el(c)) {
        nbasis += is_el(c, "basis");
        ntests += is_el(c, "test");
    }
    r->basis = lab_arena_alloc(&ld->e->arena, nbasis * sizeof *r->basis);
    r->tests = lab_arena_alloc(&ld->e->arena, ntests * sizeof *r->tests);
    if (r->basis == NULL || r->tests == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");

    const xmlNode *msg = NULL;
    for (const xmlNode *c = first_el(rn->children); c; c = next_el(c)) {
        if (is_el(c, "title")) {
            r->title = text_of(ld, c);
        } else if (is_el(c, "condition") || is_el(c, "jsonlogic")) {
            rc = compile_condition(ld, r, c);
            if (rc != LAB_OK)
                return rc;
        } else if (is_el(c, "message")) {
            msg = c;
        } else if (is_el(c, "basis")) {
            lab_basis *b = &r->basis[r->nbasis++];
            b->cite = attr_of(ld, c, "cite");
            b->url = attr_of(ld, c, "url");
            b->text = text_of(ld, c);
        } else if (is_el(c, "remediation")) {
            r->remediation = text_of(ld, c);
        } else if (is_el(c, "test")) {
            rc = compile_test(ld, r, c, &r->tests[r->ntests]);
            if (rc != LAB_OK)
                return rc;
            r->ntests++;
        }
    }
    if (msg != NULL) {
        const char *m = text_of(ld, msg);
        if (m == NULL)
            return lab_seterr(LAB_ENOMEM, "out of memory");
        rc = compile_message(ld, r, m, text_pos(ld, msg));
        if (rc != LAB_OK)
            return rc;
    }
    return LAB_OK;
}

/* ---- the pack ---- */

static int parse_and_validate_loud(loader *ld, xmlDocPtr *out)
{
    xerr xe = {0};
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    xmlDocPtr doc = NULL;
    int rc = LAB_OK;

    if (ctxt == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    /* errors come to us, never to the host's stderr or global handler */
    ctxt->sax->serror = keep_first_parse_error;
    ctxt->sax->error = NULL;
    ctxt->sax->warning = NULL;
    ctxt->vctxt.error = NULL;
    ctxt->vctxt.warning = NULL;
    xmlCtxtUseOptions(ctxt, 0);
    ctxt->_private = &xe;
    doc = xmlCtxtReadMemory(ctxt, ld->buf, (int)ld->len, ld->path, NULL,
                            XML_PARSE_NONET | XML_PARSE_NOCDATA);
    if (doc == NULL || !ctxt->wellFormed) {
        rc = lab_seterr(LAB_EPARSE, "%s:%d:%d: %s", ld->path,
                        xe.set ? xe.line : 1, xe.set ? xe.col : 1,
                        xe.set ? xe.msg : "not well-formed XML");
        goto out;
    }
    if (doc->intSubset != NULL || doc->extSubset != NULL) {
        /* libxml2 keeps no line for a DOCTYPE: find it in the text */
        const char *dt = strstr(ld->buf, "<!DOCTYPE");
        unsigned line = 1;
        for (const char *q = ld->buf; dt != NULL && q < dt; q++)
            line += *q == '\n';
        rc = lab_seterr(LAB_EPARSE,
                        "%s:%u: a DOCTYPE is not allowed in a rule pack "
                        "(DTDs and entities are refused for safety)",
                        ld->path, line);
        goto out;
    }
    pthread_once(&schema_once, schema_init);
    if (schema == NULL) {
        rc = lab_seterr(LAB_EUNSUPPORTED, "the built-in rule-pack schema "
                                          "could not be loaded");
        goto out;
    }
    xmlSchemaValidCtxtPtr vc = xmlSchemaNewValidCtxt(schema);
    if (vc == NULL) {
        rc = lab_seterr(LAB_ENOMEM, "out of memory");
        goto out;
    }
    xmlSchemaSetValidStructuredErrors(vc, keep_first_error, &xe);
    int v = xmlSchemaValidateDoc(vc, doc);
    xmlSchemaFreeValidCtxt(vc);
    if (v != 0) {
        rc = lab_seterr(LAB_ESCHEMA,
                        "%s:%d: %s (checked against "
                        "rulepack.xsd)",
                        ld->path, xe.set ? xe.line : 1,
                        xe.set ? xe.msg : "not a valid rule pack");
        goto out;
    }
    *out = doc;
    doc = NULL;
out:
    if (doc != NULL)
        xmlFreeDoc(doc);
    xmlFreeParserCtxt(ctxt);
    return rc;
}

/* Parses and validates with libxml2 kept quiet (see xmlquiet.h). */
static int parse_and_validate(loader *ld, xmlDocPtr *out)
{
    lab_xml_quiet q;
    lab_xml_quiet_enter(&q);
    int rc = parse_and_validate_loud(ld, out);
    lab_xml_quiet_leave(&q);
    return rc;
}

/* ---- declared fields ---- */

static const char *const field_types[] = {"string", "integer", "number",
                                          "boolean", "list"};
static const lab_ftype field_ftypes[] = {LAB_FT_STR, LAB_FT_INT, LAB_FT_NUM,
                                         LAB_FT_BOOL, LAB_FT_LIST};

static const char *type_name(int ftype)
{
    for (size_t i = 0; i < LAB_ARRAY_LEN(field_ftypes); i++)
        if ((int)field_ftypes[i] == ftype)
            return field_types[i];
    return "?";
}

/* The enumerated values of a <field>, NULL-terminated, or NULL. */
static int field_values(loader *ld, const xmlNode *n, const char *const **out)
{
    size_t k = 0, nv = 0;
    *out = NULL;
    for (const xmlNode *c = first_el(n->children); c; c = next_el(c))
        nv += is_el(c, "value");
    if (nv == 0)
        return LAB_OK;
    const char **v = lab_arena_alloc(&ld->e->arena, (nv + 1) * sizeof *v);
    if (v == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    for (const xmlNode *c = first_el(n->children); c; c = next_el(c)) {
        v[k] = is_el(c, "value") ? text_of(ld, c) : NULL;
        k += v[k] != NULL;
    }
    v[k] = NULL;
    *out = v;
    return LAB_OK;
}

/* The declaration of this name on this record kind, by any pack, or NULL. */
static lab_decl *decl_find(const lab_engine *e, lab_entity_id ent,
                           const char *name)
{
    for (size_t i = 0; i < e->ndecls; i++)
        if (e->decls[i]->ent == ent &&
            strcmp(e->decls[i]->field.name, name) == 0)
            return e->decls[i];
    return NULL;
}

/* <field subject="audit" name="n" type="boolean">: a field beyond
 * labaudit's own, seen through each slot that shows the record kind. */
static int compile_field(loader *ld, const xmlNode *n)
{
    static const char *const subjects[] = {"supplier", "link", "audit",
                                           "product", "noncompliance"};
    static const lab_entity_id ents[] = {LAB_ENT_SUPPLIER, LAB_ENT_LINK,
                                         LAB_ENT_AUDIT, LAB_ENT_PRODUCT,
                                         LAB_ENT_NONCOMPLIANCE};
    lab_engine *e = ld->e;
    unsigned line = (unsigned)xmlGetLineNo(n);
    const char *name = attr_of(ld, n, "name");
    int s = parse_enum(attr_of(ld, n, "subject"), subjects, 5);
    int t = parse_enum(attr_of(ld, n, "type"), field_types, 5);
    if (name == NULL || s < 0 || t < 0)
        return lab_seterr(LAB_ESCHEMA,
                          "%s:%u: field: bad name, subject or type", ld->path,
                          line);
    lab_entity_id ent = ents[s];
    char why[256], path[160];
    snprintf(path, sizeof path, "%s.%s", subjects[s], name);
    if (lab_field_find(&lab_entities[ent], name, strlen(name)) != NULL ||
        lab_fieldref_resolve(NULL, path, strlen(path),
                             (lab_subject)LAB_SUBJECT_COUNT_, why,
                             sizeof why) != NULL)
        return lab_seterr(LAB_ESCHEMA,
                          "%s:%u: field %s: a built-in field of the same name "
                          "exists (expected a new name, or use the built-in "
                          "one)",
                          ld->path, line, path);
    const char *const *values = NULL;
    int rc = field_values(ld, n, &values);
    if (rc != LAB_OK)
        return rc;
    if (values != NULL && field_ftypes[t] != LAB_FT_STR &&
        field_ftypes[t] != LAB_FT_LIST)
        return lab_seterr(LAB_ESCHEMA,
                          "%s:%u: field %s: <value> items need type string "
                          "or list, not %s",
                          ld->path, line, path, field_types[t]);
    lab_decl *prev = decl_find(e, ent, name);
    if (prev != NULL) {
        if ((int)prev->field.type != (int)field_ftypes[t])
            return lab_seterr(LAB_ESCHEMA,
                              "%s:%u: field %s is declared as %s, but %s:%u "
                              "(pack %s) declared it as %s (expected one type)",
                              ld->path, line, path, field_types[t], prev->file,
                              prev->line, prev->pack->id,
                              type_name(prev->field.type));
        return LAB_OK; /* the same field, declared again: shared */
    }
    if (e->ndecls >= 4096)
        return lab_seterr(LAB_ELIMIT, "%s:%u: more than 4096 declared fields",
                          ld->path, line);
    lab_decl **all =
        lab_reallocarray(e->decls, e->ndecls + 1, sizeof *e->decls);
    if (all == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    e->decls = all;
    lab_decl *d = lab_arena_alloc(&e->arena, sizeof *d);
    if (d == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    memset(d, 0, sizeof *d);
    d->ent = ent;
    d->field.name = name;
    d->field.type = (uint8_t)field_ftypes[t];
    d->field.check = values ? LAB_CK_ENUM : LAB_CK_NONE;
    d->field.enum_values = values;
    for (const xmlNode *c = first_el(n->children); c; c = next_el(c))
        if (is_el(c, "description"))
            d->field.doc = text_of(ld, c);
    d->unit = attr_of(ld, n, "unit");
    d->area = attr_of(ld, n, "area");
    d->pack = ld->pack;
    d->file = ld->path;
    d->line = line;
    lab_slot slots[2];
    d->nrefs = lab_entity_slots(ent, slots);
    for (size_t k = 0; k < d->nrefs; k++) {
        lab_fieldref *r = &d->refs[k];
        char p[160];
        snprintf(p, sizeof p, "%s.%s", lab_slot_name(slots[k]), name);
        r->slot = (uint8_t)slots[k];
        r->field = &d->field;
        r->vtype = (uint8_t)lab_field_vtype(&d->field);
        r->path = lab_arena_strndup(&e->arena, p, strlen(p));
        r->ext = (uint16_t)(e->ndecls + 1);
        if (r->path == NULL)
            return lab_seterr(LAB_ENOMEM, "out of memory");
    }
    e->decls[e->ndecls++] = d;
    return LAB_OK;
}

/* The roles a <require> applies to, as a list (NULL: production roles). */
static int parse_roles(loader *ld, const char *text, unsigned line,
                       const lab_list **out)
{
    static const char *const roles[] = {LAB_ROLES};
    *out = NULL;
    if (text == NULL)
        return LAB_OK;
    size_t n = 0, len = strlen(text);
    for (size_t i = 0; i < len; i++)
        n += (i == 0 || text[i - 1] == ' ') && text[i] != ' ';
    lab_list *l = lab_arena_alloc(&ld->e->arena,
                                  sizeof *l + (n + 1) * sizeof l->items[0]);
    if (l == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    l->n = 0;
    for (size_t i = 0; i < len;) {
        while (i < len && text[i] == ' ')
            i++;
        size_t j = i;
        while (j < len && text[j] != ' ')
            j++;
        if (j == i)
            break;
        size_t k = 0;
        while (k < LAB_ARRAY_LEN(roles) &&
               (strlen(roles[k]) != j - i ||
                memcmp(roles[k], text + i, j - i) != 0))
            k++;
        if (k == LAB_ARRAY_LEN(roles))
            return lab_seterr(LAB_ESCHEMA,
                              "%s:%u: require: unknown role '%.*s' (expected "
                              "supplier roles such as farm, spinner, "
                              "garment_maker)",
                              ld->path, line, (int)(j - i), text + i);
        l->items[l->n++] = lab_val_str(roles[k], strlen(roles[k]));
        i = j;
    }
    *out = l;
    return LAB_OK;
}

/* <require field="audit.F" roles="..."/>: a fact certificates need. */
static int compile_require(loader *ld, const xmlNode *n)
{
    lab_engine *e = ld->e;
    unsigned line = (unsigned)xmlGetLineNo(n);
    const char *field = attr_of(ld, n, "field");
    char why[256];
    const lab_fieldref *ref =
        field ? lab_fieldref_resolve(ld->e, field, strlen(field),
                                     LAB_SUBJECT_AUDIT, why, sizeof why)
              : NULL;
    if (ref == NULL || ref->field == NULL || ref->slot != LAB_SLOT_AUDIT)
        return lab_seterr(LAB_ESCHEMA,
                          "%s:%u: require: %s (expected a stored audit field "
                          "such as audit.documents_held_by_employer)",
                          ld->path, line,
                          ref == NULL ? why : "not a stored audit field");
    lab_require r = {ref, NULL, ld->pack, ld->path, line};
    int rc = parse_roles(ld, attr_of(ld, n, "roles"), line, &r.roles);
    if (rc != LAB_OK)
        return rc;
    lab_require *reqs =
        lab_reallocarray(e->requires, e->nrequires + 1, sizeof *reqs);
    if (reqs == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    e->requires = reqs;
    e->requires[e->nrequires++] = r;
    return LAB_OK;
}

int lab_pack_load(lab_engine *e, const char *path)
{
    loader ld = {e, NULL, NULL, 0, NULL};
    char *buf = NULL;
    size_t len = 0;
    xmlDocPtr doc = NULL;
    int rc;

    ld.path = lab_arena_strndup(&e->arena, path, strlen(path));
    if (ld.path == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    rc = lab_read_file(&buf, &len, path, PACK_MAX_BYTES);
    if (rc != LAB_OK)
        return rc;
    ld.buf = buf;
    ld.len = len;
    if (len > INT32_MAX) {
        rc = lab_seterr(LAB_ELIMIT, "%s: too large", path);
        goto out;
    }
    /* libxml2 compares each attribute with every earlier one on its
     * element: refuse an element with too many before it parses. */
    lab_xmlscan scan;
    lab_xmlscan_init(&scan);
    int scanned = lab_xmlscan_feed(&scan, buf, len);
    if (scanned != 0) {
        rc = scanned == -1
                 ? lab_seterr(LAB_ELIMIT,
                              "%s:%u: element with more than %d attributes "
                              "(the limit)",
                              path, scan.tag_line, LAB_XML_MAX_ATTRS)
                 : lab_seterr(LAB_ELIMIT,
                              "%s:%u: more than %d bytes of text in one "
                              "element (the limit, 1 MiB)",
                              path, scan.text_line, LAB_XMLSCAN_MAX_TEXT);
        goto out;
    }
    rc = parse_and_validate(&ld, &doc);
    if (rc != LAB_OK)
        goto out;

    /* packs live in the arena so rules can point at them */
    lab_pack **packs = lab_reallocarray(e->packs, e->npacks + 1, sizeof *packs);
    lab_pack *pk = lab_arena_alloc(&e->arena, sizeof *pk);
    if (packs != NULL)
        e->packs = packs;
    if (packs == NULL || pk == NULL) {
        rc = lab_seterr(LAB_ENOMEM, "out of memory");
        goto out;
    }
    memset(pk, 0, sizeof *pk);
    ld.pack = pk;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    pk->path = ld.path;
    pk->id = attr_of(&ld, root, "id");
    pk->version = attr_of(&ld, root, "version");
    rc = lab_sha256_hex(pk->sha256, buf, len);
    if (rc != LAB_OK)
        goto out;
    for (size_t i = 0; i < e->npacks; i++)
        if (strcmp(e->packs[i]->id, pk->id) == 0) {
            rc =
                lab_seterr(LAB_EDUPLICATE,
                           "%s:%ld: pack id '%s' is already loaded from %s",
                           path, xmlGetLineNo(root), pk->id, e->packs[i]->path);
            goto out;
        }

    size_t nrules = 0;
    for (const xmlNode *c = first_el(root->children); c; c = next_el(c)) {
        if (is_el(c, "title"))
            pk->title = text_of(&ld, c);
        else if (is_el(c, "publisher"))
            pk->publisher = text_of(&ld, c);
        else if (is_el(c, "source"))
            pk->source = text_of(&ld, c);
        else if (is_el(c, "description"))
            pk->description = text_of(&ld, c);
        if (is_el(c, "field")) {
            rc = compile_field(&ld, c);
            if (rc != LAB_OK)
                goto out;
        }
        if (is_el(c, "require")) {
            rc = compile_require(&ld, c);
            if (rc != LAB_OK)
                goto out;
        }
        nrules += is_el(c, "rule");
    }
    lab_rule *rules =
        lab_reallocarray(e->rules, e->nrules + nrules, sizeof *rules);
    if (rules == NULL) {
        rc = lab_seterr(LAB_ENOMEM, "out of memory");
        goto out;
    }
    e->rules = rules;
    pk->first_rule = e->nrules;
    for (const xmlNode *c = first_el(root->children); c; c = next_el(c)) {
        if (!is_el(c, "rule"))
            continue;
        lab_rule *r = &e->rules[e->nrules + pk->nrules];
        rc = compile_rule(&ld, c, r);
        if (rc != LAB_OK)
            goto out;
        for (size_t i = 0; i < e->nrules + pk->nrules; i++)
            if (strcmp(e->rules[i].id, r->id) == 0) {
                rc = lab_seterr(LAB_EDUPLICATE,
                                "%s:%u: rule id '%s' is already defined in "
                                "%s:%u (rule ids must be unique across "
                                "packs)",
                                path, r->line, r->id, e->rules[i].file,
                                e->rules[i].line);
                goto out;
            }
        pk->nrules++;
    }
    /* a declared field without an area takes that of its first reader */
    for (size_t d = 0; d < e->ndecls; d++) {
        lab_decl *dc = e->decls[d];
        for (size_t i = 0; dc->pack == pk && dc->area == NULL && i < pk->nrules;
             i++) {
            const lab_rule *r = &e->rules[e->nrules + i];
            for (size_t k = 0; k < r->nrefs && dc->area == NULL; k++)
                if (r->refs[k]->ext == d + 1)
                    dc->area = r->area;
        }
    }
    /* committed: the pack and its rules are part of the engine now */
    e->nrules += pk->nrules;
    e->packs[e->npacks++] = pk;
out:
    if (doc != NULL)
        xmlFreeDoc(doc);
    free(buf);
    return rc;
}
