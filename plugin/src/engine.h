/*
 * engine.h - the compiled form of rule packs and what the engine, the
 * rule-pack loader and the report share: scopes (the records one rule
 * evaluation sees), resolved field references, rules with their message
 * templates and test cases, and findings.
 */
#ifndef LAB_ENGINE_H
#define LAB_ENGINE_H

#include "dataset.h"
#include "expr.h"
#include "reflist.h"
#include "schema.h"

/* The records a condition can name, by slot. */
typedef enum lab_slot {
    LAB_SLOT_SUPPLIER = 0,
    LAB_SLOT_BUYER,
    LAB_SLOT_LINK,
    LAB_SLOT_AUDIT,
    LAB_SLOT_PRODUCT,
    LAB_SLOT_CHAIN,
    LAB_SLOT_NONCOMPLIANCE,
    LAB_SLOT_PREVIOUS, /* the full audit before the audit in scope */
    LAB_SLOT_COUNT_
} lab_slot;

struct lab_scope;

/* A field a condition or message names: a stored field of a slot's
 * record, or a virtual one computed from the scope. */
struct lab_fieldref {
    uint8_t slot;           /* lab_slot */
    const lab_field *field; /* stored field, or NULL if virtual */
    int (*compute)(const struct lab_scope *, lab_val *);
    uint8_t vtype;    /* lab_vtype of its values */
    const char *path; /* "supplier.country" */
    uint16_t index;   /* position in the engine's field list */
    uint16_t ext;     /* pack-declared field: its index + 1; 0 = built in */
};

/* A value given directly by a test case for a virtual field. */
typedef struct lab_override {
    const lab_fieldref *ref;
    lab_val v;
} lab_override;

/* What one evaluation sees. */
typedef struct lab_scope {
    const void *rec[LAB_SLOT_COUNT_];
    const lab_audit *latest_audit; /* newest audit of the supplier */
    const lab_audit *full_audit;   /* its newest full audit */
    int32_t audit_count;           /* audits of the supplier */
    int32_t unannounced_count;     /* of them, semi- or unannounced */
    int32_t full_count;            /* full audits of the supplier */
    int32_t full_unannounced;      /* of them, semi- or unannounced */
    int32_t as_of;                 /* days since 1970-01-01 */
    const lab_dataset *ds;         /* NULL in rule-pack test cases */
    const lab_val *const *ext;     /* per pack-declared field: its values
                                      by row, or NULL */
    const lab_override *overrides;
    size_t noverrides;
    const lab_refdata *ref;    /* the engine's reference lists */
    const lab_hit *hit;        /* screening of the supplier, or NULL */
    const struct lab_tie *tie; /* its ties to listed entities, or NULL */
    int32_t listed_upstream;   /* listed suppliers in the chain; -1 n/a */
    int32_t listed_ties;       /* chain suppliers listed by identifier or as
                                  a subsidiary; -1 n/a */
    double owner_share_max;    /* the largest listed_owner_share there */
    const char *owner_share_max_id; /* whose it is */
    const int32_t *evidence;        /* per audit then per supplier: missing,
                                       changed; NULL without an evidence dir */
    size_t naudits; /* audits in the dataset (evidence layout) */
    uint32_t supplier_index, audit_index;
    uint32_t link_index; /* the link in scope (link rules) */
    lab_budget *budget;  /* the check's evaluation steps, or NULL */
} lab_scope;

typedef struct lab_basis {
    const char *cite, *text, *url;
} lab_basis;

/* A piece of a message template: literal text, then optionally a field. */
typedef struct lab_tmpl {
    const char *text;
    size_t len;
    const lab_fieldref *ref;
} lab_tmpl;

typedef struct lab_testcase {
    int expect_fire;
    const char *name;
    unsigned line;
    const void *rec[LAB_SLOT_COUNT_];
    lab_override *overrides;
    size_t noverrides;
    int32_t as_of;
} lab_testcase;

typedef struct lab_pack lab_pack;

/* A field a rule pack declares on a record kind (rulepack.c <field>):
 * read from a column or XML extension element of that name, typed and
 * checked like a built-in field, and seen by conditions through each slot
 * that shows the kind (supplier and buyer; audit and previous). */
typedef struct lab_decl {
    lab_entity_id ent;
    lab_field field; /* name, type, check (ENUM with values), description */
    const char *unit;
    const char *area; /* its facts' area: as declared, or the area of the
                         pack's first rule that reads it */
    const lab_pack *pack;
    const char *file;
    unsigned line;
    lab_fieldref refs[2];
    size_t nrefs;
} lab_decl;

/* A fact a pack requires at every facility of a certified chain: an
 * audit field that must not be unknown (rulepack.c <require>). */
typedef struct lab_require {
    const lab_fieldref *ref;
    const lab_list *roles; /* NULL: the production roles */
    const lab_pack *pack;
    const char *file;
    unsigned line;
} lab_require;

typedef struct lab_rule {
    const char *id, *title, *remediation, *area;
    const char *source_text; /* the condition as written */
    int source_is_jsonlogic;
    lab_severity severity;
    lab_subject subject;
    lab_node *cond;
    lab_tmpl *msg;
    size_t nmsg;
    const lab_fieldref **refs; /* fields the condition reads: the evidence */
    size_t nrefs;
    lab_basis *basis;
    size_t nbasis;
    lab_testcase *tests;
    size_t ntests;
    const lab_pack *pack;
    const char *file;
    unsigned line;
} lab_rule;

struct lab_pack {
    const char *id, *version, *title, *publisher, *source, *description;
    const char *path;
    char sha256[65];
    size_t first_rule, nrules;
};

struct lab_engine {
    lab_arena arena;
    lab_strtab strings; /* test-case records */
    lab_pack **packs;   /* each in the arena */
    size_t npacks;
    lab_rule *rules;
    size_t nrules;
    /* rules by subject, in load order */
    const lab_rule **by_subject[LAB_SUBJECT_COUNT_];
    size_t nby_subject[LAB_SUBJECT_COUNT_];
    lab_require *requires; /* facts certificates need, of every pack */
    size_t nrequires;
    lab_decl **decls; /* fields the packs declare, in the arena */
    size_t ndecls;
    lab_refdata ref;    /* reference lists */
    int uses_screening; /* some rule reads a screening field */
};

/* Loads one pack file into the engine (rulepack.c). */
int lab_pack_load(lab_engine *e, const char *path);
/* Resolves "entity.field" for a rule subject, among the built-in fields
 * and those the engine's packs declared so far (e may be NULL); NULL with a
 * message if the field is unknown or not visible to that subject. */
const lab_fieldref *lab_fieldref_resolve(const lab_engine *e, const char *path,
                                         size_t n, lab_subject subject,
                                         char *why, size_t whylen);
/* The slots that show records of entity `ent`, and their names. */
size_t lab_entity_slots(lab_entity_id ent, lab_slot slots[2]);
const char *lab_slot_name(lab_slot s);
/* Reads a field from a scope (the evaluator's fetch callback). */
int lab_scope_fetch(const void *scope, const lab_fieldref *ref, lab_val *out);
/* Evaluates a rule on a scope: 1 fires, 0 not, <0 error. */
int lab_rule_eval(const lab_rule *r, const lab_scope *scope,
                  lab_arena *scratch);

/* ---- findings and reports (report.c) ---- */

struct lab_finding {
    const lab_rule *rule;
    lab_subject subject;
    const char *subject_id;
    const char *message;
    const char **ev_names;
    const char **ev_values; /* JSON text */
    size_t nev;
    uint32_t supplier; /* supplier index the finding is attributed to */
    uint32_t product;  /* chain findings: the report's product verdict */
    uint32_t link;     /* link findings: the link's row */
    const char *lot;   /* chain findings on a product lot: its id */
    const struct lab_waiver *waiver; /* set when a waiver accepts it */
    uint8_t severity; /* the rule's, or capped while awaiting verification */
    uint8_t awaiting; /* a closure awaits verification: no certificate */
    const char *note; /* how history changed it, or NULL */
};

/* How a facility's history bears on a finding (engine.c): live at the
 * rule's severity, live but capped (a closure awaiting verification), or
 * history (superseded, or corrected and verified). */
typedef struct lab_standing {
    int history;
    lab_severity severity;
    int awaiting;     /* a closure awaits verification: no certificate */
    const char *note; /* in the report's arena, or NULL */
} lab_standing;

/* A required fact unknown at a facility. */
typedef struct lab_unknown {
    uint32_t supplier;
    const lab_require *req;
} lab_unknown;

/* A finding accepted by a named approver until a date. */
typedef struct lab_waiver {
    const char *rule, *subject_id, *approver, *justification;
    char expires[11];
    const char *file;
    unsigned line;
    int used;
} lab_waiver;

typedef struct lab_product_verdict {
    const char *id;
    const char *name;
    uint32_t maker;
    uint32_t row;           /* the product's row */
    uint32_t lot;           /* the lot judged, or LAB_NONE for a chain of
                               whole suppliers (no lot data) */
    const char *lot_id;     /* its id, or NULL */
    const lab_chain *chain; /* the lot's chain facts, or NULL */
    int worst;              /* of findings not waived; -1 if none */
    size_t nfindings;       /* not waived */
    size_t nwaived;
    size_t nunknowns; /* required facts unknown in the chain */
} lab_product_verdict;

struct lab_report {
    const lab_engine *engine; /* rule texts are borrowed from it */
    const lab_dataset *ds;    /* and subject ids, and the graph, from it */
    lab_arena arena;
    lab_finding *findings; /* live findings */
    size_t n, cap;
    lab_finding *history; /* superseded or corrected: not live */
    size_t nhistory, caphistory;
    lab_unknown *unknowns; /* required facts unknown, by supplier */
    size_t nunknowns, capunknowns;
    lab_product_verdict *products;
    size_t nproducts;
    char as_of[11];
    int32_t as_of_days;
    size_t counts[LAB_TABLE_COUNT];
    lab_waiver *waivers;
    size_t nwaivers, capwaivers;
    char **warnings;
    size_t nwarnings, capwarnings;
    struct {
        size_t audits;
        int64_t workers, women, men, under_18;
        unsigned unknown; /* bit k: some audit lacked figure k */
    } affected;
};

/* Reads a waiver file (CSV: rule, subject_id, approver, justification,
 * expires) and marks the findings it accepts (waiver.c). */
int lab_waivers_apply(lab_report *rep, const char *path);
/* Adds a warning to the report. */
int lab_report_warn(lab_report *rep, const char *fmt, ...) LAB_PRINTF(2, 3);

/* Adds a finding for rule r on the scope's subject, live or to the
 * history as `st` says. */
int lab_report_add(lab_report *rep, const lab_rule *r, const lab_scope *sc,
                   lab_subject subject, const char *subject_id,
                   uint32_t supplier, const lab_standing *st);
/* Sorts findings into their final deterministic order. */
void lab_report_sort(lab_report *rep);
/* The report's products as a person reads them, worst first: blocked,
 * then by worst severity, then by number of findings, then in record
 * order.  *out (free with free) holds product indexes; NULL with no
 * products or on failure (then record order is used). */
size_t *lab_report_products_worst_first(const lab_report *rep);

/* Renders a report as LAB_FORMAT_HTML or LAB_FORMAT_JUNIT (report_html.c). */
int lab_report_render_page(char **out, const lab_report *rep,
                           lab_format format);

#endif /* LAB_ENGINE_H */
