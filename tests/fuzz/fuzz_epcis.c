/*
 * fuzz_epcis.c - a fuzz target for the EPCIS 2.0 adapter.  Each input is
 * read as one document into a dataset holding three facilities (a gin, a
 * spinner and a mill with GLNs that the seed documents' SGLNs name); a
 * failed load must leave the dataset exactly as it was and name the
 * document, a successful one must index (or fail cleanly) and keep its
 * counts consistent with the records added.
 */
#include "epcis/epcis.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void add_supplier(lab_dataset *ds, const char *id, const char *role,
                         const char *gln)
{
    const char *names[] = {"id", "name", "country", "role", "gln"};
    const char *values[] = {id, id, "IN", role, gln};
    if (lab_dataset_add(ds, LAB_RECORD_SUPPLIER, names, values, 5, "fuzz") !=
        LAB_OK)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lab_dataset *ds = NULL;
    if (lab_dataset_new(&ds) != LAB_OK)
        abort();
    add_supplier(ds, "GIN", "gin", "9520123456788");
    add_supplier(ds, "SPIN", "spinner", "9520123456795");
    add_supplier(ds, "MILL", "fabric_mill", "4012345000016");
    size_t before[LAB_RECORD_LOT_INPUT + 1];
    for (int k = 0; k <= LAB_RECORD_LOT_INPUT; k++)
        before[k] = lab_dataset_count(ds, (lab_record_kind)k);
    size_t warnings = lab_dataset_warning_count(ds);
    lab_epcis_stats st;
    int rc =
        lab_epcis_load_memory(ds, (const char *)data, size, "fuzz.json", &st);
    if (rc != LAB_OK) {
        if (strncmp(lab_errmsg(), "fuzz.json", 9) != 0 && rc != LAB_ENOMEM)
            abort();
        for (int k = 0; k <= LAB_RECORD_LOT_INPUT; k++)
            if (lab_dataset_count(ds, (lab_record_kind)k) != before[k])
                abort();
        if (lab_dataset_warning_count(ds) != warnings)
            abort();
    } else {
        if (lab_dataset_count(ds, LAB_RECORD_LOT) !=
                before[LAB_RECORD_LOT] + st.lots ||
            lab_dataset_count(ds, LAB_RECORD_LINK) !=
                before[LAB_RECORD_LINK] + st.links ||
            st.object + st.transformation + st.aggregation + st.other >
                st.events)
            abort();
        (void)lab_ds_index(ds);
    }
    lab_dataset_free(ds);
    return 0;
}
