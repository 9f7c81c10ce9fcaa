/*
 * report_html.h - what the pages people look at share (report_html.c,
 * cert_html.c): escaping text for HTML and XML, the page head with its
 * strict Content-Security-Policy and inline style, and the layout of the
 * supply chain by tier that the report page draws as SVG.
 */
#ifndef LAB_REPORT_HTML_H
#define LAB_REPORT_HTML_H

#include "engine.h"

/* Appends s[0..n) escaped for HTML or XML text and attribute values:
 * & < > " ' become references; invalid UTF-8, control characters other
 * than tab, newline and carriage return, and the non-characters U+FFFE
 * and U+FFFF become U+FFFD. */
void lab_buf_add_escaped(lab_buf *b, const char *s, size_t n);
/* The same for a NUL-terminated string; NULL appends nothing. */
void lab_buf_add_esc(lab_buf *b, const char *s);
/* Appends at most `max` characters (code points) of s, escaped, with an
 * ellipsis when it was cut. */
void lab_buf_add_esc_cut(lab_buf *b, const char *s, size_t max);

/* Opens a page: doctype, charset, the CSP meta tag (nothing may load;
 * inline style and data: images only), the title and the shared style
 * plus `css` (may be NULL), and opens <body>. */
void lab_html_head(lab_buf *b, const char *title, const char *css);

/* Limits of the report page: facilities drawn at most in the drawing of
 * every chain together, rows at most in its findings table (the worst
 * first), products drawn one by one (the worst first), facilities a
 * product's drawing shows one by one before it becomes an overview, and
 * those an overview shows one by one (the paths to the worst problems). */
enum {
    LAB_HTML_MAX_NODES = 2000,
    LAB_HTML_MAX_ROWS = 500,
    LAB_HTML_MAX_CHAINS = 12,
    LAB_HTML_FULL_NODES = 60,
    LAB_HTML_OVERVIEW_NODES = 24
};

/* Per supplier: the worst finding not waived (-1 none), whether any is
 * waived, how many findings it has and the first one with a row on the
 * page (-1 none), for its box's colour, word and link. */
typedef struct lab_sup_mark {
    int8_t worst;
    uint8_t waived;
    uint32_t count;
    long first;
} lab_sup_mark;

/* One box of a drawing: a facility, or a group of the facilities of one
 * tier and country that an overview does not show one by one. */
typedef struct lab_box {
    uint32_t supplier; /* the facility, or a member of the group */
    uint32_t count;    /* 1 for a facility; the group's size */
    int32_t tier;      /* lab_chain_tiers' tier; -1 outside the chains */
    int8_t worst;      /* the group's worst open severity, -1 none */
    uint8_t group;     /* a group of facilities (count > 1) */
    uint32_t nworst;   /* the group's members at that severity */
    int32_t x, y;      /* top-left corner */
    int32_t lx, rx; /* where edges into it turn (left) and out of it (right) */
    int32_t row;    /* its row on the drawing's grid */
    int32_t col;    /* its column (col_x, col_tier) */
} lab_box;

/* A drawing: boxes in columns by tier, the maker's on the right and the
 * farms on the left, on one grid of rows, so that edges drawn along the
 * gaps between columns and rows never cross a box. */
typedef struct lab_drawing {
    lab_box *box;
    size_t n;
    uint32_t (*edge)[2]; /* from box, to box (goods flow), distinct */
    size_t nedges;
    int32_t *slot; /* per supplier: its box, or -1 (a group's members too) */
    int32_t ncols;
    int32_t *col_x, *col_tier; /* per column: left edge; tier, -1 outside */
    int32_t width, height;
    size_t facilities; /* in the drawing, one by one or in groups */
    size_t wanted;     /* the drawing of every chain: before the cap */
    size_t groups;     /* boxes that are groups (an overview) */
} lab_drawing;

/* The drawing of one product's chain (its lot's, when judged per lot):
 * every facility, or, past LAB_HTML_FULL_NODES, an overview that shows
 * the maker and the paths from it to the facilities with the worst
 * findings one by one and the rest grouped by tier and country. */
int lab_drawing_product(lab_drawing *out, const lab_report *rep,
                        const lab_product_verdict *p, const lab_sup_mark *mk);
/* The drawing of every checked chain together (tiers counted from the
 * nearest maker) with the suppliers that have findings outside them, at
 * most max_nodes facilities, the makers' and the worst first. */
int lab_drawing_all(lab_drawing *out, const lab_report *rep,
                    const lab_sup_mark *mk, size_t max_nodes);
void lab_drawing_free(lab_drawing *d);

/* Box size and spacing, in SVG user units. */
enum {
    LAB_NODE_W = 212,
    LAB_NODE_H = 58,
    LAB_NODE_GAP_Y = 16,
    LAB_COL_GAP = 40,
    LAB_SUBCOL_GAP = 24,
    LAB_ROWS_PER_SUBCOL = 40,
    LAB_LAYOUT_TOP = 44
};

/* The report's products' drawings (SVG, by tier, each facility coloured
 * and labelled by its worst finding, with the legend) for another page,
 * and the style they need; the boxes link nowhere. */
int lab_html_chain_figure(lab_buf *b, const lab_report *rep);
const char *lab_html_chain_css(void);

#endif /* LAB_REPORT_HTML_H */
