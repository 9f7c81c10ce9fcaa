/*
 * auditreport.h - the XML audit-report adapter.  A report (the format of
 * adapters/xml/auditreport.xsd, compiled into the library) is read as
 * hostile input with a streaming xmlTextReader: no network, no entity
 * expansion, any DTD rejected before libxml2 sees it, depth, size and
 * element-count limits, schema validation while streaming and semantic
 * checks after it.  Each report becomes one audit record plus one document
 * record per evidence document; its non-compliances are summarised into
 * the audit's noncompliances_* fields and, in a version 2 report, each
 * also becomes a noncompliance record as it ends, so memory does not grow
 * with them.  Version 1 reports load as they always have.
 */
#ifndef LAB_XML_AUDITREPORT_H
#define LAB_XML_AUDITREPORT_H

#include "dataset.h"

/* Limits; a report beyond them is refused with LAB_ELIMIT. */
#define LAB_XML_MAX_BYTES ((long long)512 << 20) /* 512 MiB per report */
enum {
    LAB_XML_MAX_DEPTH = 32,          /* element nesting */
    LAB_XML_MAX_ELEMENTS = 50000000, /* elements in one report */
    LAB_XML_MAX_TEXT = 64 << 10,     /* bytes of text in one element */
    LAB_XML_MAX_FILES = 100000       /* reports in one folder */
};

/* The newest report format version this reader understands (the root
 * element's version attribute), and all it understands, for messages. */
#define LAB_XML_REPORT_VERSION "2"
#define LAB_XML_REPORT_VERSIONS "1 and 2"

/*
 * Reads one report file into ds.  All or nothing: on error nothing is
 * added and the message names path:line:col.  Returns LAB_OK, LAB_EIO,
 * LAB_EPARSE (not well-formed, has a DTD, not UTF-8), LAB_ESCHEMA
 * (invalid against the schema or a semantic check), LAB_EVERSION,
 * LAB_ELIMIT or LAB_ENOMEM.
 */
int lab_xml_load_file(lab_dataset *ds, const char *path);

/* The same over a memory buffer (tests, fuzzing); `name` is used in
 * messages. */
int lab_xml_load_memory(lab_dataset *ds, const char *data, size_t len,
                        const char *name);

/*
 * Reads every regular file named *.xml in `dir` (not hidden ones), in
 * byte order of their names.  All or nothing across the folder.
 */
int lab_xml_load_dir(lab_dataset *ds, const char *dir);

#endif /* LAB_XML_AUDITREPORT_H */
