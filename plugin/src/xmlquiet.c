/*
 * xmlquiet.c - keeps libxml2 from printing to the host's stderr: see
 * xmlquiet.h.  The handlers are libxml2's per-thread ones, set only for
 * the length of one parse and restored after, so a host using libxml2
 * itself keeps its own.
 */
#include "xmlquiet.h"

#include <libxml/globals.h>
#include <stdio.h>
#include <string.h>

/* Generic messages arrive as printf fragments with no position: they are
 * dropped here, and the structured error (or the parser's last error)
 * that goes with them carries the position. */
static void quiet_generic(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

static void quiet_structured(void *ctx, xmlErrorPtr err)
{
    lab_xml_quiet *q = ctx;
    if (q == NULL || q->have || err == NULL || err->level < XML_ERR_ERROR)
        return;
    q->have = 1;
    q->line = err->line;
    q->col = err->int2;
    snprintf(q->msg, sizeof q->msg, "%s", err->message ? err->message : "");
    size_t n = strlen(q->msg);
    while (n > 0 && (q->msg[n - 1] == '\n' || q->msg[n - 1] == ' '))
        q->msg[--n] = '\0';
}

void lab_xml_quiet_enter(lab_xml_quiet *q)
{
    memset(q, 0, sizeof *q);
    q->generic = xmlGenericError;
    q->generic_ctx = xmlGenericErrorContext;
    q->structured = xmlStructuredError;
    q->structured_ctx = xmlStructuredErrorContext;
    xmlSetGenericErrorFunc(q, quiet_generic);
    xmlSetStructuredErrorFunc(q, quiet_structured);
}

void lab_xml_quiet_leave(lab_xml_quiet *q)
{
    xmlSetGenericErrorFunc(q->generic_ctx, q->generic);
    xmlSetStructuredErrorFunc(q->structured_ctx, q->structured);
}
