/*
 * fuzz_auditreport.c - a libFuzzer target for the XML audit-report
 * reader.  Each input is read as one report, from memory, into a fresh
 * dataset; the reader must refuse or accept it without crashing, leaking
 * or hanging, and a refusal must leave the dataset empty.  The seed corpus
 * in tests/fuzz/corpus/auditreport/ holds valid reports (versions 1 and 2,
 * with non-compliance records and a follow-up) and every hostile
 * shape the unit tests refuse (external entities, entity bombs, DTDs,
 * deep nesting, wrong namespace, schema and semantic violations).
 */
#include "xml/auditreport.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lab_dataset *ds = NULL;
    if (lab_dataset_new(&ds) != LAB_OK)
        return 0;
    int rc = lab_xml_load_memory(ds, (const char *)data, size, "fuzz.xml");
    if (rc != LAB_OK && (lab_dataset_count(ds, LAB_RECORD_AUDIT) != 0 ||
                         lab_dataset_count(ds, LAB_RECORD_DOCUMENT) != 0 ||
                         lab_dataset_count(ds, LAB_RECORD_NONCOMPLIANCE) != 0))
        abort(); /* a refused report added records */
    if (rc == LAB_OK && lab_dataset_count(ds, LAB_RECORD_AUDIT) != 1)
        abort(); /* an accepted report is exactly one audit */
    lab_dataset_free(ds);
    return 0;
}
