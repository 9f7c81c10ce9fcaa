/*
 * report_html.c - the report as people and CI systems look at it.  HTML:
 * one self-contained page (inline style and SVG, no script, a CSP that
 * lets nothing load) with a summary (verdict per product, counts by
 * severity and by area, workers affected by sex and age band), each
 * product's chain drawn by tier (chain_layout.c places the boxes) from the
 * farms on the left to the maker on the right with every facility
 * coloured and labelled by its worst finding and linked to its rows, every
 * chain together in one folded drawing, and the findings table.  JUnit XML: one
 * testsuite per rule pack with a failing testcase per finding (skipped when
 * waived), and a "products" suite with one testcase per product that fails when
 * a blocker is open. Everything that comes from data is escaped.
 */
#include "report_html.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- escaping ---- */

static const char replacement[] = "\xEF\xBF\xBD"; /* U+FFFD */

/* Length of the valid UTF-8 sequence at p (at most n bytes) and its code
 * point, or 0 if the bytes there are not valid UTF-8. */
static size_t utf8_seq(const unsigned char *p, size_t n, uint32_t *cp)
{
    size_t len;
    uint32_t c, min;
    if (p[0] < 0x80) {
        *cp = p[0];
        return 1;
    } else if (p[0] >= 0xC2 && p[0] <= 0xDF) {
        len = 2, c = p[0] & 0x1F, min = 0x80;
    } else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
        len = 3, c = p[0] & 0x0F, min = 0x800;
    } else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
        len = 4, c = p[0] & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (p[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return len;
}

/* What replaces the character c in markup, or NULL to keep it. */
static const char *markup_for(uint32_t c)
{
    switch (c) {
    case '&':
        return "&amp;";
    case '<':
        return "&lt;";
    case '>':
        return "&gt;";
    case '"':
        return "&quot;";
    case '\'':
        return "&#39;";
    case '\t':
    case '\n':
    case '\r':
        return NULL;
    default:
        break;
    }
    if (c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == 0xFFFE || c == 0xFFFF)
        return replacement;
    return NULL;
}

void lab_buf_add_escaped(lab_buf *b, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, start = 0;
    while (i < n) {
        uint32_t c = 0;
        size_t len = utf8_seq(p + i, n - i, &c);
        const char *rep = len == 0 ? replacement : markup_for(c);
        if (len == 0)
            len = 1;
        if (rep != NULL) {
            lab_buf_add(b, s + start, i - start);
            lab_buf_adds(b, rep);
            start = i + len;
        }
        i += len;
    }
    lab_buf_add(b, s + start, n - start);
}

void lab_buf_add_esc(lab_buf *b, const char *s)
{
    if (s != NULL)
        lab_buf_add_escaped(b, s, strlen(s));
}

void lab_buf_add_esc_cut(lab_buf *b, const char *s, size_t max)
{
    if (s == NULL)
        return;
    size_t n = strlen(s), chars = 0, i = 0;
    while (i < n && chars < max) {
        i++;
        while (i < n && ((unsigned char)s[i] & 0xC0) == 0x80)
            i++;
        chars++;
    }
    lab_buf_add_escaped(b, s, i);
    if (i < n)
        lab_buf_adds(b, "\xE2\x80\xA6"); /* U+2026 */
}

/* ---- the page ---- */

static const char base_css[] =
    "body{font-family:'DejaVu Sans',Arial,Helvetica,sans-serif;margin:0;"
    "color:#1c2833;background:#fbfcfc;font-size:14px}"
    "header{background:#1c2833;color:#fff;padding:14px 24px}"
    "header h1{margin:0;font-size:22px}header p{margin:4px 0 0;"
    "color:#d5dbdb}"
    "main{padding:8px 24px 40px}h2{margin:26px 0 8px;font-size:18px}"
    "table{border-collapse:collapse;margin:6px 0}"
    "th,td{border:1px solid #d5d8dc;padding:4px 8px;text-align:left;"
    "vertical-align:top}th{background:#eaeded}"
    "code{font-family:'DejaVu Sans Mono',monospace;font-size:12px;"
    "word-break:break-all}"
    ".pass{color:#1e8449;font-weight:bold}"
    ".fail{color:#c0392b;font-weight:bold}"
    ".note{color:#5d6d7e}";

void lab_html_head(lab_buf *b, const char *title, const char *css)
{
    lab_buf_adds(b, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
                    "<meta charset=\"utf-8\">"
                    "<meta http-equiv=\"Content-Security-Policy\" "
                    "content=\"default-src 'none'; style-src "
                    "'unsafe-inline'; img-src data:\">"
                    "<meta name=\"viewport\" content=\"width=device-width, "
                    "initial-scale=1\">"
                    "<meta name=\"generator\" content=\"labaudit ");
    lab_buf_add_esc(b, lab_version());
    lab_buf_adds(b, "\"><title>");
    lab_buf_add_esc(b, title);
    lab_buf_adds(b, "</title><style>");
    lab_buf_adds(b, base_css);
    if (css != NULL)
        lab_buf_adds(b, css);
    lab_buf_adds(b, "</style></head>\n<body>\n");
}

static const char report_css[] =
    ".chain{overflow:auto;max-height:760px;border:1px solid #d5d8dc;"
    "background:#fff;margin:4px 0 14px}"
    "h3{margin:18px 0 4px;font-size:15px}"
    ".n rect{stroke-width:1.5}"
    ".s3 rect{fill:#f1948a;stroke:#922b21}.s2 rect{fill:#f8c471;"
    "stroke:#9c640c}.s1 rect{fill:#f9e79f;stroke:#9a7d0a}"
    ".s0 rect{fill:#aed6f1;stroke:#1f618d}.sn rect{fill:#abebc6;"
    "stroke:#1d8348}"
    ".w rect{stroke:#7f8c8d;stroke-width:3;stroke-dasharray:6 3}"
    ".g rect{stroke-width:4}"
    ".n text{font-size:12px;fill:#17202a}.n .nm{font-weight:bold}"
    ".n .m{font-size:9.5px;fill:#2c3e50}.n .k{font-weight:bold}"
    ".edges path{fill:none;stroke:#808b96;stroke-opacity:.75;"
    "stroke-width:1.2}.ah{fill:#808b96}"
    ".tier{font-size:13px;font-weight:bold;fill:#34495e}"
    ".tier.r{font-size:11px;font-weight:normal;fill:#5d6d7e}"
    ".sev{display:inline-block;padding:1px 7px;border-radius:9px;"
    "font-size:12px;font-weight:bold}"
    ".b3{background:#f1948a}.b2{background:#f8c471}.b1{background:#f9e79f}"
    ".b0{background:#aed6f1}.bn{background:#abebc6}"
    ".bw{background:#d5d8dc}"
    "tr.waived td{color:#7f8c8d}"
    "tr:target td{background:#fcf3cf}"
    ".counts td{text-align:right}"
    ".legend span{margin-right:12px}"
    "summary{cursor:pointer;font-weight:bold;margin:14px 0 6px}"
    ".row{display:flex;flex-wrap:wrap;gap:0 40px}";

#define subject_kind lab_subject_names

static const char *sev_name(int s)
{
    const char *n = lab_severity_name(s);
    return n ? n : "none";
}

static lab_sup_mark *mark_suppliers(const lab_report *rep, size_t nv,
                                    const unsigned char *shown)
{
    lab_sup_mark *m = lab_calloc(nv + 1, sizeof *m);
    if (m == NULL)
        return NULL;
    for (size_t v = 0; v < nv; v++) {
        m[v].worst = -1;
        m[v].first = -1;
    }
    for (size_t i = 0; i < rep->n; i++) {
        const lab_finding *f = &rep->findings[i];
        if (f->supplier >= nv)
            continue;
        lab_sup_mark *s = &m[f->supplier];
        s->count++;
        if (s->first < 0 && shown[i])
            s->first = (long)i;
        if (f->waiver != NULL)
            s->waived = 1;
        else if ((int)f->severity > s->worst)
            s->worst = (int8_t)f->severity;
    }
    return m;
}

static const lab_supplier *supplier_at(const lab_report *rep, size_t v)
{
    return lab_table_row(&rep->ds->tables[LAB_RECORD_SUPPLIER], v);
}

static void render_header(lab_buf *b, const lab_report *rep)
{
    const lab_engine *e = rep->engine;
    lab_buf_adds(b, "<header><h1>Labour audit report</h1><p>labaudit ");
    lab_buf_add_esc(b, lab_version());
    lab_buf_adds(b, " &middot; as of ");
    lab_buf_add_esc(b, rep->as_of);
    lab_buf_printf(b,
                   " &middot; %zu suppliers, %zu links, %zu audits, "
                   "%zu products &middot; %zu rule packs</p></header>\n"
                   "<main>\n",
                   rep->counts[LAB_RECORD_SUPPLIER],
                   rep->counts[LAB_RECORD_LINK], rep->counts[LAB_RECORD_AUDIT],
                   rep->counts[LAB_RECORD_PRODUCT], e->npacks);
}

static void render_products(lab_buf *b, const lab_report *rep)
{
    lab_buf_adds(b, "<h2 id=\"products\">Products</h2>\n");
    if (rep->nproducts == 0) {
        lab_buf_adds(b, "<p class=\"note\">No product was checked.</p>\n");
        return;
    }
    lab_buf_adds(b, "<table><tr><th>verdict</th><th>product</th>"
                    "<th>name</th><th>lot (custody)</th>"
                    "<th>findings in its chain</th>"
                    "<th>worst</th><th>waived</th></tr>\n");
    size_t *order = lab_report_products_worst_first(rep);
    for (size_t i = 0; i < rep->nproducts; i++) {
        const lab_product_verdict *p = &rep->products[order ? order[i] : i];
        int blocked = p->worst >= LAB_SEV_BLOCKER;
        lab_buf_printf(b, "<tr class=\"product\"><td class=\"%s\">%s</td><td>",
                       blocked ? "fail" : "pass", blocked ? "BLOCKED" : "PASS");
        lab_buf_add_esc(b, p->id);
        lab_buf_adds(b, "</td><td>");
        lab_buf_add_esc(b, p->name);
        lab_buf_adds(b, "</td><td>");
        if (p->lot_id != NULL) {
            lab_buf_add_esc(b, p->lot_id);
            lab_buf_adds(b, " (");
            lab_buf_add_esc(b, p->chain && p->chain->custody ? p->chain->custody
                                                             : "unknown");
            lab_buf_adds(b, ")");
        } else {
            lab_buf_adds(b, "whole-supplier chain");
        }
        lab_buf_printf(b, "</td><td>%zu</td><td>", p->nfindings);
        if (p->worst >= 0)
            lab_buf_printf(b, "<span class=\"sev b%d\">%s</span>", p->worst,
                           sev_name(p->worst));
        else
            lab_buf_adds(b, "none");
        lab_buf_printf(b, "</td><td>%zu</td></tr>\n", p->nwaived);
    }
    free(order);
    lab_buf_adds(b, "</table>\n");
}

/* Counts by severity, and by area (the few distinct areas of the rules
 * that fired, in first-seen order). */
static int render_counts(lab_buf *b, const lab_report *rep)
{
    size_t by_sev[4] = {0}, waived = 0, nareas = 0;
    const char **areas = lab_calloc(rep->n + 1, sizeof *areas);
    size_t(*area_counts)[5] = lab_calloc(rep->n + 1, sizeof *area_counts);
    if (areas == NULL || area_counts == NULL) {
        free(areas);
        free(area_counts);
        return lab_seterr(LAB_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < rep->n; i++) {
        const lab_finding *f = &rep->findings[i];
        const char *area = f->rule->area ? f->rule->area : "(none)";
        size_t a = 0;
        while (a < nareas && strcmp(areas[a], area) != 0)
            a++;
        if (a == nareas)
            areas[nareas++] = area;
        if (f->waiver != NULL) {
            waived++;
            area_counts[a][4]++;
        } else {
            by_sev[f->severity & 3]++;
            area_counts[a][f->severity & 3]++;
        }
    }
    lab_buf_printf(b, "<h2 id=\"counts\">Findings by severity and area</h2>\n"
                      "<table class=\"counts\"><tr><th>area</th>"
                      "<th><span class=\"sev b3\">blocker</span></th>"
                      "<th><span class=\"sev b2\">major</span></th>"
                      "<th><span class=\"sev b1\">minor</span></th>"
                      "<th><span class=\"sev b0\">info</span></th>"
                      "<th><span class=\"sev bw\">waived</span></th></tr>\n");
    for (size_t a = 0; a < nareas; a++) {
        lab_buf_adds(b, "<tr><td style=\"text-align:left\">");
        lab_buf_add_esc(b, areas[a]);
        lab_buf_printf(b,
                       "</td><td>%zu</td><td>%zu</td><td>%zu</td><td>%zu</td>"
                       "<td>%zu</td></tr>\n",
                       area_counts[a][3], area_counts[a][2], area_counts[a][1],
                       area_counts[a][0], area_counts[a][4]);
    }
    lab_buf_printf(b,
                   "<tr><th>all</th><th>%zu</th><th>%zu</th><th>%zu</th>"
                   "<th>%zu</th><th>%zu</th></tr></table>\n",
                   by_sev[3], by_sev[2], by_sev[1], by_sev[0], waived);
    free(areas);
    free(area_counts);
    return LAB_OK;
}

static void figure(lab_buf *b, int64_t v, int unknown)
{
    lab_buf_printf(b, "<td>%lld%s</td>", (long long)v,
                   unknown ? " <span class=\"note\">(some audits lack "
                             "it)</span>"
                           : "");
}

static void render_affected(lab_buf *b, const lab_report *rep)
{
    const int64_t w = rep->affected.workers, f = rep->affected.women,
                  m = rep->affected.men, u = rep->affected.under_18;
    const unsigned unk = rep->affected.unknown;
    lab_buf_adds(b, "<h2 id=\"affected\">Workers affected</h2>\n");
    if (rep->affected.audits == 0) {
        lab_buf_adds(b, "<p class=\"note\">No audit has an open "
                        "finding.</p>\n");
        return;
    }
    lab_buf_printf(b,
                   "<p>Workers at the facilities whose audits have open "
                   "findings (%zu audit%s).</p>\n<table class=\"counts\">"
                   "<tr><th>workers</th><th>women</th><th>men</th>"
                   "<th>not stated</th><th>under 18</th><th>18 and over</th>"
                   "</tr>\n<tr>",
                   rep->affected.audits, rep->affected.audits == 1 ? "" : "s");
    figure(b, w, unk & 1);
    figure(b, f, unk & 2);
    figure(b, m, unk & 4);
    figure(b, w - f - m > 0 ? w - f - m : 0, unk & 7);
    figure(b, u, unk & 8);
    figure(b, w - u > 0 ? w - u : 0, unk & 9);
    lab_buf_adds(b, "</tr></table>\n");
}

/* ---- the chains drawn ---- */

/* The sign beside a severity's colour, so that the drawing reads without
 * colour too: blocker, major, minor, info; a tick for none. */
static const char *sev_glyph(int s)
{
    static const char *const g[] = {"i", "\xE2\x97\x8F", "\xE2\x96\xB2",
                                    "\xE2\x9C\x95"};
    return s >= 0 && s <= 3 ? g[s] : "\xE2\x9C\x93";
}

static void add_tier_name(lab_buf *b, int32_t tier)
{
    if (tier < 0)
        lab_buf_adds(b, "outside the checked chains");
    else if (tier == 0)
        lab_buf_adds(b, "maker");
    else
        lab_buf_printf(b, "tier %d", (int)tier);
}

/* What a drawing is drawn on: the page, the findings it may link to, and
 * which facilities' boxes already carry their id. */
typedef struct canvas {
    lab_buf *b;
    const lab_report *rep;
    const lab_sup_mark *mk;
    unsigned char *emitted; /* per supplier; NULL: no ids and no links */
    unsigned seq;           /* drawings so far, for their markers' ids */
} canvas;

/* Bytes of s that fill a line of at most max characters: up to its last
 * space within them, else max characters. */
static size_t wrap_at(const char *s, size_t max)
{
    size_t i = 0, chars = 0, space = 0;
    while (s[i] != '\0' && chars < max) {
        if (s[i] == ' ')
            space = i;
        i++;
        while (s[i] != '\0' && ((unsigned char)s[i] & 0xC0) == 0x80)
            i++;
        chars++;
    }
    if (s[i] == '\0' || s[i] == ' ' || space == 0)
        return i;
    return space;
}

enum { NAME_CHARS = 26 };

/* A facility's name on two lines, cut with an ellipsis past them. */
static void add_name_lines(lab_buf *b, const char *name)
{
    size_t first = wrap_at(name, NAME_CHARS);
    lab_buf_adds(b, "<text class=\"nm\" x=\"8\" y=\"17\">");
    lab_buf_add_escaped(b, name, first);
    lab_buf_adds(b, "</text>");
    const char *rest = name + first;
    while (*rest == ' ')
        rest++;
    if (*rest != '\0') {
        lab_buf_adds(b, "<text class=\"nm\" x=\"8\" y=\"32\">");
        lab_buf_add_esc_cut(b, rest, NAME_CHARS);
        lab_buf_adds(b, "</text>");
    }
}

/* A role and how many facilities of a column or a group have it. */
typedef struct role_count {
    const char *role;
    size_t n;
} role_count;

enum { LABEL_ROLES = 8 };

/* The roles of a drawing's facilities, counted per column (by_box 0) or
 * per box (by_box 1): rc[i] the first LABEL_ROLES roles met, other[i]
 * how many facilities have a role past them. */
typedef struct role_tally {
    role_count (*rc)[LABEL_ROLES];
    size_t *other;
} role_tally;

static int tally_roles(role_tally *t, const lab_report *rep,
                       const lab_drawing *d, int by_box)
{
    const lab_table *st = &rep->ds->tables[LAB_RECORD_SUPPLIER];
    size_t nb = by_box ? d->n : (size_t)d->ncols;
    t->rc = lab_calloc(nb + 1, sizeof *t->rc);
    t->other = lab_calloc(nb + 1, sizeof *t->other);
    if (t->rc == NULL || t->other == NULL) {
        free(t->rc);
        free(t->other);
        return lab_seterr(LAB_ENOMEM, "out of memory");
    }
    for (size_t v = 0; v < st->n; v++) {
        if (d->slot[v] < 0)
            continue;
        const lab_box *x = &d->box[d->slot[v]];
        size_t i = by_box ? (size_t)d->slot[v] : (size_t)x->col;
        const lab_supplier *s = lab_table_row(st, v);
        const char *r = s->role ? s->role : "role unknown";
        size_t k = 0;
        while (k < LABEL_ROLES && t->rc[i][k].role != NULL &&
               strcmp(t->rc[i][k].role, r) != 0)
            k++;
        if (k == LABEL_ROLES) {
            t->other[i]++;
            continue;
        }
        t->rc[i][k].role = r;
        t->rc[i][k].n++;
    }
    return LAB_OK;
}

/* The two commonest roles with their counts, then "+k" more roles. */
static void add_roles(lab_buf *b, role_count *rc, size_t other, size_t cut)
{
    size_t shown = 0, kinds = 0;
    while (kinds < LABEL_ROLES && rc[kinds].role != NULL)
        kinds++;
    for (int pass = 0; pass < 2 && shown < kinds; pass++) {
        size_t best = 0;
        for (size_t i = 1; i < kinds; i++)
            if (rc[i].n > rc[best].n)
                best = i;
        if (rc[best].n == 0)
            break;
        if (shown++ > 0)
            lab_buf_adds(b, " \xC2\xB7 ");
        lab_buf_add_esc_cut(b, rc[best].role, cut);
        lab_buf_printf(b, " %zu", rc[best].n);
        rc[best].n = 0;
    }
    if (kinds > shown || other > 0)
        lab_buf_printf(b, " +%zu", kinds - shown + (other > 0));
}

static void draw_group(canvas *cv, const lab_drawing *d, size_t k,
                       role_tally *roles)
{
    const lab_box *x = &d->box[k];
    lab_buf *b = cv->b;
    const lab_supplier *s = supplier_at(cv->rep, x->supplier);
    const char *country = s->country ? s->country : "country unknown";
    lab_buf_printf(b,
                   "<g class=\"n g s%c\" transform=\"translate(%d,%d)\">"
                   "<title>%u facilities, ",
                   x->worst >= 0 ? (char)('0' + x->worst) : 'n', (int)x->x,
                   (int)x->y, x->count);
    add_tier_name(b, x->tier);
    lab_buf_adds(b, ", ");
    lab_buf_add_esc(b, country);
    if (x->worst >= 0)
        lab_buf_printf(b, ": worst %s (%u of them)", sev_name(x->worst),
                       x->nworst);
    else
        lab_buf_adds(b, ": no findings");
    lab_buf_printf(b,
                   "</title><rect width=\"%d\" height=\"%d\" rx=\"8\"/>"
                   "<text class=\"nm\" x=\"8\" y=\"17\">%u facilities "
                   "\xC2\xB7 ",
                   LAB_NODE_W, LAB_NODE_H, x->count);
    lab_buf_add_esc_cut(b, country, 8);
    lab_buf_adds(b, "</text><text x=\"8\" y=\"32\">");
    add_roles(b, roles->rc[k], roles->other[k], 14);
    lab_buf_printf(b, "</text><text class=\"m\" x=\"8\" y=\"49\">%s ",
                   sev_glyph(x->worst));
    if (x->worst >= 0)
        lab_buf_printf(b, "worst %s (%u)", sev_name(x->worst), x->nworst);
    else
        lab_buf_adds(b, "no findings");
    lab_buf_adds(b, "</text></g>\n");
}

static void draw_facility(canvas *cv, const lab_box *x)
{
    lab_buf *b = cv->b;
    uint32_t v = x->supplier;
    const lab_supplier *s = supplier_at(cv->rep, v);
    const lab_sup_mark *m = &cv->mk[v];
    int link = cv->emitted != NULL && m->count > 0;
    if (link && m->first >= 0)
        lab_buf_printf(b, "<a href=\"#f-%ld\">", m->first);
    else if (link)
        lab_buf_adds(b, "<a href=\"#findings-more\">");
    lab_buf_printf(b, "<g class=\"n s%c%s\"",
                   m->worst >= 0 ? (char)('0' + m->worst) : 'n',
                   m->waived ? " w" : "");
    if (cv->emitted != NULL && !cv->emitted[v]) {
        cv->emitted[v] = 1;
        lab_buf_printf(b, " id=\"n-%u\"", v);
    }
    lab_buf_printf(b, " transform=\"translate(%d,%d)\"><title>", (int)x->x,
                   (int)x->y);
    lab_buf_add_esc(b, s->name);
    lab_buf_adds(b, " (");
    lab_buf_add_esc(b, s->id);
    lab_buf_adds(b, ")\n");
    lab_buf_add_esc(b, s->role ? s->role : "role unknown");
    lab_buf_adds(b, ", ");
    add_tier_name(b, x->tier);
    lab_buf_printf(b, "\n%u finding%s, worst %s%s</title>", m->count,
                   m->count == 1 ? "" : "s", sev_name(m->worst),
                   m->waived ? ", some waived" : "");
    lab_buf_printf(b, "<rect width=\"%d\" height=\"%d\" rx=\"8\"/>", LAB_NODE_W,
                   LAB_NODE_H);
    add_name_lines(b, s->name ? s->name : s->id);
    lab_buf_printf(b,
                   "<text class=\"m\" x=\"8\" y=\"49\"><tspan class=\"k\">"
                   "%s %s</tspan> \xC2\xB7 ",
                   sev_glyph(m->worst),
                   m->worst >= 0 ? sev_name(m->worst) : "none");
    /* the subdivision's code (ISO 3166-2 begins with the country's) */
    lab_buf_add_esc_cut(b,
                        s->subdivision ? s->subdivision
                        : s->country   ? s->country
                                       : "country?",
                        8);
    lab_buf_adds(b, " \xC2\xB7 ");
    if (s->os_id != NULL)
        lab_buf_add_esc_cut(b, s->os_id, 15);
    else
        lab_buf_adds(b, "no OS ID");
    lab_buf_adds(b, "</text></g>");
    if (link)
        lab_buf_adds(b, "</a>");
    lab_buf_addc(b, '\n');
}

/* Each column's heading: its tier, then its commonest roles with their
 * counts (groups count every member). */
static int draw_labels(canvas *cv, const lab_drawing *d)
{
    role_tally t;
    int rc = tally_roles(&t, cv->rep, d, 0);
    if (rc != LAB_OK)
        return rc;
    for (int32_t c = 0; c < d->ncols; c++) {
        lab_buf_printf(cv->b, "<text class=\"tier\" x=\"%d\" y=\"14\">",
                       (int)d->col_x[c]);
        add_tier_name(cv->b, d->col_tier[c]);
        lab_buf_printf(cv->b,
                       "</text><text class=\"tier r\" x=\"%d\" y=\"29\">",
                       (int)d->col_x[c]);
        add_roles(cv->b, t.rc[c], t.other[c], 20);
        lab_buf_adds(cv->b, "</text>\n");
    }
    free(t.rc);
    free(t.other);
    return LAB_OK;
}

/* A lane within a gap, so that edges from or to different rows do not
 * run on one line. */
static int lane(int32_t row, int step)
{
    return (int)((row % 5) - 2) * step;
}

/* Edges drawn square along the gaps: out of the supplier's right side to
 * the gap right of its column, along the gap between two rows to the gap
 * left of the buyer's column, and into its left side; straight across
 * when the two columns are neighbours.  Every box sits on the grid, so
 * no edge crosses one. */
static void draw_edges(canvas *cv, const lab_drawing *d)
{
    const int pitch = LAB_NODE_H + LAB_NODE_GAP_Y;
    lab_buf_printf(cv->b, "<g class=\"edges\" marker-end=\"url(#ah-%u)\">",
                   cv->seq);
    for (size_t e = 0; e < d->nedges; e++) {
        const lab_box *a = &d->box[d->edge[e][0]], *z = &d->box[d->edge[e][1]];
        int ax = a->x + LAB_NODE_W, ay = a->y + LAB_NODE_H / 2;
        int zx = z->x, zy = z->y + LAB_NODE_H / 2;
        int xa = a->rx + lane(a->row, 4), xz = z->lx + lane(z->row, 4);
        if (a->rx == z->lx) {
            lab_buf_printf(cv->b, "<path d=\"M%d %dH%dV%dH%d\"/>", ax, ay, xa,
                           zy, zx);
            continue;
        }
        int r = (a->row + z->row + 1) / 2;
        int gy = LAB_LAYOUT_TOP - LAB_NODE_GAP_Y / 2 + r * pitch +
                 lane(a->row % 3 + 1, 3);
        lab_buf_printf(cv->b, "<path d=\"M%d %dH%dV%dH%dV%dH%d\"/>", ax, ay, xa,
                       gy, xz, zy, zx);
    }
    lab_buf_adds(cv->b, "</g>\n");
}

/* One drawing as an SVG element; `id` may be NULL. */
static int draw(canvas *cv, const lab_drawing *d, const char *id,
                const char *label)
{
    lab_buf *b = cv->b;
    cv->seq++;
    lab_buf_adds(b, "<div class=\"chain\"><svg xmlns=\"http://www.w3.org/2000/"
                    "svg\"");
    if (id != NULL)
        lab_buf_printf(b, " id=\"%s\"", id);
    lab_buf_printf(b,
                   " width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                   "role=\"img\" aria-label=\"",
                   (int)d->width, (int)d->height, (int)d->width,
                   (int)d->height);
    lab_buf_add_esc(b, label);
    lab_buf_printf(b,
                   "\"><defs><marker id=\"ah-%u\" viewBox=\"0 0 8 8\" "
                   "refX=\"8\" refY=\"4\" markerWidth=\"7\" "
                   "markerHeight=\"7\" orient=\"auto\"><path d=\"M0 0L8 "
                   "4L0 8z\" class=\"ah\"/></marker></defs>\n",
                   cv->seq);
    int rc = draw_labels(cv, d);
    if (rc != LAB_OK)
        return rc;
    draw_edges(cv, d);
    role_tally roles = {0};
    if (d->groups > 0 && (rc = tally_roles(&roles, cv->rep, d, 1)) != LAB_OK)
        return rc;
    lab_buf_adds(b, "<g class=\"boxes\">\n");
    for (size_t k = 0; k < d->n; k++) {
        if (d->box[k].group)
            draw_group(cv, d, k, &roles);
        else
            draw_facility(cv, &d->box[k]);
    }
    lab_buf_adds(b, "</g></svg></div>\n");
    free(roles.rc);
    free(roles.other);
    return LAB_OK;
}

static const char legend[] =
    "<p class=\"legend\">Each chain reads from the farms on the left to "
    "the maker on the right; tier 1 is the maker's direct suppliers, and "
    "arrows follow the goods.  Each facility shows its worst open finding "
    "by colour and sign: <span class=\"sev b3\">\xE2\x9C\x95 blocker</span>"
    "<span class=\"sev b2\">\xE2\x96\xB2 major</span>"
    "<span class=\"sev b1\">\xE2\x97\x8F minor</span>"
    "<span class=\"sev b0\">i info</span>"
    "<span class=\"sev bn\">\xE2\x9C\x93 none</span>"
    "<span class=\"sev bw\">dashed outline: waived findings</span> A box "
    "with a thick border stands for a group of facilities.</p>\n";

/* The drawings of the products' chains, the worst first, at most
 * LAB_HTML_MAX_CHAINS; a product whose chain is one already drawn (the
 * same maker, no lot) points to it. */
static int draw_products(canvas *cv)
{
    const lab_report *rep = cv->rep;
    lab_buf *b = cv->b;
    size_t *order = lab_report_products_worst_first(rep);
    size_t ndraw = rep->nproducts < LAB_HTML_MAX_CHAINS ? rep->nproducts
                                                        : LAB_HTML_MAX_CHAINS;
    int rc = LAB_OK;
    if (order == NULL && rep->nproducts > 0)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    for (size_t i = 0; rc == LAB_OK && i < ndraw; i++) {
        size_t pi = order[i];
        const lab_product_verdict *p = &rep->products[pi];
        int blocked = p->worst >= LAB_SEV_BLOCKER;
        lab_buf_printf(b,
                       "<section class=\"product-chain\" id=\"chain-p%zu\">"
                       "<h3><span class=\"%s\">%s</span> ",
                       pi, blocked ? "fail" : "pass",
                       blocked ? "BLOCKED" : "PASS");
        lab_buf_add_esc(b, p->id);
        if (p->name != NULL) {
            lab_buf_adds(b, " \xE2\x80\x94 ");
            lab_buf_add_esc(b, p->name);
        }
        if (p->lot_id != NULL) {
            lab_buf_adds(b, " \xC2\xB7 lot ");
            lab_buf_add_esc(b, p->lot_id);
        }
        lab_buf_adds(b, "</h3>\n");
        size_t same = i;
        for (size_t j = 0; j < i && p->lot == LAB_NONE; j++) {
            const lab_product_verdict *q = &rep->products[order[j]];
            if (q->lot == LAB_NONE && q->maker == p->maker) {
                same = j;
                break;
            }
        }
        if (same < i) {
            lab_buf_printf(b,
                           "<p class=\"note\">Same chain as <a "
                           "href=\"#chain-p%zu\">",
                           order[same]);
            lab_buf_add_esc(b, rep->products[order[same]].id);
            lab_buf_adds(b, "</a> (the same maker).</p></section>\n");
            continue;
        }
        lab_drawing d;
        rc = lab_drawing_product(&d, rep, p, cv->mk);
        if (rc != LAB_OK)
            break;
        if (d.n == 0)
            lab_buf_adds(b, "<p class=\"note\">Its maker is not among the "
                            "suppliers.</p>\n");
        else if (d.groups > 0)
            lab_buf_printf(b,
                           "<p class=\"note\">%zu facilities: the maker and "
                           "the paths to the worst findings are shown one "
                           "by one (%zu), the other %zu in %zu groups by "
                           "tier and country.</p>\n",
                           d.facilities, d.n - d.groups,
                           d.facilities - (d.n - d.groups), d.groups);
        else
            lab_buf_printf(b,
                           "<p class=\"note\">%zu facilit%s in %d "
                           "tier%s.</p>\n",
                           d.facilities, d.facilities == 1 ? "y" : "ies",
                           (int)d.ncols, d.ncols == 1 ? "" : "s");
        lab_buf adesc = LAB_BUF_INIT;
        lab_buf_adds(&adesc, "supply chain of ");
        lab_buf_adds(&adesc, p->id);
        if (d.n > 0)
            rc = draw(cv, &d, NULL, adesc.data ? adesc.data : "supply chain");
        lab_buf_free(&adesc);
        lab_drawing_free(&d);
        lab_buf_adds(b, "</section>\n");
    }
    if (rc == LAB_OK && rep->nproducts > ndraw)
        lab_buf_printf(b,
                       "<p class=\"note\" id=\"chains-more\">The other %zu "
                       "products, listed above, are not drawn one by one; "
                       "their facilities are in the drawing of every chain "
                       "below.</p>\n",
                       rep->nproducts - ndraw);
    free(order);
    return rc;
}

/* Every checked chain together, folded: the drawing for finding a
 * facility whatever product it serves. */
static int draw_all(canvas *cv)
{
    const lab_report *rep = cv->rep;
    lab_buf *b = cv->b;
    lab_drawing d;
    int rc = lab_drawing_all(&d, rep, cv->mk, LAB_HTML_MAX_NODES);
    if (rc != LAB_OK)
        return rc;
    size_t nsup = rep->ds->tables[LAB_RECORD_SUPPLIER].n;
    lab_buf_printf(b,
                   "<details id=\"chain-all\"%s><summary>Every checked chain "
                   "together: %zu facilit%s, tiers counted from the "
                   "nearest maker</summary>\n",
                   rep->nproducts == 0 ? " open" : "", d.wanted,
                   d.wanted == 1 ? "y" : "ies");
    if (d.wanted > d.n)
        lab_buf_printf(b,
                       "<p class=\"note\" id=\"chain-cap\">%zu of %zu "
                       "facilities are drawn (the makers' and the nearest "
                       "first); %zu further upstream are left out.</p>\n",
                       d.n, d.wanted, d.wanted - d.n);
    if (d.wanted < nsup)
        lab_buf_printf(b,
                       "<p class=\"note\">%zu supplier%s outside the checked "
                       "chains and without findings %s not drawn.</p>\n",
                       nsup - d.wanted, nsup - d.wanted == 1 ? "" : "s",
                       nsup - d.wanted == 1 ? "is" : "are");
    if (d.n > 0)
        rc = draw(cv, &d, "chain-svg", "every checked supply chain by tier");
    lab_buf_adds(b, "</details>\n");
    lab_drawing_free(&d);
    return rc;
}

static int render_chains(canvas *cv)
{
    lab_buf_adds(cv->b, "<h2 id=\"chain\">Supply chains</h2>\n");
    lab_buf_adds(cv->b, legend);
    int rc = draw_products(cv);
    return rc == LAB_OK ? draw_all(cv) : rc;
}

/* ---- the findings table ---- */

static void render_finding(lab_buf *b, const lab_report *rep, size_t i,
                           int drawn)
{
    const lab_finding *f = &rep->findings[i];
    const lab_rule *r = f->rule;
    int sev = (int)f->severity;
    lab_buf_printf(b,
                   "<tr id=\"f-%zu\" class=\"finding%s\"><td><span "
                   "class=\"sev b%d\">%s</span></td><td><code>",
                   i, f->waiver ? " waived" : "", sev, sev_name(sev));
    lab_buf_add_esc(b, r->id);
    lab_buf_adds(b, "</code><br>");
    lab_buf_add_esc(b, r->title);
    lab_buf_printf(b, "</td><td>%s ", subject_kind[f->subject & 3]);
    if (drawn)
        lab_buf_printf(b, "<a href=\"#n-%u\">", f->supplier);
    lab_buf_add_esc(b, f->subject_id);
    if (drawn)
        lab_buf_adds(b, "</a>");
    lab_buf_adds(b, "</td><td>");
    lab_buf_add_esc(b, f->message);
    lab_buf_adds(b, "</td><td>");
    for (size_t k = 0; k < f->nev; k++) {
        lab_buf_adds(b, k ? "<br><code>" : "<code>");
        lab_buf_add_esc(b, f->ev_names[k]);
        lab_buf_adds(b, " = ");
        lab_buf_add_esc(b, f->ev_values[k]);
        lab_buf_adds(b, "</code>");
    }
    lab_buf_adds(b, "</td><td>");
    for (size_t k = 0; k < r->nbasis; k++) {
        const char *url = r->basis[k].url;
        int link = url != NULL && (strncmp(url, "https://", 8) == 0 ||
                                   strncmp(url, "http://", 7) == 0);
        if (k > 0)
            lab_buf_adds(b, "<br>");
        if (link) {
            lab_buf_adds(b, "<a href=\"");
            lab_buf_add_esc(b, url);
            lab_buf_adds(b, "\" rel=\"noreferrer noopener\">");
        }
        lab_buf_add_esc(b, r->basis[k].cite);
        if (link)
            lab_buf_adds(b, "</a>");
    }
    lab_buf_adds(b, "</td><td>");
    lab_buf_add_esc(b, r->remediation);
    lab_buf_adds(b, "</td><td>");
    if (f->waiver != NULL) {
        lab_buf_adds(b, "waived by ");
        lab_buf_add_esc(b, f->waiver->approver);
        lab_buf_adds(b, " until ");
        lab_buf_add_esc(b, f->waiver->expires);
        if (f->waiver->justification != NULL) {
            lab_buf_adds(b, ": ");
            lab_buf_add_esc(b, f->waiver->justification);
        }
    }
    lab_buf_adds(b, "</td></tr>\n");
}

/* Which findings get a row: all of them up to LAB_HTML_MAX_ROWS, else
 * the worst first (open before waived), in report order within the
 * severity where the cut falls.  A page with many thousands of rows
 * takes a browser seconds to lay out; the JSON report has them all. */
static unsigned char *pick_rows(const lab_report *rep, size_t *nshown)
{
    unsigned char *shown = lab_calloc(rep->n + 1, 1);
    size_t per[5] = {0}, quota = LAB_HTML_MAX_ROWS;
    if (shown == NULL)
        return NULL;
    for (size_t i = 0; i < rep->n; i++)
        per[rep->findings[i].waiver ? 0
                                    : 1 + (rep->findings[i].severity & 3)]++;
    size_t left[5];
    for (int k = 4; k >= 0; k--) {
        left[k] = per[k] < quota ? per[k] : quota;
        quota -= left[k];
    }
    *nshown = 0;
    for (size_t i = 0; i < rep->n; i++) {
        const lab_finding *f = &rep->findings[i];
        int k = f->waiver ? 0 : 1 + (f->severity & 3);
        if (left[k] > 0) {
            left[k]--;
            shown[i] = 1;
            (*nshown)++;
        }
    }
    return shown;
}

static void render_findings(lab_buf *b, const lab_report *rep,
                            const unsigned char *drawn,
                            const unsigned char *shown, size_t nshown)
{
    size_t nv = rep->ds->tables[LAB_RECORD_SUPPLIER].n;
    lab_buf_printf(b, "<h2 id=\"findings\">Findings (%zu)</h2>\n", rep->n);
    for (size_t i = 0; i < rep->nwarnings; i++) {
        lab_buf_adds(b, "<p class=\"note warning\">warning: ");
        lab_buf_add_esc(b, rep->warnings[i]);
        lab_buf_adds(b, "</p>\n");
    }
    if (rep->n == 0) {
        lab_buf_adds(b, "<p class=\"pass\">No rule fired.</p>\n");
        return;
    }
    if (nshown < rep->n)
        lab_buf_printf(b,
                       "<p class=\"note\" id=\"findings-more\">The %zu "
                       "worst findings are listed here; %zu more are left "
                       "out of this page.  The JSON report has them all, "
                       "and a check of one product or supplier narrows "
                       "it.</p>\n",
                       nshown, rep->n - nshown);
    lab_buf_adds(b, "<table id=\"findings-table\"><tr><th>severity</th>"
                    "<th>rule</th><th>subject</th><th>message</th>"
                    "<th>evidence</th><th>basis</th><th>remediation</th>"
                    "<th>waiver</th></tr>\n");
    /* worst first; within a severity, the report's order (by subject) */
    for (int sev = LAB_SEV_BLOCKER; sev >= 0; sev--)
        for (size_t i = 0; i < rep->n; i++) {
            uint32_t v = rep->findings[i].supplier;
            if (shown[i] && (int)rep->findings[i].severity == sev)
                render_finding(b, rep, i, v < nv && drawn[v]);
        }
    lab_buf_adds(b, "</table>\n");
}

static int render_html(lab_buf *b, const lab_report *rep)
{
    size_t nv = rep->ds->tables[LAB_RECORD_SUPPLIER].n;
    size_t nshown = 0;
    unsigned char *shown = pick_rows(rep, &nshown);
    lab_sup_mark *mk = shown ? mark_suppliers(rep, nv, shown) : NULL;
    unsigned char *drawn = lab_calloc(nv + 1, 1);
    if (mk == NULL || drawn == NULL) {
        free(shown);
        free(mk);
        free(drawn);
        return lab_seterr(LAB_ENOMEM, "out of memory");
    }
    canvas cv = {b, rep, mk, drawn, 0};
    lab_html_head(b, "labaudit report", report_css);
    render_header(b, rep);
    lab_buf_adds(b, "<div class=\"row\"><section>");
    render_products(b, rep);
    lab_buf_adds(b, "</section><section>");
    render_affected(b, rep);
    lab_buf_adds(b, "</section></div>\n");
    int rc = render_chains(&cv);
    if (rc == LAB_OK)
        rc = render_counts(b, rep);
    render_findings(b, rep, drawn, shown, nshown);
    lab_buf_adds(b, "<h2 id=\"packs\">Rule packs and lists</h2>\n<table>"
                    "<tr><th>pack</th><th>version</th><th>rules</th>"
                    "<th>SHA-256</th></tr>\n");
    for (size_t p = 0; p < rep->engine->npacks; p++) {
        const lab_pack *pk = rep->engine->packs[p];
        lab_buf_adds(b, "<tr><td>");
        lab_buf_add_esc(b, pk->id);
        lab_buf_adds(b, "</td><td>");
        lab_buf_add_esc(b, pk->version);
        lab_buf_printf(b, "</td><td>%zu</td><td><code>%s</code></td></tr>\n",
                       pk->nrules, pk->sha256);
    }
    for (size_t i = 0; i < rep->engine->ref.nlists; i++) {
        const lab_reflist *rl = &rep->engine->ref.lists[i];
        lab_buf_adds(b, "<tr><td>list ");
        lab_buf_add_esc(b, rl->id);
        lab_buf_adds(b, "</td><td>");
        lab_buf_add_esc(b, rl->version ? rl->version : "unknown");
        lab_buf_printf(b, "</td><td>%zu entries</td><td><code>", rl->entries);
        lab_buf_add_esc(b, rl->sha256);
        lab_buf_adds(b, "</code></td></tr>\n");
    }
    lab_buf_adds(b, "</table>\n</main>\n</body></html>\n");
    free(drawn);
    free(mk);
    free(shown);
    return rc;
}

/* ---- the drawing alone, for other pages ---- */

const char *lab_html_chain_css(void)
{
    return report_css;
}

int lab_html_chain_figure(lab_buf *b, const lab_report *rep)
{
    size_t nv = rep->ds->tables[LAB_RECORD_SUPPLIER].n;
    /* no finding rows on the page: the boxes link nowhere */
    unsigned char *shown = lab_calloc(rep->n + 1, 1);
    lab_sup_mark *mk = shown ? mark_suppliers(rep, nv, shown) : NULL;
    free(shown);
    if (mk == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    canvas cv = {b, rep, mk, NULL, 0};
    lab_buf_adds(b, legend);
    int rc = draw_products(&cv);
    free(mk);
    return rc;
}

/* ---- JUnit XML ---- */

static void xml_attr(lab_buf *b, const char *name, const char *value)
{
    lab_buf_printf(b, " %s=\"", name);
    lab_buf_add_esc(b, value);
    lab_buf_addc(b, '"');
}

static void junit_finding(lab_buf *b, const lab_finding *f)
{
    const lab_rule *r = f->rule;
    lab_buf_adds(b, "    <testcase");
    xml_attr(b, "classname", r->pack->id);
    lab_buf_adds(b, " name=\"");
    lab_buf_add_esc(b, r->id);
    lab_buf_printf(b, " on %s ", subject_kind[f->subject & 3]);
    lab_buf_add_esc(b, f->subject_id);
    lab_buf_adds(b, "\">\n");
    if (f->waiver != NULL) {
        lab_buf_adds(b, "      <skipped message=\"waived by ");
        lab_buf_add_esc(b, f->waiver->approver);
        lab_buf_adds(b, " until ");
        lab_buf_add_esc(b, f->waiver->expires);
        lab_buf_adds(b, "\"/>\n    </testcase>\n");
        return;
    }
    lab_buf_adds(b, "      <failure");
    xml_attr(b, "message", f->message);
    xml_attr(b, "type", sev_name((int)f->severity));
    lab_buf_adds(b, ">");
    lab_buf_add_esc(b, r->title);
    lab_buf_adds(b, "\n");
    for (size_t k = 0; k < f->nev; k++) {
        lab_buf_adds(b, "evidence: ");
        lab_buf_add_esc(b, f->ev_names[k]);
        lab_buf_adds(b, " = ");
        lab_buf_add_esc(b, f->ev_values[k]);
        lab_buf_addc(b, '\n');
    }
    for (size_t k = 0; k < r->nbasis; k++) {
        lab_buf_adds(b, "basis: ");
        lab_buf_add_esc(b, r->basis[k].cite);
        lab_buf_addc(b, '\n');
    }
    if (r->remediation != NULL) {
        lab_buf_adds(b, "remediation: ");
        lab_buf_add_esc(b, r->remediation);
        lab_buf_addc(b, '\n');
    }
    lab_buf_adds(b, "</failure>\n    </testcase>\n");
}

static void junit_products(lab_buf *b, const lab_report *rep)
{
    size_t failures = 0;
    for (size_t i = 0; i < rep->nproducts; i++)
        failures += rep->products[i].worst >= LAB_SEV_BLOCKER;
    lab_buf_printf(b,
                   "  <testsuite name=\"products\" tests=\"%zu\" "
                   "failures=\"%zu\" errors=\"0\" skipped=\"0\">\n",
                   rep->nproducts, failures);
    for (size_t i = 0; i < rep->nproducts; i++) {
        const lab_product_verdict *p = &rep->products[i];
        lab_buf_adds(b, "    <testcase classname=\"products\"");
        xml_attr(b, "name", p->id);
        if (p->worst < LAB_SEV_BLOCKER) {
            lab_buf_adds(b, "/>\n");
            continue;
        }
        lab_buf_printf(b,
                       ">\n      <failure message=\"blocked: %zu finding%s in "
                       "its chain, worst blocker\" type=\"blocker\"/>\n"
                       "    </testcase>\n",
                       p->nfindings, p->nfindings == 1 ? "" : "s");
    }
    lab_buf_adds(b, "  </testsuite>\n");
}

static void render_junit(lab_buf *b, const lab_report *rep)
{
    const lab_engine *e = rep->engine;
    size_t failures = 0, skipped = 0, pfail = 0;
    for (size_t i = 0; i < rep->n; i++) {
        skipped += rep->findings[i].waiver != NULL;
        failures += rep->findings[i].waiver == NULL;
    }
    for (size_t i = 0; i < rep->nproducts; i++)
        pfail += rep->products[i].worst >= LAB_SEV_BLOCKER;
    lab_buf_adds(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    lab_buf_printf(b,
                   "<testsuites name=\"labaudit\" tests=\"%zu\" "
                   "failures=\"%zu\" errors=\"0\" skipped=\"%zu\">\n",
                   rep->n + rep->nproducts, failures + pfail, skipped);
    junit_products(b, rep);
    for (size_t p = 0; p < e->npacks; p++) {
        const lab_pack *pk = e->packs[p];
        size_t n = 0, f = 0, s = 0;
        for (size_t i = 0; i < rep->n; i++) {
            if (rep->findings[i].rule->pack != pk)
                continue;
            n++;
            s += rep->findings[i].waiver != NULL;
            f += rep->findings[i].waiver == NULL;
        }
        lab_buf_adds(b, "  <testsuite");
        xml_attr(b, "name", pk->id);
        lab_buf_printf(b,
                       " tests=\"%zu\" failures=\"%zu\" errors=\"0\" "
                       "skipped=\"%zu\" timestamp=\"%sT00:00:00\">\n",
                       n, f, s, rep->as_of);
        lab_buf_adds(b, "    <properties><property name=\"version\"");
        xml_attr(b, "value", pk->version);
        lab_buf_printf(b,
                       "/><property name=\"sha256\" value=\"%s\"/>"
                       "</properties>\n",
                       pk->sha256);
        for (size_t i = 0; i < rep->n; i++)
            if (rep->findings[i].rule->pack == pk)
                junit_finding(b, &rep->findings[i]);
        lab_buf_adds(b, "  </testsuite>\n");
    }
    lab_buf_adds(b, "</testsuites>\n");
}

int lab_report_render_page(char **out, const lab_report *rep, lab_format format)
{
    lab_buf b = LAB_BUF_INIT;
    int rc = LAB_OK;
    if (out == NULL || rep == NULL || rep->ds == NULL)
        return lab_seterr(LAB_EINVAL, "lab_report_render: NULL argument");
    if (format == LAB_FORMAT_HTML)
        rc = render_html(&b, rep);
    else if (format == LAB_FORMAT_JUNIT)
        render_junit(&b, rep);
    else
        rc = lab_seterr(LAB_EINVAL, "unknown report format %d", (int)format);
    if (rc != LAB_OK) {
        lab_buf_free(&b);
        return rc;
    }
    return lab_buf_detach(&b, out);
}
