/*
 * xmlscan.h - a byte-at-a-time pre-scan of XML that bounds what libxml2
 * would otherwise spend unbounded time on.  libxml2 2.9 checks each
 * attribute of a start tag against every earlier one, so one element
 * with 100 000 attributes costs minutes; the scan counts attributes per
 * start tag (outside comments, CDATA sections, processing instructions
 * and quoted values) and stops at the first element with more than
 * LAB_XML_MAX_ATTRS, naming its line.  It also stops at a run of
 * character data (CDATA included) longer than LAB_XMLSCAN_MAX_TEXT between two
 * tags: libxml2's reader concatenates a long text node chunk by chunk,
 * measuring the whole each time (11 MB took seconds, minutes under
 * sanitizers).  Fed in chunks of any size, it gives the same answer as
 * fed whole.
 */
#ifndef LAB_XMLSCAN_H
#define LAB_XMLSCAN_H

#include <stddef.h>

/* Attributes (namespace declarations included) on one element. */
enum { LAB_XML_MAX_ATTRS = 256 };
/* Bytes of character data between two tags: a field's limit, 1 MiB. */
enum { LAB_XMLSCAN_MAX_TEXT = 1 << 20 };

typedef struct lab_xmlscan {
    int state;
    unsigned line;      /* 1-based, of the byte being scanned */
    unsigned tag_line;  /* where the current tag began */
    unsigned attrs;     /* '=' seen in the current start tag */
    unsigned text_line; /* where the current run of text began */
    size_t text;        /* bytes of text since the last tag */
    unsigned char seen; /* bytes of an opener or closer matched so far */
    unsigned char decl; /* the quoted value is in a declaration */
    char quote;         /* the quote that closes the value */
    char bang[8];       /* the bytes after "<!", up to 7 */
} lab_xmlscan;

void lab_xmlscan_init(lab_xmlscan *s);
/* Scans n more bytes; 0, or -1 when an element has too many attributes
 * (then s->tag_line is the line its start tag begins on), or -2 when a
 * run of text is too long (s->text_line is where it began). */
int lab_xmlscan_feed(lab_xmlscan *s, const char *p, size_t n);

#endif /* LAB_XMLSCAN_H */
