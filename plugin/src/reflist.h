/*
 * reflist.h - reference lists (the UFLPA Entity List, withhold release
 * orders, the DOL list, high-risk regions) loaded into an engine, and
 * entity screening: does a supplier's name, alias or identifier match a
 * listed entity, tolerant of case, punctuation, legal-form suffixes
 * (Co., Ltd., GmbH, 有限公司...), word order and common transliteration
 * variants.
 */
#ifndef LAB_REFLIST_H
#define LAB_REFLIST_H

#include "internal.h"
#include "schema.h"

/* One loaded list file. */
typedef struct lab_reflist {
    const char *path;
    const char *id;      /* file name without .csv */
    const char *kind;    /* "entities", "regions" or "reference" */
    const char *version; /* list_version or newest retrieval date seen */
    char sha256[65];
    size_t entries;
    const char *source;     /* URL in LIST.meta when it matches, or NULL */
    const char *fetched_at; /* when it was fetched (RFC 3339), or NULL */
} lab_reflist;

/* A listed entity, with its names normalised for matching. */
typedef struct lab_listed {
    const char *name;   /* as listed */
    const char **names; /* name and aliases as listed */
    const char **keys;  /* their normalised keys (sorted tokens) */
    size_t nnames;
    const char *country;
    const char *list_id;
    const char *status;
    const char *file;    /* the list file's name, for citations */
    unsigned line;       /* its row */
    const char **idkeys; /* identifier keys (lab_ident_key) */
    size_t nids;
    const char **addresses; /* as listed, ';'-separated in the file */
    const char **addrkeys;  /* their keys (lab_address_key) */
    size_t naddrs;
    size_t subsidiary_of; /* a listed subsidiary: its entity's index + 1 */
} lab_listed;

/* A key of a listed entity (identifier or address) and whose it is. */
typedef struct lab_listed_key {
    const char *key;
    size_t entity;
} lab_listed_key;

typedef struct lab_refdata {
    lab_reflist *lists;
    size_t nlists;
    lab_listed *entities;
    size_t nentities;
    const char **regions; /* high-risk country or subdivision codes, sorted */
    size_t nregions;
    size_t nsubsidiaries;   /* entities that are listed subsidiaries */
    lab_listed_key *idkeys; /* every listed identifier, sorted by key */
    size_t nidkeys;
    lab_listed_key *addrkeys; /* every listed address, sorted by key */
    size_t naddrkeys;
} lab_refdata;

/* The best match of one supplier. */
typedef struct lab_hit {
    double score; /* 0 when nothing matched */
    const lab_listed *entity;
    const char *matched; /* the listed name or alias that matched */
    const char *by;      /* the supplier's name or alias that matched */
} lab_hit;

/* Scores at or above this are reported as matches. */
#define LAB_MATCH_THRESHOLD 0.8

/* Loads a list file, or every *.csv in a folder, into rd (allocating in
 * a).  A list that fails to parse is an error naming file:line. */
int lab_refdata_load(lab_refdata *rd, lab_arena *a, lab_strtab *st,
                     const char *path);
void lab_refdata_free(lab_refdata *rd);

/* Normalises a name into a matching key: lower case, ASCII-folded,
 * punctuation and legal forms removed, variants mapped, repeats dropped
 * (word order is kept; similarity ignores it). */
void lab_name_key(lab_buf *out, const char *name);
/* Similarity of two keys, 0..1: the share of the longer key's words that
 * the other has (a word of five letters or more may differ by one edit);
 * 1 also when the keys are the same but for spaces.  Symmetric. */
double lab_key_similarity(const char *a, const char *b);

/* Screens one supplier against the entities; fills *hit (score 0 if none
 * reaches LAB_MATCH_THRESHOLD). */
void lab_screen_supplier(const lab_refdata *rd, const lab_supplier *s,
                         lab_buf *scratch, lab_hit *hit);

/* The same for the listed subsidiaries (entities whose subsidiary_of is
 * set), which lab_screen_supplier leaves out. */
void lab_screen_subsidiary(const lab_refdata *rd, const lab_supplier *s,
                           lab_buf *scratch, lab_hit *hit);

/* The listed entity whose identifier or address has this key, or NULL
 * (binary search). */
const lab_listed *lab_listed_by_key(const lab_refdata *rd, int address,
                                    const char *key);

/* Normalises an address into a key: lab_name_key of it; empty when the
 * key is shorter than 8 bytes (too short to tell two places apart). */
void lab_address_key(lab_buf *out, const char *address);

/* Is this country or subdivision code a listed high-risk region? */
int lab_region_listed(const lab_refdata *rd, const char *code);

#endif /* LAB_REFLIST_H */
