/*
 * dataset.h - the dataset's inside: records of each kind in growable
 * arrays, interned strings, id indexes, the supply graph (links as
 * compressed adjacency in both directions) and the chain facts derived
 * from it.  Adapters add records through lab_ds_row(); the engine reads.
 */
#ifndef LAB_DATASET_H
#define LAB_DATASET_H

#include "internal.h"
#include "schema.h"

/* Records of one kind: a growable array of structs of entity->size. */
typedef struct lab_table {
    const lab_entity *entity;
    unsigned char *rows;
    size_t n, cap;
    /* id -> row index + 1 (0 = empty), open addressing; built by
     * lab_ds_index(). */
    uint32_t *index;
    size_t index_cap;
} lab_table;

/* The longest value of one field, whichever adapter read it (CSV, XML,
 * PostgreSQL, JSON records, EPCIS): 1 MiB, as a CSV field. */
enum { LAB_FIELD_MAX = 1 << 20 };

/* Kinds with tables (chain facts are derived, not stored here). */
enum { LAB_TABLE_COUNT = LAB_ENT_OWNERSHIP + 1 };

#define LAB_NONE UINT32_MAX /* no such row */

/*
 * The history of each facility (history.c), derived once per dataset:
 * which audits are current and which a newer full audit superseded, the
 * full audit before each audit (what history rules look back at), and
 * the non-compliances each audit raised.  "Full" is an audit of kind
 * full; follow-ups and verifications after the newest full audit are
 * current too, and close non-compliances.
 */
typedef struct lab_history {
    int valid;     /* derived, for the date as_of */
    int32_t as_of; /* audits after it have not happened yet */
    /* per supplier */
    uint32_t *latest;          /* newest audit of any kind, LAB_NONE if none */
    uint32_t *full_latest;     /* newest full audit: the current baseline */
    uint32_t *full_prev;       /* the full audit before full_latest */
    int32_t *unannounced;      /* audits semi- or unannounced */
    int32_t *full_count;       /* full audits */
    int32_t *full_unannounced; /* of them, semi- or unannounced */
    /* per audit */
    int32_t *day;            /* its last day, days since 1970 */
    uint32_t *superseded_by; /* the next full audit, LAB_NONE if current */
    uint32_t *prev_full;     /* the full audit before it, or LAB_NONE */
    uint8_t *future;         /* ended after as_of: not part of the history */
} lab_history;

/*
 * A column that is not a labaudit field: kept as text, per row, so that
 * rule packs that declare a field of that name (<field>) can read it.  Its
 * values are typed for a declared field once, then reused while the table
 * does not change.
 */
typedef struct lab_extcol {
    lab_record_kind kind;
    const char *name;  /* interned */
    const char **text; /* per row: interned text, NULL if empty */
    lab_pos *pos;      /* per row: where it was read */
    size_t cap;
    lab_val *vals; /* typed, per row; NULL until typed */
    size_t nvals;  /* rows typed */
    int vals_type; /* lab_ftype they were typed as */
} lab_extcol;

struct lab_dataset {
    lab_strtab strings;
    lab_meter meter; /* load progress (lab_dataset_set_progress) */
    lab_arena arena; /* lists */
    lab_table tables[LAB_TABLE_COUNT];
    char **warnings;
    size_t nwarnings, capwarnings;
    int indexed; /* indexes and graph are current */
    /* graph: for supplier i, its inputs are in_src[in_off[i]..in_off[i+1])
     * (supplier indexes of its sellers, via link indexes in_link[]), and
     * its outputs out_dst[out_off[i]..out_off[i+1]). */
    uint32_t *in_off, *in_link, *out_off, *out_link;
    /* link i goes from supplier link_from[i] to link_to[i]; audit i is of
     * supplier audit_owner[i] */
    uint32_t *link_from, *link_to, *audit_owner;
    /* audits of supplier i: audit_of[audit_off[i]..audit_off[i+1]) */
    uint32_t *audit_off, *audit_of;
    lab_chain *chain; /* chain facts per supplier, NULL until derived */
    lab_history hist; /* derived with the chains */
    /* non-compliances: nc_audit[j] raised it, nc_supplier[j] is its
     * facility, nc_closing[j] closed it (LAB_NONE); those of audit a are
     * nc_of[nc_off[a]..nc_off[a+1]) */
    uint32_t *nc_audit, *nc_supplier, *nc_closing, *nc_off, *nc_of;
    /* where each record was read, for the kinds whose references are
     * checked once everything is loaded (non-compliances, lots, lot
     * inputs): row_pos[kind][row]; NULL for the other kinds */
    lab_pos *row_pos[LAB_TABLE_COUNT];
    size_t row_pos_cap[LAB_TABLE_COUNT];
    /* lots: lot_owner[l] is the facility of lot l; the inputs of lot l are
     * lot inputs lot_in_of[lot_in_off[l]..lot_in_off[l+1]), input j from
     * lot lot_input_from[j]; lot_of_product[product_lot_off[p]..+1) are
     * the lots product p names (lab_ds_index, lots.c) */
    uint32_t *lot_owner, *lot_in_off, *lot_in_of, *lot_input_from;
    uint32_t *product_lot_off, *product_lot_of;
    /* per lot: longest run of inputs, share traced to origin lots, excess
     * of its quantity over its inputs (NaN: not computable), inputs
     * without a usable quantity; and a walk over lots */
    int32_t *lot_depth, *lot_unquantified;
    double *lot_traced, *lot_excess;
    uint32_t *lot_stamp, *lot_list, lot_cur;
    size_t lot_n;
    /* where the suppliers that name recruits_for or parent were read: row
     * and position, for the check of those ids (lab_ds_index) */
    struct lab_rowpos {
        size_t row;
        lab_pos pos;
    } * recruiter_pos;
    size_t nrecruiter_pos, caprecruiter_pos;
    /* recruiters of facility v: recruiter_of[recruiter_off[v]..+1) */
    uint32_t *recruiter_off, *recruiter_of;
    lab_extcol *ext; /* columns that are not labaudit fields */
    size_t next, capext;
    /* the ownership graph (owners.c), NULL until indexed; unknown
     * identifier schemes warned about so far */
    struct lab_owners *owners;
    size_t ident_warnings;
    /* products by maker: product_of[product_off[v]..product_off[v+1]) */
    uint32_t *product_off, *product_of;
    /* laboratory tests that found another origin, by the product they
     * concern (named, or through one of its lots): document rows
     * labtest_of[labtest_off[p]..labtest_off[p+1]) */
    uint32_t *labtest_off, *labtest_of;
    /* walks reused by checks (a dataset serves one thread at a time) */
    struct lab_walk {
        uint32_t *stamp; /* stamp[v] == cur: v was reached */
        uint32_t *pos;   /* pos[v]: v's place in list, when reached */
        uint32_t *list;  /* the suppliers reached, list[0..n) */
        size_t n;
        uint32_t cur;
    } walk[2];
};

typedef struct lab_walk lab_walk;

/* Where record `row` of `kind` was read, for kinds that keep positions
 * (non-compliances, lots and lot inputs); {"<input>", 0, 0} otherwise. */
lab_pos lab_ds_row_pos(const lab_dataset *ds, lab_record_kind kind, size_t row);

/* Groups nr records by key: items[off[v]..off[v+1]) are the records r
 * (in order) with key[r] == v, for v < nv.  LAB_ENOMEM without a
 * message. */
int lab_csr_build(uint32_t **off, uint32_t **items, size_t nv, size_t nr,
                  const uint32_t *key);

/* Checks the lots and lot inputs and builds the lot graph: lot owners,
 * inputs per lot, the lots each product names; a cycle of lots is an
 * error naming it (lots.c, called by lab_ds_index). */
int lab_ds_index_lots(lab_dataset *ds);
void lab_ds_drop_lots(lab_dataset *ds);

/* True when the dataset has lot records: products that name lots are then
 * judged per lot. */
static inline int lab_ds_has_lots(const lab_dataset *ds)
{
    return ds->product_lot_off != NULL;
}

/* The chain of lot `lot` of product `product` (a row of each table): the
 * maker and the facilities holding the lot and every lot it was made from
 * (with their recruiters) into w, and its chain facts into *out, lists in
 * arena a.  verified_volume and untraced_volume cover all the product's
 * lots together (what its claimed volume is measured against). */
int lab_lot_chain(lab_dataset *ds, uint32_t product, uint32_t lot, lab_walk *w,
                  lab_arena *a, lab_chain *out);
/* Only the walk of lab_lot_chain: the maker and the holders of the lot and
 * of every lot it was made from (the first *nowners of w->list, when
 * nowners is not NULL), then their recruiters. */
int lab_lot_walk(lab_dataset *ds, uint32_t product, uint32_t lot, lab_walk *w,
                 size_t *nowners);

/* Reaches v and everything upstream of it, with the recruitment agencies
 * that recruit for any facility reached: w->list[0..w->n), each with its
 * place in w->pos.  Costs only what it reaches. */
int lab_walk_upstream(lab_walk *w, const lab_dataset *ds, uint32_t v);

/* The tiers of the chain ending at the roots (a product's maker, or
 * several makers): a root is tier 0, a supplier is one more than the
 * buyer through which the fewest links reach it (breadth first), and a
 * recruitment agency stands at the tier of the facility it recruits for.
 * With `member` (not NULL) only the suppliers it marks belong, and a
 * marked supplier that no link reaches stands one past the last tier.
 * tier[] (a slot per supplier) gets -1 outside the chain, parent[] (may
 * be NULL) the buyer through which each was reached (LAB_NONE for a
 * root or a supplier past the last tier), order[] (a slot per supplier)
 * the chain in the order reached.  Returns how many are in the chain.
 * This is the one tier convention: certificates, dossiers and the report
 * pages all count tiers so (tier 1 = the maker's direct suppliers). */
size_t lab_chain_tiers(const lab_dataset *ds, const uint32_t *roots,
                       size_t nroots, const unsigned char *member,
                       int32_t *tier, uint32_t *parent, uint32_t *order);

/* A walk built by hand: begin, reach suppliers, then add the recruiters
 * of those reached from index `from` on. */
int lab_walk_begin(lab_walk *w, const lab_dataset *ds);
void lab_walk_reach(lab_walk *w, uint32_t v);
void lab_walk_add_recruiters(lab_walk *w, const lab_dataset *ds, size_t from);

/* Farms and gins: where a chain may start without being untraced. */
int lab_is_origin_role(const char *role);

static inline int lab_walk_has(const lab_walk *w, uint32_t v)
{
    return w->stamp != NULL && w->stamp[v] == w->cur;
}

static inline void *lab_table_row(const lab_table *t, size_t i)
{
    return t->rows + i * t->entity->size;
}

/* Maps a column name to a field of `kind` (NULL if unknown). */
const lab_field *lab_ds_column(lab_record_kind kind, const char *name,
                               size_t n);

/*
 * Adds one record: values[i] is the text for fields[i] (a NULL field is
 * skipped).  pos[i] locates each value for messages (may be NULL).
 * Required fields are checked.  On error nothing is added.
 */
int lab_ds_row(lab_dataset *ds, lab_record_kind kind,
               const lab_field *const *fields, const char *const *values,
               const size_t *lens, const lab_pos *pos, size_t n,
               lab_pos rowpos);

/* Keeps the text of column `name` (not a labaudit field) for row `row` of
 * `kind`, read at pos. */
int lab_ds_ext_set(lab_dataset *ds, lab_record_kind kind, size_t row,
                   const char *name, const char *text, size_t len, lab_pos pos);
/* The extension column `name` of `kind`, or NULL. */
lab_extcol *lab_ds_ext_find(lab_dataset *ds, lab_record_kind kind,
                            const char *name);
/* The values of column c typed as field f (a pack-declared field), one
 * per row of its table; an unknown value for f is null.  A value that is
 * not of f's type fails with file:line:col. */
int lab_ds_ext_typed(lab_dataset *ds, lab_extcol *c, const lab_field *f,
                     const lab_val **out);

/* Records a warning (formatted), kept with the dataset. */
int lab_ds_warn(lab_dataset *ds, const char *fmt, ...) LAB_PRINTF(2, 3);

/* Marks where a load starts, and on failure drops what it added. */
typedef struct lab_ds_mark {
    size_t n[LAB_TABLE_COUNT];
    size_t nwarnings;
} lab_ds_mark;
void lab_ds_mark_set(const lab_dataset *ds, lab_ds_mark *m);
void lab_ds_rollback(lab_dataset *ds, const lab_ds_mark *m);

/* Builds id indexes and the graph (after loading; idempotent).  Fails on
 * duplicate ids and on links, audits or products naming an unknown
 * supplier. */
int lab_ds_index(lab_dataset *ds);
/* Row index of the record with this id, or -1. */
long lab_ds_find(const lab_dataset *ds, lab_record_kind kind, const char *id);

/* Computes chain facts for every supplier in O(V+E) (cycle-safe). */
int lab_ds_derive_chains(lab_dataset *ds);

/* Derives ds->hist as of a date (days since 1970), unless it already is
 * (history.c); after lab_ds_derive_chains. */
int lab_ds_derive_history(lab_dataset *ds, int32_t as_of);
void lab_history_free(lab_history *h);

/* An audit's last day (end date, else start date) in days, or 0. */
int lab_audit_day(const lab_audit *a, int32_t *days);

/* Is the audit a full one (kind full; the default)? */
int lab_audit_is_full(const lab_audit *a);
/* Was it semi-announced or unannounced? */
int lab_audit_is_unannounced(const lab_audit *a);

/* The CSV adapter: loads a folder of CSV files (adapters/csv).  With
 * LAB_CSV_HAVE_AUDITS (the audits came as XML reports first), audits.csv
 * is optional and its rows, like documents.csv's, are skipped for ids
 * already loaded. */
enum { LAB_CSV_HAVE_AUDITS = 1u << 0 };
int lab_csv_load_dir(lab_dataset *ds, const char *dir, unsigned flags);

#endif /* LAB_DATASET_H */
