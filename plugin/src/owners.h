/*
 * owners.h - owners and affiliates: registry identifiers (scheme:value,
 * such as the Chinese Unified Social Credit Code), the ownership graph of
 * a dataset (ownership.csv and suppliers' `parent`) and the ties between
 * a supplier and a listed entity that name screening alone cannot see:
 * the same registry identifier under another name, a listed subsidiary,
 * holdings of listed entities (OFAC's 50 percent rule, aggregated through
 * any number of levels) and a shared address or site.
 */
#ifndef LAB_OWNERS_H
#define LAB_OWNERS_H

#include "dataset.h"
#include "internal.h"
#include "reflist.h"

/* ---- identifiers ---- */

/* Checks one identifier "scheme:value".  Returns 1 when it is usable:
 * *known says whether labaudit knows the scheme (an unknown one is kept
 * and matched as written; callers warn).  Returns 0 when it is
 * malformed, with what was expected in why. */
int lab_ident_check(const char *s, size_t n, int *known, char *why,
                    size_t whylen);

/* The matching key of an identifier: the scheme's canonical name, ':',
 * the value upper-cased without spaces, dots, dashes or slashes.  Empty
 * when s is not "scheme:value". */
void lab_ident_key(lab_buf *out, const char *s, size_t n);

/* Does the identifier key name a site (a facility: OS ID, GLN) rather
 * than a legal entity?  Two companies at one site share it. */
int lab_ident_key_is_site(const char *key);

/* The schemes labaudit knows, for `rules fields` and the docs. */
const char *lab_ident_schemes(void);

/* ---- the ownership graph (built by lab_ds_index) ---- */

typedef struct lab_own_node {
    const char *id;      /* supplier id or outside owner id */
    const char *name;    /* registered name */
    const char *country; /* may be NULL */
    const char *address; /* may be NULL */
    const lab_list *identifiers;
} lab_own_node;

typedef struct lab_own_edge {
    uint32_t owner, owned; /* nodes */
    double share;          /* percent; NaN for a parent without a share */
    const char *source, *as_of;
    lab_pos pos; /* the ownership row, or the supplier row naming parent */
} lab_own_edge;

typedef struct lab_owners {
    size_t nsup;   /* nodes 0..nsup-1 are the suppliers, in table order */
    size_t nnodes; /* then the outside owners */
    lab_own_node *outside; /* nodes nsup.., outside[i - nsup] */
    lab_own_edge *edges;
    size_t nedges;
    uint32_t *in_off, *in_of;   /* holdings in v: edges in_of[in_off[v]..] */
    uint32_t *out_off, *out_of; /* holdings of v, the same way */
} lab_owners;

/* Builds ds->owners from the ownership records and suppliers' parent
 * (lab_ds_index, after the suppliers are indexed).  A reference to
 * nothing, conflicting facts about an outside owner, or shares of one
 * company adding up to more than 100 % are errors naming file:line:col;
 * a cycle of holdings is a warning naming the rows. */
int lab_ds_index_owners(lab_dataset *ds);
void lab_ds_drop_owners(lab_dataset *ds);

/* ---- ties to listed entities, per check ---- */

/* A derivation of ties, kept while the check runs (its holdings state,
 * for the paths built on demand). */
typedef struct lab_ties lab_ties;

typedef struct lab_tie {
    /* the same entity-level identifier as a listed entity */
    const char *identifier;        /* "uscc:9165...", or NULL */
    const lab_listed *id_entity;   /* the entity it identifies */
    const lab_listed *subsidiary;  /* matched listed subsidiary, or NULL */
    const lab_listed *owner_root;  /* listed entity at the top of the
                                      holdings, or NULL */
    double owner_share;            /* see lab_ties_derive; 0 if none */
    const char *address;           /* address or site id shared, or NULL */
    const lab_listed *addr_entity; /* the listed entity sharing it */
    /* those entities as cited in messages (lab_listed_cite), or NULL */
    const char *id_cite, *sub_cite, *owner_cite, *addr_cite;
    /* for lab_tie_owner_path: the derivation, the node, the path once
     * built */
    lab_ties *ctx;
    uint32_t node;
    const char *path;
} lab_tie;

/*
 * Derives the ties of every supplier in scope (all suppliers when scope
 * is NULL; else ties[k] is for scope->list[k]) into ties, and the
 * derivation into *out (free it with lab_ties_free once the ties are no
 * longer read).  hits[] holds the name screening of the same suppliers.
 * Owners outside the scope that hold part of a supplier in it are
 * screened too.
 *
 * owner_share is the largest T such that the supplier is held T % or
 * more, in aggregate, by listed entities and by companies that are
 * themselves held T % or more by them, directly or through any number of
 * levels: OFAC's 50 percent rule with T as its threshold, so a rule's
 * `supplier.listed_owner_share >= 50` applies OFAC's rule and `>= 25` a
 * stricter one.  Computed best-first in O(E log E); each holding is
 * followed once, so cycles end.  Strings go to arena a, which must
 * outlive the ties' readers.
 */
int lab_ties_derive(lab_ties **out, lab_tie *ties, const lab_refdata *rd,
                    lab_dataset *ds, const lab_walk *scope, const lab_hit *hits,
                    lab_arena *a);
void lab_ties_free(lab_ties *t);

/* The holdings from the tie's supplier up to the listed entity, each
 * with its file:line, source and date; NULL without any.  Built on the
 * first call (in the derivation's arena) and kept: most suppliers'
 * paths are never read, so they are not made. */
const char *lab_tie_owner_path(const lab_tie *t);

/* The listed entity as cited in messages: "Name (file.csv:line)", in a. */
const char *lab_listed_cite(lab_arena *a, const lab_listed *e);

#endif /* LAB_OWNERS_H */
