/*
 * xmlscan.c - the attribute-count pre-scan of XML documents (see
 * xmlscan.h), shared by the rule-pack loader and the audit-report reader.
 * It is a small state machine, not a parser: it only has to tell start
 * tags from text, comments, CDATA sections, processing instructions and
 * declarations well enough that libxml2 never sees a start tag with more
 * attributes than the limit.  A malformed document it miscounts is one
 * libxml2 refuses anyway.
 */
#include "xmlscan.h"

#include <string.h>

enum {
    XS_TEXT,    /* character data */
    XS_LT,      /* after '<' */
    XS_TAG,     /* in a start or end tag */
    XS_QUOTE,   /* in a quoted value of a tag or declaration */
    XS_BANG,    /* after "<!": a comment, CDATA or a declaration */
    XS_COMMENT, /* in <!-- ... --> */
    XS_CDATA,   /* in <![CDATA[ ... ]]> */
    XS_PI,      /* in <? ... ?> */
    XS_DECL     /* in <!DOCTYPE ...> or a markup declaration */
};

void lab_xmlscan_init(lab_xmlscan *s)
{
    memset(s, 0, sizeof *s);
    s->state = XS_TEXT;
    s->line = 1;
}

static void open_quote(lab_xmlscan *s, char c, int decl)
{
    s->quote = c;
    s->decl = (unsigned char)decl;
    s->state = XS_QUOTE;
}

/* After "<!": a comment ("--"), a CDATA section ("[CDATA[") or, as soon
 * as the bytes match neither, a declaration. */
static void bang_byte(lab_xmlscan *s, char c)
{
    s->bang[s->seen++] = c;
    int comment = s->seen <= 2 && memcmp(s->bang, "--", s->seen) == 0;
    int cdata = s->seen <= 7 && memcmp(s->bang, "[CDATA[", s->seen) == 0;
    if (comment && s->seen == 2) {
        s->state = XS_COMMENT;
        s->seen = 0;
    } else if (cdata && s->seen == 7) {
        s->state = XS_CDATA;
        s->seen = 0;
    } else if (!comment && !cdata) {
        s->state = XS_DECL;
        s->seen = 0;
        if (c == '>')
            s->state = XS_TEXT;
        else if (c == '"' || c == '\'')
            open_quote(s, c, 1);
    }
}

/* Counts a run of the closer's repeated byte: "--" before '>', "]]". */
static void closer_byte(lab_xmlscan *s, char c, char rep)
{
    if (c == rep)
        s->seen = s->seen < 2 ? (unsigned char)(s->seen + 1) : 2;
    else if (c == '>' && s->seen == 2)
        s->state = XS_TEXT;
    else
        s->seen = 0;
}

/* Counts one byte of character data; -2 past the limit. */
static int text_byte(lab_xmlscan *s)
{
    if (s->text++ == 0)
        s->text_line = s->line;
    return s->text > LAB_XMLSCAN_MAX_TEXT ? -2 : 0;
}

/* One byte; -1 when the current start tag has too many attributes, -2
 * when a run of text is too long. */
static int scan_byte(lab_xmlscan *s, char c)
{
    switch (s->state) {
    case XS_TEXT:
        if (c == '<') {
            s->state = XS_LT;
            return 0;
        }
        return text_byte(s);
    case XS_LT:
        s->tag_line = s->line;
        s->attrs = 0;
        s->seen = 0;
        s->quote = 0;
        s->state = c == '!' ? XS_BANG : c == '?' ? XS_PI : XS_TAG;
        if (s->state == XS_TAG)
            s->text = 0; /* a tag ends the run of text */
        return 0;
    case XS_TAG:
        if (c == '>') {
            s->state = XS_TEXT;
        } else if (c == '"' || c == '\'') {
            open_quote(s, c, 0);
        } else if (c == '=' && ++s->attrs > LAB_XML_MAX_ATTRS) {
            return -1;
        }
        return 0;
    case XS_QUOTE:
        if (c == s->quote)
            s->state = s->decl ? XS_DECL : XS_TAG;
        return 0;
    case XS_BANG:
        bang_byte(s, c);
        return 0;
    case XS_COMMENT: /* ends at "-->" */
        closer_byte(s, c, '-');
        return 0;
    case XS_CDATA: /* ends at "]]>" */
        closer_byte(s, c, ']');
        return text_byte(s);
    case XS_PI: /* ends at "?>" */
        if (c == '>' && s->seen == 1)
            s->state = XS_TEXT;
        else
            s->seen = c == '?';
        return 0;
    case XS_DECL:
        /* A DOCTYPE's internal subset holds declarations of its own: they
         * start with '<' and are scanned as tags are. */
        if (c == '>' || c == '[')
            s->state = XS_TEXT;
        else if (c == '<')
            s->state = XS_LT;
        else if (c == '"' || c == '\'')
            open_quote(s, c, 1);
        return 0;
    }
    return 0;
}

int lab_xmlscan_feed(lab_xmlscan *s, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int rc = scan_byte(s, p[i]);
        if (rc != 0)
            return rc;
        if (p[i] == '\n')
            s->line++;
    }
    return 0;
}
