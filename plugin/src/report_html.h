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

/* Nodes drawn at most on the report page's chain, and rows at most in
 * its findings table (the worst first). */
enum { LAB_HTML_MAX_NODES = 2000, LAB_HTML_MAX_ROWS = 500 };

/* The chain as laid out for drawing. */
typedef struct lab_chain_layout {
    uint32_t *nodes; /* supplier indexes drawn, in drawing order */
    size_t n;        /* drawn */
    size_t wanted;   /* would have been drawn without the cap */
    int32_t *x, *y;  /* top-left corner of each drawn node */
    int32_t width, height;
    int32_t *slot; /* per supplier: index into nodes, or -1 */
    int32_t ncols; /* tiers (distinct chain depths) */
    int32_t *col_x, *col_depth;
} lab_chain_layout;

/* Picks the suppliers to draw (the products' chains and the suppliers
 * with findings, upstream first, at most max_nodes) and lays them out in
 * columns by chain depth, ordered within a column to keep edges short. */
int lab_chain_layout_make(lab_chain_layout *out, const lab_report *rep,
                          size_t max_nodes);
void lab_chain_layout_free(lab_chain_layout *l);

/* Node box size and spacing, in SVG user units. */
enum {
    LAB_NODE_W = 180,
    LAB_NODE_H = 46,
    LAB_NODE_GAP_Y = 14,
    LAB_COL_GAP = 36,
    LAB_SUBCOL_GAP = 18,
    LAB_ROWS_PER_SUBCOL = 50,
    LAB_LAYOUT_TOP = 40
};

/* The report page's drawing of the checked chains (SVG, by tier, each
 * facility coloured by its worst finding, with its heading and legend)
 * for another page, and the style it needs; the boxes link nowhere. */
int lab_html_chain_figure(lab_buf *b, const lab_report *rep);
const char *lab_html_chain_css(void);

#endif /* LAB_REPORT_HTML_H */
