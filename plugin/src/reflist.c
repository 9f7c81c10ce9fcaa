/*
 * reflist.c - loads reference lists (CSV with a header naming its columns)
 * and screens suppliers against the entity lists among them.  A file whose
 * header has `name` is an entity list (with `aliases` separated by ';' and
 * optionally `country`, `status`, and `identifiers` (scheme:value),
 * `address` and `subsidiaries`, each ';'-separated, for the owners and
 * affiliates screening of owners.c); one with `code` is a list of high-risk
 * regions; any other is kept for its version and digest only, so reports
 * can say which edition of every list was in force.
 *
 * Matching works on keys: the name folded to lower-case ASCII, punctuation
 * dropped, legal forms removed (English, German, French, Spanish, Chinese),
 * transliteration variants mapped to one spelling.  Two keys score by the
 * Dice coefficient of their token sets (so word order does not matter),
 * where tokens of five or more letters that differ by one edit still count
 * as equal; keys equal once spaces are dropped ("Xin Jiang" and
 * "Xinjiang") score 1.
 */
#include "reflist.h"

#include "csv/csv.h"
#include "listmeta.h"
#include "owners.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- normalisation ---- */

/* Legal forms and filler words dropped from names. */
static const char *const stopwords[] = {
    "co",  "company", "corp",  "corporation", "inc",     "incorporated",
    "ltd", "limited", "llc",   "llp",         "lp",      "plc",
    "pvt", "private", "pte",   "gmbh",        "ag",      "kg",
    "sa",  "sas",     "sarl",  "srl",         "spa",     "bv",
    "nv",  "jsc",     "ojsc",  "pjsc",        "ooo",     "the",
    "and", "of",      "group", "holding",     "holdings"};

/* Chinese legal forms, removed before tokenising (longest first). */
static const char *const cn_forms[] = {"股份有限公司", "有限责任公司",
                                       "有限公司", "集团", "公司"};

/* Transliteration variants: first spelling is mapped to the second. */
static const char *const variants[][2] = {
    {"sinkiang", "xinjiang"},   {"urumchi", "urumqi"},
    {"wulumuqi", "urumqi"},     {"kashi", "kashgar"},
    {"khotan", "hotan"},        {"hetian", "hotan"},
    {"akesu", "aksu"},          {"bingtuan", "xpcc"},
    {"peking", "beijing"},      {"canton", "guangzhou"},
    {"tsingtao", "qingdao"},    {"amoy", "xiamen"},
    {"textiles", "textile"},    {"cottons", "cotton"},
    {"industries", "industry"}, {"industrial", "industry"}};

/* Folds a two-byte UTF-8 Latin-1 letter to ASCII, or 0. */
static char fold_latin1(unsigned char c1, unsigned char c2)
{
    static const char map[] = /* U+00C0 .. U+00FF */
        "aaaaaaaceeeeiiiidnooooo*ouuuuyts"
        "aaaaaaaceeeeiiiidnooooo/ouuuuyty";
    if (c1 == 0xc3 && c2 >= 0x80 && c2 <= 0xbf) {
        char r = map[c2 - 0x80];
        return (r >= 'a' && r <= 'z') ? r : 0;
    }
    return 0;
}

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int is_stopword(const char *t, size_t n)
{
    for (size_t i = 0; i < LAB_ARRAY_LEN(stopwords); i++)
        if (strlen(stopwords[i]) == n && memcmp(stopwords[i], t, n) == 0)
            return 1;
    return 0;
}

void lab_name_key(lab_buf *out, const char *name)
{
    char folded[512];
    size_t k = 0;
    const unsigned char *s = (const unsigned char *)name;

    out->len = 0;
    while (*s != '\0' && k < sizeof folded - 8) {
        size_t skip = 0;
        for (size_t f = 0; f < LAB_ARRAY_LEN(cn_forms); f++) {
            size_t fl = strlen(cn_forms[f]);
            if (strncmp((const char *)s, cn_forms[f], fl) == 0) {
                skip = fl;
                break;
            }
        }
        if (skip > 0) {
            s += skip;
            folded[k++] = ' ';
            continue;
        }
        unsigned char c = *s;
        if (c >= 'A' && c <= 'Z') {
            folded[k++] = (char)(c + 32);
            s++;
        } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            folded[k++] = (char)c;
            s++;
        } else if (c >= 0x80) {
            char f = s[1] ? fold_latin1(c, s[1]) : 0;
            if (f) {
                folded[k++] = f;
                s += 2;
                continue;
            }
            /* other scripts pass through whole */
            size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
            for (size_t i = 0; i < len && *s; i++)
                folded[k++] = (char)*s++;
        } else {
            folded[k++] = ' ';
            s++;
        }
    }
    folded[k] = '\0';

    /* tokens: drop legal forms and single letters (the S and A of
     * "S.A."), map variants, drop repeats; keep the order, so that "Xin
     * Jiang" can still be compared with "Xinjiang" once spaces go */
    const char *tok[64];
    char *save = NULL;
    size_t nt = 0;
    for (char *t = strtok_r(folded, " ", &save); t && nt < 64;
         t = strtok_r(NULL, " ", &save)) {
        if (strlen(t) < 2 || is_stopword(t, strlen(t)))
            continue;
        for (size_t v = 0; v < LAB_ARRAY_LEN(variants); v++)
            if (strcmp(t, variants[v][0]) == 0) {
                t = (char *)variants[v][1];
                break;
            }
        size_t j = 0;
        while (j < nt && strcmp(tok[j], t) != 0)
            j++;
        if (j == nt)
            tok[nt++] = t;
    }
    for (size_t i = 0; i < nt; i++) {
        if (out->len > 0)
            lab_buf_addc(out, ' ');
        lab_buf_adds(out, tok[i]);
    }
    if (out->data == NULL)
        lab_buf_adds(out, "");
}

/* Edit distance of two short strings, stopping early past `max`. */
static int within_one_edit(const char *a, size_t na, const char *b, size_t nb)
{
    if (na > nb + 1 || nb > na + 1)
        return 0;
    size_t i = 0, j = 0;
    int edits = 0;
    while (i < na && j < nb) {
        if (a[i] == b[j]) {
            i++;
            j++;
            continue;
        }
        if (++edits > 1)
            return 0;
        if (na > nb)
            i++;
        else if (nb > na)
            j++;
        else {
            i++;
            j++;
        }
    }
    edits += (int)((na - i) + (nb - j));
    return edits <= 1;
}

static size_t split(const char *s, const char *tok[64], size_t len[64])
{
    size_t n = 0;
    while (*s && n < 64) {
        while (*s == ' ')
            s++;
        if (!*s)
            break;
        tok[n] = s;
        while (*s && *s != ' ')
            s++;
        len[n] = (size_t)(s - tok[n]);
        n++;
    }
    return n;
}

static int same_without_spaces(const char *a, const char *b)
{
    while (*a || *b) {
        while (*a == ' ')
            a++;
        while (*b == ' ')
            b++;
        if (*a != *b)
            return 0;
        if (*a) {
            a++;
            b++;
        }
    }
    return 1;
}

double lab_key_similarity(const char *a, const char *b)
{
    const char *ta[64], *tb[64];
    size_t la[64], lb[64];
    unsigned char used[64] = {0};
    size_t na = split(a, ta, la), nb = split(b, tb, lb);
    if (na == 0 || nb == 0)
        return 0;
    if (same_without_spaces(a, b))
        return 1;
    size_t common = 0;
    for (size_t i = 0; i < na; i++)
        for (size_t j = 0; j < nb; j++) {
            if (used[j])
                continue;
            int eq = la[i] == lb[j] && memcmp(ta[i], tb[j], la[i]) == 0;
            if (!eq && la[i] >= 5 && lb[j] >= 5)
                eq = within_one_edit(ta[i], la[i], tb[j], lb[j]);
            if (eq) {
                used[j] = 1;
                common++;
                break;
            }
        }
    /* the share of the longer name's words found in the other: a listed
     * name with a word the supplier's lacks ("Henan Yumian Logistics" for
     * "Henan Logistics") is another company, however much else agrees */
    return (double)common / (double)(na > nb ? na : nb);
}

/* ---- loading ---- */

typedef struct lstate {
    lab_refdata *rd;
    lab_arena *a;
    lab_strtab *st;
    lab_reflist *list;
    int col_name, col_aliases, col_country, col_status, col_code, col_version,
        col_retrieved, col_ids, col_address, col_subs;
    int header_done;
    const char *path;
    const char *file; /* its base name, for citations */
} lstate;

static const char *intern(lstate *ls, const lab_csv_field *f)
{
    if (f->len == 0)
        return NULL;
    return lab_strtab_intern(ls->st, f->text, f->len);
}

static int newer(const char *a, const char *b)
{
    return b != NULL && (a == NULL || strcmp(b, a) > 0);
}

/* Splits f at ';' into at most max trimmed, interned items. */
static size_t split_items(lstate *ls, const lab_csv_field *f, const char **out,
                          size_t max)
{
    const char *s = f->text;
    size_t len = f->len, start = 0, n = 0;
    for (size_t i = 0; i <= len && n < max; i++) {
        if (i < len && s[i] != ';')
            continue;
        size_t x = start, y = i;
        while (x < y && s[x] == ' ')
            x++;
        while (y > x && s[y - 1] == ' ')
            y--;
        if (y > x)
            out[n++] = lab_strtab_intern(ls->st, s + x, y - x);
        start = i + 1;
    }
    return n;
}

static const lab_csv_field *column(const lab_csv_field *f, size_t n, int col)
{
    return col >= 0 && (size_t)col < n && f[col].len > 0 ? &f[col] : NULL;
}

/* Appends one entity named names[0..nn) (the name first) to rd. */
static int push_entity(lstate *ls, const char *const *names, size_t nn,
                       unsigned line, size_t subsidiary_of, lab_listed **out)
{
    lab_refdata *rd = ls->rd;
    lab_listed *e =
        lab_reallocarray(rd->entities, rd->nentities + 1, sizeof *e);
    if (e == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    rd->entities = e;
    e = &rd->entities[rd->nentities];
    memset(e, 0, sizeof *e);
    e->name = names[0];
    e->list_id = ls->list->id;
    e->file = ls->file;
    e->line = line;
    e->subsidiary_of = subsidiary_of;
    e->names = lab_arena_alloc(ls->a, nn * sizeof *e->names);
    e->keys = lab_arena_alloc(ls->a, nn * sizeof *e->keys);
    if (e->names == NULL || e->keys == NULL || e->name == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    lab_buf key = LAB_BUF_INIT;
    for (size_t i = 0; i < nn; i++) {
        if (names[i] == NULL) {
            lab_buf_free(&key);
            return lab_seterr(LAB_ENOMEM, "out of memory");
        }
        lab_name_key(&key, names[i]);
        e->names[i] = names[i];
        e->keys[i] = lab_arena_strndup(ls->a, key.data, key.len);
    }
    lab_buf_free(&key);
    e->nnames = nn;
    rd->nentities++;
    *out = e;
    return LAB_OK;
}

/* The entity's identifiers: each checked (a malformed one is an error at
 * its row), kept as matching keys. */
static int entity_ids(lstate *ls, lab_listed *e, const lab_csv_field *f,
                      unsigned line)
{
    const char *items[32];
    size_t n = split_items(ls, f, items, 32);
    e->idkeys = lab_arena_alloc(ls->a, (n + 1) * sizeof *e->idkeys);
    if (e->idkeys == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    lab_buf key = LAB_BUF_INIT;
    int rc = LAB_OK;
    for (size_t i = 0; i < n && rc == LAB_OK; i++) {
        char why[160];
        int known;
        if (items[i] == NULL) {
            rc = lab_seterr(LAB_ENOMEM, "out of memory");
        } else if (!lab_ident_check(items[i], strlen(items[i]), &known, why,
                                    sizeof why)) {
            rc = lab_seterr(LAB_EPARSE, "%s:%u:%u: identifiers: %s", ls->path,
                            line, f->col, why);
        } else {
            lab_ident_key(&key, items[i], strlen(items[i]));
            const char *k = lab_arena_strndup(ls->a, key.data, key.len);
            if (k == NULL)
                rc = lab_seterr(LAB_ENOMEM, "out of memory");
            else if (key.len > 0)
                e->idkeys[e->nids++] = k;
        }
    }
    lab_buf_free(&key);
    return rc;
}

static int entity_addresses(lstate *ls, lab_listed *e, const lab_csv_field *f)
{
    const char *items[16];
    size_t n = split_items(ls, f, items, 16);
    e->addresses = lab_arena_alloc(ls->a, (n + 1) * sizeof *e->addresses);
    e->addrkeys = lab_arena_alloc(ls->a, (n + 1) * sizeof *e->addrkeys);
    if (e->addresses == NULL || e->addrkeys == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    lab_buf key = LAB_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        if (items[i] == NULL)
            break;
        lab_address_key(&key, items[i]);
        if (key.len == 0)
            continue;
        e->addresses[e->naddrs] = items[i];
        e->addrkeys[e->naddrs] = lab_arena_strndup(ls->a, key.data, key.len);
        if (e->addrkeys[e->naddrs] == NULL)
            break;
        e->naddrs++;
    }
    int oom = key.oom;
    lab_buf_free(&key);
    return oom ? lab_seterr(LAB_ENOMEM, "out of memory") : LAB_OK;
}

static int add_entity(lstate *ls, const lab_csv_field *f, size_t n,
                      unsigned line)
{
    lab_refdata *rd = ls->rd;
    if ((size_t)ls->col_name >= n || f[ls->col_name].len == 0)
        return lab_seterr(LAB_EPARSE, "%s:%u: entity without a name", ls->path,
                          line);
    const char *names[33];
    size_t nn = 0;
    names[nn++] = intern(ls, &f[ls->col_name]);
    const lab_csv_field *c = column(f, n, ls->col_aliases);
    if (c != NULL)
        nn += split_items(ls, c, names + 1, 32);
    lab_listed *e;
    int rc = push_entity(ls, names, nn, line, 0, &e);
    if (rc != LAB_OK)
        return rc;
    size_t self = rd->nentities; /* its index + 1 */
    if ((c = column(f, n, ls->col_country)) != NULL)
        e->country = intern(ls, c);
    if ((c = column(f, n, ls->col_status)) != NULL)
        e->status = intern(ls, c);
    if ((c = column(f, n, ls->col_ids)) != NULL &&
        (rc = entity_ids(ls, e, c, line)) != LAB_OK)
        return rc;
    if ((c = column(f, n, ls->col_address)) != NULL &&
        (rc = entity_addresses(ls, e, c)) != LAB_OK)
        return rc;
    /* each listed subsidiary is screened by name as an entity of its own
     * that names the listed one (lab_screen_subsidiary) */
    if ((c = column(f, n, ls->col_subs)) != NULL) {
        const char *subs[32];
        size_t ns = split_items(ls, c, subs, 32);
        const char *country = e->country;
        for (size_t i = 0; i < ns && rc == LAB_OK; i++) {
            rc = push_entity(ls, &subs[i], 1, line, self, &e);
            if (rc == LAB_OK)
                e->country = country;
            rd->nsubsidiaries++;
        }
    }
    return rc;
}

static int add_region(lstate *ls, const lab_csv_field *f, size_t n,
                      unsigned line)
{
    lab_refdata *rd = ls->rd;
    if ((size_t)ls->col_code >= n || f[ls->col_code].len == 0)
        return lab_seterr(LAB_EPARSE, "%s:%u: region without a code", ls->path,
                          line);
    const char **r = lab_reallocarray(rd->regions, rd->nregions + 1, sizeof *r);
    if (r == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    rd->regions = r;
    rd->regions[rd->nregions] = intern(ls, &f[ls->col_code]);
    if (rd->regions[rd->nregions] == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    rd->nregions++;
    return LAB_OK;
}

static int list_row(void *ud, const lab_csv_field *f, size_t n, unsigned line)
{
    lstate *ls = ud;
    if (!ls->header_done) {
        ls->header_done = 1;
        for (size_t i = 0; i < n; i++) {
            const char *h = f[i].text;
            int *slot = strcmp(h, "name") == 0           ? &ls->col_name
                        : strcmp(h, "aliases") == 0      ? &ls->col_aliases
                        : strcmp(h, "country") == 0      ? &ls->col_country
                        : strcmp(h, "status") == 0       ? &ls->col_status
                        : strcmp(h, "code") == 0         ? &ls->col_code
                        : strcmp(h, "list_version") == 0 ? &ls->col_version
                        : strcmp(h, "retrieved") == 0    ? &ls->col_retrieved
                        : strcmp(h, "identifiers") == 0  ? &ls->col_ids
                        : strcmp(h, "address") == 0      ? &ls->col_address
                        : strcmp(h, "subsidiaries") == 0 ? &ls->col_subs
                                                         : NULL;
            if (slot != NULL)
                *slot = (int)i;
        }
        ls->list->kind = ls->col_name >= 0   ? "entities"
                         : ls->col_code >= 0 ? "regions"
                                             : "reference";
        return LAB_OK;
    }
    ls->list->entries++;
    int vcol = ls->col_version >= 0 ? ls->col_version : ls->col_retrieved;
    if (vcol >= 0 && (size_t)vcol < n && f[vcol].len > 0) {
        const char *v = intern(ls, &f[vcol]);
        if (newer(ls->list->version, v))
            ls->list->version = v;
    }
    if (ls->col_name >= 0)
        return add_entity(ls, f, n, line);
    if (ls->col_code >= 0)
        return add_region(ls, f, n, line);
    return LAB_OK;
}

static int load_file(lab_refdata *rd, lab_arena *a, lab_strtab *st,
                     const char *path)
{
    lab_reflist *l = lab_reallocarray(rd->lists, rd->nlists + 1, sizeof *l);
    if (l == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    rd->lists = l;
    l = &rd->lists[rd->nlists];
    memset(l, 0, sizeof *l);
    l->path = lab_arena_strndup(a, path, strlen(path));
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t bl = strlen(base);
    if (bl > 4 && strcmp(base + bl - 4, ".csv") == 0)
        bl -= 4;
    l->id = lab_arena_strndup(a, base, bl);
    if (l->path == NULL || l->id == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");

    char *buf = NULL;
    size_t len = 0;
    int rc = lab_read_text_file(&buf, &len, path, LAB_INPUT_MAX);
    if (rc == LAB_OK)
        rc = lab_sha256_hex(l->sha256, buf, len);
    const char *file = strrchr(l->path, '/');
    lstate ls = {rd,
                 a,
                 st,
                 l,
                 -1,
                 -1,
                 -1,
                 -1,
                 -1,
                 -1,
                 -1,
                 -1,
                 -1,
                 -1,
                 0,
                 l->path,
                 file ? file + 1 : l->path};
    if (rc == LAB_OK)
        rc = lab_csv_read_buffer(buf, len, l->path, list_row, &ls);
    free(buf);
    if (rc != LAB_OK)
        return lab_preerr(rc, "reference list");
    lab_listmeta_apply(a, path, l->sha256, &l->source, &l->fetched_at);
    rd->nlists++;
    return LAB_OK;
}

static int load_path(lab_refdata *rd, lab_arena *a, lab_strtab *st,
                     const char *path)
{
    struct stat stt;
    if (stat(path, &stt) != 0)
        return lab_seterr(LAB_EIO, "%s: no such reference list or folder",
                          path);
    if (!S_ISDIR(stt.st_mode))
        return load_file(rd, a, st, path);
    DIR *d = opendir(path);
    if (d == NULL)
        return lab_seterr(LAB_EIO, "%s: cannot open folder", path);
    char *names[256];
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL && n < LAB_ARRAY_LEN(names)) {
        size_t l = strlen(de->d_name);
        if (de->d_name[0] == '.' || l < 5 ||
            strcmp(de->d_name + l - 4, ".csv") != 0)
            continue;
        names[n] = lab_malloc(strlen(path) + l + 2);
        if (names[n] == NULL)
            break;
        snprintf(names[n], strlen(path) + l + 2, "%s/%s", path, de->d_name);
        n++;
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_cstr);
    int rc = LAB_OK;
    for (size_t i = 0; i < n; i++) {
        if (rc == LAB_OK)
            rc = load_file(rd, a, st, names[i]);
        free(names[i]);
    }
    return rc;
}

static int cmp_key(const void *a, const void *b)
{
    const lab_listed_key *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c != 0 ? c : (x->entity > y->entity) - (x->entity < y->entity);
}

/* Every listed identifier and address, sorted by key, so that a
 * supplier's are found by binary search whatever the number of
 * suppliers. */
static int build_keys(lab_refdata *rd)
{
    size_t ni = 0, na = 0;
    for (size_t i = 0; i < rd->nentities; i++) {
        ni += rd->entities[i].nids;
        na += rd->entities[i].naddrs;
    }
    free(rd->idkeys);
    free(rd->addrkeys);
    rd->idkeys = lab_calloc(ni + 1, sizeof *rd->idkeys);
    rd->addrkeys = lab_calloc(na + 1, sizeof *rd->addrkeys);
    rd->nidkeys = rd->naddrkeys = 0;
    if (rd->idkeys == NULL || rd->addrkeys == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    for (size_t i = 0; i < rd->nentities; i++) {
        const lab_listed *e = &rd->entities[i];
        for (size_t k = 0; k < e->nids; k++)
            rd->idkeys[rd->nidkeys++] = (lab_listed_key){e->idkeys[k], i};
        for (size_t k = 0; k < e->naddrs; k++)
            rd->addrkeys[rd->naddrkeys++] = (lab_listed_key){e->addrkeys[k], i};
    }
    qsort(rd->idkeys, rd->nidkeys, sizeof *rd->idkeys, cmp_key);
    qsort(rd->addrkeys, rd->naddrkeys, sizeof *rd->addrkeys, cmp_key);
    return LAB_OK;
}

int lab_refdata_load(lab_refdata *rd, lab_arena *a, lab_strtab *st,
                     const char *path)
{
    int rc = load_path(rd, a, st, path);
    /* sorted, so that lab_region_listed is a binary search: a chain's
     * regions are looked up for every supplier */
    if (rd->nregions > 1)
        qsort(rd->regions, rd->nregions, sizeof *rd->regions, cmp_cstr);
    if (rc == LAB_OK)
        rc = build_keys(rd);
    return rc;
}

void lab_refdata_free(lab_refdata *rd)
{
    free(rd->lists);
    free(rd->entities);
    free(rd->regions);
    free(rd->idkeys);
    free(rd->addrkeys);
    memset(rd, 0, sizeof *rd);
}

const lab_listed *lab_listed_by_key(const lab_refdata *rd, int address,
                                    const char *key)
{
    const lab_listed_key *k = address ? rd->addrkeys : rd->idkeys;
    size_t lo = 0, hi = address ? rd->naddrkeys : rd->nidkeys;
    if (key == NULL || key[0] == '\0')
        return NULL;
    /* the first of equal keys: the entity listed first */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(k[mid].key, key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    hi = address ? rd->naddrkeys : rd->nidkeys;
    if (lo < hi && strcmp(k[lo].key, key) == 0)
        return &rd->entities[k[lo].entity];
    return NULL;
}

void lab_address_key(lab_buf *out, const char *address)
{
    lab_name_key(out, address);
    if (out->len < 8)
        out->len = 0;
    if (out->data != NULL)
        out->data[out->len] = '\0';
}

/* ---- screening ---- */

static void try_name(const lab_refdata *rd, const char *name, lab_buf *key,
                     int subsidiaries, lab_hit *hit)
{
    lab_name_key(key, name);
    if (key->len == 0)
        return;
    for (size_t i = 0; i < rd->nentities; i++) {
        const lab_listed *e = &rd->entities[i];
        if ((e->subsidiary_of != 0) != subsidiaries)
            continue;
        for (size_t k = 0; k < e->nnames; k++) {
            double s = lab_key_similarity(key->data, e->keys[k]);
            if (s > hit->score) {
                hit->score = s;
                hit->entity = e;
                hit->matched = e->names[k];
                hit->by = name;
            }
        }
    }
}

static void screen(const lab_refdata *rd, const lab_supplier *s,
                   lab_buf *scratch, int subsidiaries, lab_hit *hit)
{
    memset(hit, 0, sizeof *hit);
    if (rd->nentities == 0 || s->name == NULL)
        return;
    try_name(rd, s->name, scratch, subsidiaries, hit);
    for (uint32_t i = 0; s->aliases != NULL && i < s->aliases->n; i++)
        try_name(rd, s->aliases->items[i].u.s, scratch, subsidiaries, hit);
    if (hit->score < LAB_MATCH_THRESHOLD)
        memset(hit, 0, sizeof *hit);
}

void lab_screen_supplier(const lab_refdata *rd, const lab_supplier *s,
                         lab_buf *scratch, lab_hit *hit)
{
    screen(rd, s, scratch, 0, hit);
}

void lab_screen_subsidiary(const lab_refdata *rd, const lab_supplier *s,
                           lab_buf *scratch, lab_hit *hit)
{
    screen(rd, s, scratch, 1, hit);
}

int lab_region_listed(const lab_refdata *rd, const char *code)
{
    if (code == NULL || rd->nregions == 0)
        return 0;
    return bsearch(&code, rd->regions, rd->nregions, sizeof *rd->regions,
                   cmp_cstr) != NULL;
}
