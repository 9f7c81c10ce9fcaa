/*
 * xmlquiet.h - a scope around every libxml2 parse in the library, so that
 * libxml2 never prints: for its duration this thread's generic and
 * structured error handlers are ours (the first error is kept, to become
 * a labaudit error with file:line), and on leaving the host's handlers
 * are put back.  Parser and validation contexts still get their own
 * handlers; the scope catches what libxml2 2.9 sends past them (a huge
 * text node reports through the validity context's generic printer).
 */
#ifndef LAB_XMLQUIET_H
#define LAB_XMLQUIET_H

#include <libxml/xmlerror.h>

typedef struct lab_xml_quiet {
    xmlGenericErrorFunc generic;
    void *generic_ctx;
    xmlStructuredErrorFunc structured;
    void *structured_ctx;
    int have;      /* an error was kept */
    int line, col; /* where libxml2 put it */
    char msg[256]; /* its message, trailing blanks dropped */
} lab_xml_quiet;

/* Installs the quiet handlers for this thread. */
void lab_xml_quiet_enter(lab_xml_quiet *q);
/* Restores the handlers that were there before enter. */
void lab_xml_quiet_leave(lab_xml_quiet *q);

#endif /* LAB_XMLQUIET_H */
