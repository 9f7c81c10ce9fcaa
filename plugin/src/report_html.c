/*
 * report_html.c - the report as people and CI systems look at it.  HTML:
 * one self-contained page (inline style and SVG, no script, a CSP that
 * lets nothing load) with a summary (verdict per product, counts by
 * severity and by area, workers affected by sex and age band), the supply
 * chain drawn by tier from farms on the left to brands on the right with
 * every facility coloured by its worst finding and linked to its rows, and
 * the findings table.  JUnit XML: one testsuite per rule pack with a
 * failing testcase per finding (skipped when waived), and a "products"
 * suite with one testcase per product that fails when a blocker is open.
 * Everything that comes from data is escaped.
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
    ".chain{overflow:auto;max-height:720px;border:1px solid #d5d8dc;"
    "background:#fff}"
    ".n rect{stroke-width:1.5}"
    ".s3 rect{fill:#f1948a;stroke:#922b21}.s2 rect{fill:#f8c471;"
    "stroke:#9c640c}.s1 rect{fill:#f9e79f;stroke:#9a7d0a}"
    ".s0 rect{fill:#aed6f1;stroke:#1f618d}.sn rect{fill:#abebc6;"
    "stroke:#1d8348}"
    ".w rect{stroke:#7f8c8d;stroke-width:3;stroke-dasharray:6 3}"
    ".n text{font-size:12px;fill:#17202a}.n .m{font-size:9.5px;"
    "fill:#2c3e50}"
    ".e{fill:none;stroke:#909497;stroke-opacity:.55;stroke-width:1.2}"
    ".tier{font-size:13px;font-weight:bold;fill:#5d6d7e}"
    ".sev{display:inline-block;padding:1px 7px;border-radius:9px;"
    "font-size:12px;font-weight:bold}"
    ".b3{background:#f1948a}.b2{background:#f8c471}.b1{background:#f9e79f}"
    ".b0{background:#aed6f1}.bw{background:#d5d8dc}"
    "tr.waived td{color:#7f8c8d}"
    "tr:target td{background:#fcf3cf}"
    ".counts td{text-align:right}"
    ".legend span{margin-right:12px}"
    ".row{display:flex;flex-wrap:wrap;gap:0 40px}";

#define subject_kind lab_subject_names

static const char *sev_name(int s)
{
    const char *n = lab_severity_name(s);
    return n ? n : "none";
}

/* Per supplier: the worst finding not waived (-1 none), whether any is
 * waived, and the first finding's index (for the node's link). */
typedef struct sup_mark {
    int8_t worst;
    uint8_t waived;
    uint32_t count;
    long first;
} sup_mark;

static sup_mark *mark_suppliers(const lab_report *rep, size_t nv,
                                const unsigned char *shown)
{
    sup_mark *m = lab_calloc(nv + 1, sizeof *m);
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
        sup_mark *s = &m[f->supplier];
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

/* ---- the chain drawn ---- */

static void render_node(lab_buf *b, const lab_report *rep,
                        const lab_chain_layout *l, const sup_mark *mk, size_t k)
{
    uint32_t v = l->nodes[k];
    const lab_supplier *s = supplier_at(rep, v);
    const sup_mark *m = &mk[v];
    if (m->first >= 0)
        lab_buf_printf(b, "<a href=\"#f-%ld\">", m->first);
    else if (m->count > 0)
        lab_buf_adds(b, "<a href=\"#findings-more\">");
    lab_buf_printf(b,
                   "<g class=\"n s%c%s\" id=\"n-%u\" "
                   "transform=\"translate(%d,%d)\"><title>",
                   m->worst >= 0 ? (char)('0' + m->worst) : 'n',
                   m->waived ? " w" : "", v, (int)l->x[k], (int)l->y[k]);
    lab_buf_add_esc(b, s->name);
    lab_buf_adds(b, " (");
    lab_buf_add_esc(b, s->id);
    lab_buf_printf(b, ")\n%u finding%s, worst %s</title>", m->count,
                   m->count == 1 ? "" : "s", sev_name(m->worst));
    lab_buf_printf(b, "<rect width=\"%d\" height=\"%d\" rx=\"8\"/>", LAB_NODE_W,
                   LAB_NODE_H);
    lab_buf_adds(b, "<text x=\"8\" y=\"18\">");
    lab_buf_add_esc_cut(b, s->name, 24);
    lab_buf_adds(b, "</text><text class=\"m\" x=\"8\" y=\"36\">");
    lab_buf_add_esc(b, s->country);
    if (s->subdivision != NULL) {
        lab_buf_adds(b, " \xC2\xB7 ");
        lab_buf_add_esc(b, s->subdivision);
    }
    lab_buf_adds(b, " \xC2\xB7 ");
    if (s->os_id != NULL)
        lab_buf_add_esc(b, s->os_id);
    else
        lab_buf_adds(b, "no OS ID");
    lab_buf_adds(b, "</text></g>");
    if (m->count > 0)
        lab_buf_adds(b, "</a>");
    lab_buf_addc(b, '\n');
}

/* The roles present in a column, for its heading. */
static void column_label(lab_buf *b, const lab_report *rep,
                         const lab_chain_layout *l, int32_t c)
{
    const char *roles[16];
    size_t nroles = 0;
    lab_buf_printf(b, "tier %d", (int)l->col_depth[c]);
    for (size_t k = 0; k < l->n; k++) {
        if (l->x[k] < l->col_x[c] ||
            (c + 1 < l->ncols && l->x[k] >= l->col_x[c + 1]))
            continue;
        const char *r = supplier_at(rep, l->nodes[k])->role;
        size_t i = 0;
        if (r == NULL)
            r = "unknown";
        while (i < nroles && strcmp(roles[i], r) != 0)
            i++;
        if (i == nroles && nroles < LAB_ARRAY_LEN(roles))
            roles[nroles++] = r;
    }
    if (nroles > 0) {
        lab_buf_adds(b, ": ");
        lab_buf_add_esc_cut(b, roles[0], 16);
    }
    if (nroles > 1)
        lab_buf_printf(b, " +%zu", nroles - 1);
}

static void render_chain(lab_buf *b, const lab_report *rep,
                         const lab_chain_layout *l, const sup_mark *mk)
{
    const lab_dataset *ds = rep->ds;
    lab_buf_adds(b, "<h2 id=\"chain\">Supply chain</h2>\n<p class=\"legend\">"
                    "Farms on the left, brands on the right; each facility "
                    "is coloured by its worst open finding: "
                    "<span class=\"sev b3\">blocker</span>"
                    "<span class=\"sev b2\">major</span>"
                    "<span class=\"sev b1\">minor</span>"
                    "<span class=\"sev b0\">info</span>"
                    "<span class=\"sev\" style=\"background:#abebc6\">none"
                    "</span><span class=\"sev bw\">dashed grey outline: "
                    "waived findings</span>.  Select a facility to see its "
                    "findings.</p>\n");
    if (l->wanted > l->n)
        lab_buf_printf(b,
                       "<p class=\"note\" id=\"chain-cap\">%zu of %zu "
                       "facilities are drawn; %zu further upstream are left "
                       "out.</p>\n",
                       l->n, l->wanted, l->wanted - l->n);
    size_t nsup = ds->tables[LAB_RECORD_SUPPLIER].n;
    if (l->wanted < nsup)
        lab_buf_printf(b,
                       "<p class=\"note\">%zu supplier%s outside the checked "
                       "chains and without findings %s not drawn.</p>\n",
                       nsup - l->wanted, nsup - l->wanted == 1 ? "" : "s",
                       nsup - l->wanted == 1 ? "is" : "are");
    lab_buf_printf(b,
                   "<div class=\"chain\"><svg xmlns=\"http://www.w3.org/2000/"
                   "svg\" id=\"chain-svg\" width=\"%d\" height=\"%d\" "
                   "viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"supply "
                   "chain by tier\">\n",
                   (int)l->width, (int)l->height, (int)l->width,
                   (int)l->height);
    for (int32_t c = 0; c < l->ncols; c++) {
        lab_buf_printf(b, "<text class=\"tier\" x=\"%d\" y=\"24\">",
                       (int)l->col_x[c]);
        column_label(b, rep, l, c);
        lab_buf_adds(b, "</text>\n");
    }
    /* Edges first, so that boxes sit on top of them. */
    lab_buf_adds(b, "<g id=\"edges\">");
    for (size_t k = 0; k < l->n; k++) {
        uint32_t v = l->nodes[k];
        for (uint32_t i = ds->in_off[v]; i < ds->in_off[v + 1]; i++) {
            int32_t j = l->slot[ds->link_from[ds->in_link[i]]];
            if (j < 0)
                continue;
            int x1 = l->x[j] + LAB_NODE_W, y1 = l->y[j] + LAB_NODE_H / 2;
            int x2 = l->x[k], y2 = l->y[k] + LAB_NODE_H / 2;
            int mx = (x1 + x2) / 2;
            lab_buf_printf(b,
                           "<path class=\"e\" d=\"M%d %dC%d %d %d %d %d "
                           "%d\"/>",
                           x1, y1, mx, y1, mx, y2, x2, y2);
        }
    }
    lab_buf_adds(b, "</g>\n<g id=\"nodes\">\n");
    for (size_t k = 0; k < l->n; k++)
        render_node(b, rep, l, mk, k);
    lab_buf_adds(b, "</g></svg></div>\n");
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
                            const lab_chain_layout *l,
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
                render_finding(b, rep, i, v < nv && l->slot[v] >= 0);
        }
    lab_buf_adds(b, "</table>\n");
}

static int render_html(lab_buf *b, const lab_report *rep)
{
    size_t nv = rep->ds->tables[LAB_RECORD_SUPPLIER].n;
    lab_chain_layout l;
    size_t nshown = 0;
    unsigned char *shown = pick_rows(rep, &nshown);
    sup_mark *mk = shown ? mark_suppliers(rep, nv, shown) : NULL;
    if (mk == NULL) {
        free(shown);
        return lab_seterr(LAB_ENOMEM, "out of memory");
    }
    int rc = lab_chain_layout_make(&l, rep, LAB_HTML_MAX_NODES);
    if (rc != LAB_OK) {
        free(mk);
        free(shown);
        return rc;
    }
    lab_html_head(b, "labaudit report", report_css);
    render_header(b, rep);
    lab_buf_adds(b, "<div class=\"row\"><section>");
    render_products(b, rep);
    lab_buf_adds(b, "</section><section>");
    render_affected(b, rep);
    lab_buf_adds(b, "</section></div>\n");
    render_chain(b, rep, &l, mk);
    rc = render_counts(b, rep);
    render_findings(b, rep, &l, shown, nshown);
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
    lab_chain_layout_free(&l);
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
    lab_chain_layout l;
    /* no finding rows on the page: the boxes link nowhere */
    unsigned char *shown = lab_calloc(rep->n + 1, 1);
    sup_mark *mk = shown ? mark_suppliers(rep, nv, shown) : NULL;
    free(shown);
    if (mk == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    int rc = lab_chain_layout_make(&l, rep, LAB_HTML_MAX_NODES);
    if (rc == LAB_OK) {
        render_chain(b, rep, &l, mk);
        lab_chain_layout_free(&l);
    }
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
