/*
 * test_epcis.c - the specification of the GS1 EPCIS 2.0 adapter
 * (adapters/epcis): commissioning object events make origin lots at their
 * facility with ilmd attributes, transformation events make output lots
 * and one lot input per input (grouped by transformationID, quantities
 * converted to kg, m, l or pcs), shipping and receiving events make one
 * link naming the lot; aggregation events are counted, unknown types warn;
 * LGTIN, SGTIN, SGLN, PGLN and Digital Link identifiers resolve; every bad
 * value is an error naming file and JSON pointer and leaves the dataset as
 * it was; a dataset folder's events/ joins lab_dataset_load(); and the
 * standard's own example documents load.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "epcis/epcis.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void add_supplier(lab_dataset *ds, const char *id, const char *role,
                         const char *gln)
{
    const char *names[] = {"id", "name", "country", "role", "gln"};
    const char *values[] = {id, id, "IN", role, gln};
    assert_int_equal(lab_dataset_add(ds, LAB_RECORD_SUPPLIER, names, values,
                                     gln ? 5 : 4, "test"),
                     LAB_OK);
}

/* A gin, a spinner and a mill with GLNs; the GS1 examples' places too. */
static lab_dataset *new_ds(void)
{
    lab_dataset *ds = NULL;
    assert_int_equal(lab_dataset_new(&ds), LAB_OK);
    add_supplier(ds, "GIN", "gin", "9520123456788");
    add_supplier(ds, "SPIN", "spinner", "9520123456795");
    add_supplier(ds, "MILL", "fabric_mill", "4012345000016");
    add_supplier(ds, "DC", "trader", "0614141073467");
    add_supplier(ds, "STORE", "brand", "0012345111112");
    return ds;
}

static const lab_lot *lot(lab_dataset *ds, const char *id)
{
    long row = lab_ds_find(ds, LAB_RECORD_LOT, id);
    if (row < 0)
        fail_msg("no lot %s", id);
    return lab_table_row(&ds->tables[LAB_RECORD_LOT], (size_t)row);
}

static const lab_lot_input *lot_input(lab_dataset *ds, const char *id)
{
    long row = lab_ds_find(ds, LAB_RECORD_LOT_INPUT, id);
    if (row < 0)
        fail_msg("no lot input %s", id);
    return lab_table_row(&ds->tables[LAB_RECORD_LOT_INPUT], (size_t)row);
}

static int has_warning(const lab_dataset *ds, const char *part)
{
    for (size_t i = 0; i < lab_dataset_warning_count(ds); i++)
        if (strstr(lab_dataset_warning(ds, i), part) != NULL)
            return 1;
    return 0;
}

static char *read_corpus(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/tests/fuzz/corpus/epcis/%s", LAB_SOURCE_DIR,
             name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[1 << 16];
    *len = fread(buf, 1, sizeof buf - 1, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

static void load_ok(lab_dataset *ds, const char *text, lab_epcis_stats *st)
{
    int rc = lab_epcis_load_memory(ds, text, strlen(text), "events/t.json", st);
    if (rc != LAB_OK)
        fail_msg("load failed: %s", lab_errmsg());
}

#define DOC(events)                                                        \
    "{\"type\":\"EPCISDocument\",\"schemaVersion\":\"2.0\",\"epcisBody\":" \
    "{\"eventList\":[" events "]}}"

#define AT_GIN "\"bizLocation\":{\"id\":\"urn:epc:id:sgln:9520123.45678.0\"}"

static void test_commissioning_makes_origin_lots(void **state)
{
    (void)state;
    lab_dataset *ds = new_ds();
    size_t len;
    lab_epcis_stats st;
    char *doc = read_corpus("commission.json", &len);
    assert_int_equal(lab_epcis_load_memory(ds, doc, len, "c.json", &st),
                     LAB_OK);
    assert_int_equal(st.events, 1);
    assert_int_equal(st.object, 1);
    assert_int_equal(st.lots, 1);
    const lab_lot *l = lot(ds, "(01)09520123111113(10)BALE-1");
    assert_string_equal(l->facility_id, "GIN");
    assert_true(l->quantity == 2500); /* 2.5 TNE */
    assert_string_equal(l->unit, "kg");
    assert_string_equal(l->produced_start, "2024-09-01"); /* from ilmd */
    assert_string_equal(l->produced_end, "2024-10-01");   /* eventTime */
    assert_string_equal(l->custody, "segregated");
    assert_int_equal(l->certificates->n, 1);
    assert_int_equal(lab_ds_index(ds), LAB_OK);
    lab_dataset_free(ds);
}

static void test_transformation_grouped_by_id(void **state)
{
    (void)state;
    lab_dataset *ds = new_ds();
    size_t len;
    lab_epcis_stats st;
    char *doc = read_corpus("commission.json", &len);
    assert_int_equal(lab_epcis_load_memory(ds, doc, len, "c.json", &st),
                     LAB_OK);
    doc = read_corpus("transform.json", &len);
    assert_int_equal(lab_epcis_load_memory(ds, doc, len, "t.json", &st),
                     LAB_OK);
    assert_int_equal(st.transformation, 2);
    assert_int_equal(st.lots, 1);
    assert_int_equal(st.lot_inputs, 1);
    const lab_lot *y = lot(ds, "(01)09520123111120(10)YARN-7");
    assert_string_equal(y->facility_id, "SPIN"); /* Digital Link 414 */
    assert_string_equal(y->unit, "kg");
    assert_true(fabs(y->quantity - 3968 * 0.45359237) < 1e-9); /* LBR */
    const lab_lot_input *in = lot_input(
        ds, "(01)09520123111113(10)BALE-1>(01)09520123111120(10)YARN-7");
    assert_true(in->quantity == 2000);
    assert_string_equal(in->unit, "kg");
    assert_string_equal(in->date, "2024-11-01");
    /* no shipment from the gin to the spinner: the lot graph warns */
    assert_int_equal(lab_ds_index(ds), LAB_OK);
    assert_true(has_warning(ds, "t.json: /epcisBody/eventList/0: lot "
                                "'(01)09520123111113(10)BALE-1' went from "
                                "'GIN'"));
    lab_dataset_free(ds);
}

static void test_shipping_and_receiving_make_one_link(void **state)
{
    (void)state;
    lab_dataset *ds = new_ds();
    size_t len;
    lab_epcis_stats st;
    char *doc = read_corpus("ship.json", &len);
    assert_int_equal(lab_epcis_load_memory(ds, doc, len, "s.json", &st),
                     LAB_OK);
    assert_int_equal(st.events, 4);
    assert_int_equal(st.object, 2);
    assert_int_equal(st.aggregation, 1);
    assert_int_equal(st.skipped, 1);
    assert_int_equal(st.links, 1);
    assert_true(has_warning(ds, "s.json: /epcisBody/eventList/3/type: "
                                "'SensorEvent' is not an EPCIS 2.0 event "
                                "type: event skipped"));
    const lab_link *l = lab_table_row(&ds->tables[LAB_RECORD_LINK], 0);
    assert_string_equal(l->supplier_id, "GIN"); /* PGLN owning party */
    assert_string_equal(l->buyer_id, "SPIN");   /* SGLN location */
    assert_string_equal(l->lot, "(01)09520123111113(10)BALE-1");
    assert_true(l->volume == 2000); /* shipped 2000, received 1990 */
    assert_string_equal(l->period_start, "2024-10-20");
    assert_string_equal(l->period_end, "2024-10-22");
    lab_dataset_free(ds);
}

static void test_query_document_and_serialised_items(void **state)
{
    (void)state;
    lab_dataset *ds = new_ds();
    size_t len;
    lab_epcis_stats st;
    char *doc = read_corpus("query.json", &len);
    assert_int_equal(lab_epcis_load_memory(ds, doc, len, "q.json", &st),
                     LAB_OK);
    assert_int_equal(st.lots, 2);
    const lab_lot *a = lot(ds, "(01)09520123111113(21)S1");
    assert_true(a->quantity == 1);
    assert_string_equal(a->unit, "pcs");
    lot(ds, "(01)09520123111113(21)S2");
    lab_dataset_free(ds);
}

static void test_unknown_location_skips_with_warning(void **state)
{
    (void)state;
    lab_dataset *ds = new_ds();
    lab_epcis_stats st;
    load_ok(ds,
            DOC("{\"type\":\"ObjectEvent\",\"action\":\"ADD\",\"bizStep\":"
                "\"commissioning\",\"bizLocation\":{\"id\":\"urn:epc:id:sgln:"
                "1234567.00001.0\"},\"epcList\":[\"urn:x:lot:1\"]}"),
            &st);
    assert_int_equal(st.skipped, 1);
    assert_int_equal(lab_dataset_count(ds, LAB_RECORD_LOT), 0);
    assert_true(has_warning(ds, "events/t.json: /epcisBody/eventList/0/"
                                "bizLocation/id: 'urn:epc:id:sgln:1234567."
                                "00001.0' is not a known facility"));
    lab_dataset_free(ds);
}

static void test_location_by_supplier_id_and_other_uris(void **state)
{
    (void)state;
    lab_dataset *ds = new_ds();
    lab_epcis_stats st;
    load_ok(ds,
            DOC("{\"type\":\"ObjectEvent\",\"action\":\"ADD\",\"bizStep\":"
                "\"https://ref.gs1.org/cbv/BizStep-commissioning\","
                "\"readPoint\":{\"id\":\"MILL\"},\"quantityList\":[{"
                "\"epcClass\":\"urn:example:lot:F-1\",\"quantity\":120,"
                "\"uom\":\"MTR\"}]}"),
            &st);
    const lab_lot *l = lot(ds, "urn:example:lot:F-1");
    assert_string_equal(l->facility_id, "MILL");
    assert_true(l->quantity == 120);
    assert_string_equal(l->unit, "m");
    lab_dataset_free(ds);
}

/* Each bad document: the message names file and JSON pointer, and the
 * dataset is as it was. */
static void expect_error(const char *doc, int code, const char *want)
{
    lab_dataset *ds = new_ds();
    load_ok(ds,
            DOC("{\"type\":\"ObjectEvent\",\"action\":\"ADD\",\"bizStep\":"
                "\"commissioning\"," AT_GIN ",\"epcList\":[\"urn:x:keep\"]}"),
            NULL);
    size_t warnings = lab_dataset_warning_count(ds);
    int rc =
        lab_epcis_load_memory(ds, doc, strlen(doc), "events/po-1.json", NULL);
    if (rc != code)
        fail_msg("got %d (%s), expected %d", rc, lab_errmsg(), code);
    assert_string_equal(lab_errmsg(), want);
    assert_int_equal(lab_dataset_count(ds, LAB_RECORD_LOT), 1);
    assert_int_equal(lab_dataset_count(ds, LAB_RECORD_LOT_INPUT), 0);
    assert_int_equal(lab_dataset_count(ds, LAB_RECORD_LINK), 0);
    assert_int_equal(lab_dataset_warning_count(ds), warnings);
    lab_dataset_free(ds);
}

#define COMMISSION(q)                                                   \
    DOC("{\"type\":\"ObjectEvent\",\"action\":\"ADD\",\"bizStep\":"     \
        "\"commissioning\"," AT_GIN ",\"epcList\":[\"urn:x:a\"]},"      \
        "{\"type\":\"ObjectEvent\",\"action\":\"ADD\",\"bizStep\":"     \
        "\"commissioning\"," AT_GIN ",\"quantityList\":[{\"epcClass\":" \
        "\"urn:x:b\"," q "}]}")

static void test_bad_quantities(void **state)
{
    (void)state;
    const char *P = "events/po-1.json: /epcisBody/eventList/1/quantityList/0";
    char want[512];
    snprintf(want, sizeof want,
             "%s/quantity: expected a quantity from 0 to 1e12, got -1", P);
    expect_error(COMMISSION("\"quantity\":-1,\"uom\":\"KGM\""), LAB_ESCHEMA,
                 want);
    snprintf(want, sizeof want,
             "%s/quantity: expected a quantity from 0 to 1e12, got 1e+13", P);
    expect_error(COMMISSION("\"quantity\":1e13,\"uom\":\"KGM\""), LAB_ESCHEMA,
                 want);
    snprintf(want, sizeof want, "%s/quantity: expected a number", P);
    expect_error(COMMISSION("\"quantity\":\"NaN\",\"uom\":\"KGM\""),
                 LAB_ESCHEMA, want);
    snprintf(want, sizeof want,
             "%s/quantity: expected a whole number of instances or a uom "
             "giving the unit, got 2.5 without a uom",
             P);
    expect_error(COMMISSION("\"quantity\":2.5"), LAB_ESCHEMA, want);
    snprintf(want, sizeof want,
             "%s/uom: expected a UN/ECE Rec 20 unit labaudit converts (KGM, "
             "GRM, TNE, LBR, MTR, MTK, LTR, H87...), got 'XYZ'",
             P);
    expect_error(COMMISSION("\"quantity\":2,\"uom\":\"XYZ\""), LAB_ESCHEMA,
                 want);
    /* a number too large for a double is malformed JSON */
    expect_error(COMMISSION("\"quantity\":1e999,\"uom\":\"KGM\""), LAB_EPARSE,
                 "events/po-1.json: byte 385: real number overflow near '"
                 "1e999'");
}

static void test_lot_at_two_facilities(void **state)
{
    (void)state;
    expect_error(
        DOC("{\"type\":\"TransformationEvent\"," AT_GIN
            ",\"outputEPCList\":[\"urn:x:y\"]},"
            "{\"type\":\"TransformationEvent\",\"bizLocation\":{\"id\":"
            "\"SPIN\"},\"outputEPCList\":[\"urn:x:y\"]}"),
        LAB_ESCHEMA,
        "events/po-1.json: /epcisBody/eventList/1/outputEPCList/0: lot "
        "'urn:x:y' is made at 'SPIN' here but at 'GIN' by events/po-1.json: "
        "/epcisBody/eventList/0, expected one facility per lot");
    /* a lot an earlier load placed elsewhere */
    expect_error(DOC("{\"type\":\"TransformationEvent\",\"bizLocation\":{"
                     "\"id\":\"SPIN\"},\"outputEPCList\":[\"urn:x:keep\"]}"),
                 LAB_ESCHEMA,
                 "events/po-1.json: /epcisBody/eventList/0/outputEPCList/0: "
                 "lot 'urn:x:keep' is held by 'GIN' (events/t.json: "
                 "/epcisBody/eventList/0) but this event makes it at "
                 "'SPIN', expected one facility per lot");
}

/* Several outputs: inputs are shared by output quantity when all outputs
 * have one in one unit, else left without a quantity. */
static void test_transformation_shares(void **state)
{
    (void)state;
    lab_dataset *ds = new_ds();
    lab_epcis_stats st;
    load_ok(ds,
            DOC("{\"type\":\"TransformationEvent\"," AT_GIN
                ",\"inputQuantityList\":[{\"epcClass\":\"urn:x:seed\","
                "\"quantity\":100,\"uom\":\"KGM\"}],\"outputQuantityList\":"
                "[{\"epcClass\":\"urn:x:lint\",\"quantity\":30,\"uom\":"
                "\"KGM\"},{\"epcClass\":\"urn:x:oil\",\"quantity\":90,"
                "\"uom\":\"KGM\"}]},"
                "{\"type\":\"TransformationEvent\"," AT_GIN
                ",\"inputQuantityList\":[{\"epcClass\":\"urn:x:seed2\","
                "\"quantity\":10,\"uom\":\"KGM\"}],\"outputEPCList\":["
                "\"urn:x:hull\"],\"outputQuantityList\":[{\"epcClass\":"
                "\"urn:x:fibre\",\"quantity\":3,\"uom\":\"KGM\"}]}"),
            &st);
    assert_true(lot_input(ds, "urn:x:seed>urn:x:lint")->quantity == 25);
    assert_true(lot_input(ds, "urn:x:seed>urn:x:oil")->quantity == 75);
    assert_true(isnan(lot_input(ds, "urn:x:seed2>urn:x:hull")->quantity));
    assert_true(isnan(lot_input(ds, "urn:x:seed2>urn:x:fibre")->quantity));
    /* the seeds no event gives: held by the gin, with a warning */
    assert_string_equal(lot(ds, "urn:x:seed")->facility_id, "GIN");
    assert_true(has_warning(ds, "events/t.json: /epcisBody/eventList/0: "
                                "input lot 'urn:x:seed' is not given by any "
                                "event or lots.csv"));
    assert_int_equal(lab_ds_index(ds), LAB_OK);
    lab_dataset_free(ds);
}

static void test_bad_identifiers_and_values(void **state)
{
    (void)state;
    expect_error(DOC("{\"type\":\"ObjectEvent\",\"action\":\"ADD\","
                     "\"bizStep\":\"commissioning\",\"bizLocation\":{\"id\":"
                     "\"urn:epc:id:sgln:952.45678.0\"}}"),
                 LAB_ESCHEMA,
                 "events/po-1.json: /epcisBody/eventList/0/bizLocation/id: "
                 "expected urn:epc:id:sgln:CompanyPrefix.LocationRef."
                 "Extension (12 digits), got 'urn:epc:id:sgln:952.45678.0'");
    expect_error(DOC("{\"type\":\"ObjectEvent\",\"action\":\"ADD\","
                     "\"bizStep\":\"commissioning\"," AT_GIN
                     ",\"epcList\":[\"urn:epc:class:lgtin:9520123.01.L\"]}"),
                 LAB_ESCHEMA,
                 "events/po-1.json: /epcisBody/eventList/0/epcList/0: "
                 "expected urn:epc:class:lgtin:CompanyPrefix.ItemRef.Lot (13 "
                 "digits, then 1 to 20 GS1 characters), got "
                 "'urn:epc:class:lgtin:9520123.01.L'");
    expect_error(DOC("{\"type\":\"ObjectEvent\",\"action\":\"ADD\","
                     "\"bizStep\":\"commissioning\"," AT_GIN
                     ",\"epcList\":[\"https://id.gs1.org/01/09520123111118/"
                     "10/L\"]}"),
                 LAB_ESCHEMA,
                 "events/po-1.json: /epcisBody/eventList/0/epcList/0: "
                 "expected a GTIN with a valid check digit after /01/, got "
                 "'https://id.gs1.org/01/09520123111118/10/L'");
    expect_error(DOC("{\"type\":\"ObjectEvent\",\"action\":\"ADD\","
                     "\"bizStep\":\"commissioning\"," AT_GIN
                     ",\"ilmd\":{\"labaudit:custody\":\"vague\"},"
                     "\"epcList\":[\"urn:x:a\"]}"),
                 LAB_ESCHEMA,
                 "events/po-1.json: /epcisBody/eventList/0/ilmd/"
                 "labaudit:custody: expected one of unknown "
                 "identity_preserved segregated mass_balance book_and_claim");
    expect_error(DOC("{\"type\":\"ObjectEvent\",\"eventTime\":\"yesterday\"}"),
                 LAB_ESCHEMA,
                 "events/po-1.json: /epcisBody/eventList/0/eventTime: "
                 "expected an ISO 8601 date and time");
    /* a value lab_ds_row refuses is named at the event too */
    expect_error(DOC("{\"type\":\"ObjectEvent\",\"action\":\"ADD\","
                     "\"bizStep\":\"commissioning\"," AT_GIN
                     ",\"epcList\":[\"urn:x:\\u200b\"]}"),
                 LAB_ESCHEMA,
                 "events/po-1.json: /epcisBody/eventList/0: lot id holds the "
                 "invisible character U+200B at byte 7, expected an id of "
                 "visible characters (ids are compared byte for byte)");
}

static void test_bad_documents(void **state)
{
    (void)state;
    expect_error("{\"type\":\"EPCISMasterDataDocument\"}", LAB_ESCHEMA,
                 "events/po-1.json: /type: expected EPCISDocument or "
                 "EPCISQueryDocument, got 'EPCISMasterDataDocument'");
    expect_error("{\"type\":\"EPCISDocument\",\"epcisBody\":{\"eventList\":["
                 "{\"type\":\"ObjectEvent\"}",
                 LAB_EPARSE, "events/po-1.json: byte 73: expected ',' or ']'");
    expect_error("{\"type\":\"EPCISDocument\"} x", LAB_EPARSE,
                 "events/po-1.json: byte 26: expected the end of the "
                 "document after its closing '}'");
    expect_error(DOC("[1]"), LAB_ESCHEMA,
                 "events/po-1.json: /epcisBody/eventList/0: expected an event "
                 "object");
    expect_error(DOC("{\"type\":\"ObjectEvent\",\"type\":\"X\"}"), LAB_EPARSE,
                 "events/po-1.json: byte 100: duplicate object key near "
                 "'\"type\"'");
}

/* A failed load inside lab_dataset_load leaves nothing; events/ joins the
 * folder after the CSV files, in file-name order. */
static void write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static void test_dataset_folder_events(void **state)
{
    (void)state;
    char root[] = "/tmp/test_epcis_XXXXXX", ev[64];
    assert_non_null(mkdtemp(root));
    write_file(root, "suppliers.csv",
               "id,name,country,role,gln\nGIN,Gin,IN,gin,9520123456788\n"
               "SPIN,Spinner,IN,spinner,9520123456795\n");
    write_file(root, "links.csv", "supplier_id,buyer_id\n");
    write_file(root, "audits.csv", "id,supplier_id,start_date\n");
    snprintf(ev, sizeof ev, "%s/events", root);
    assert_int_equal(mkdir(ev, 0700), 0);
    size_t len;
    write_file(ev, "a-commission.json", read_corpus("commission.json", &len));
    write_file(ev, "b-ship.json", read_corpus("ship.json", &len));
    write_file(ev, "c-transform.jsonld", read_corpus("transform.json", &len));
    lab_dataset *ds = NULL;
    assert_int_equal(lab_dataset_new(&ds), LAB_OK);
    if (lab_dataset_load(ds, root) != LAB_OK)
        fail_msg("%s", lab_errmsg());
    assert_int_equal(lab_dataset_count(ds, LAB_RECORD_LOT), 2);
    assert_int_equal(lab_dataset_count(ds, LAB_RECORD_LOT_INPUT), 1);
    assert_int_equal(lab_dataset_count(ds, LAB_RECORD_LINK), 1);
    /* the shipment is there: no warning about a missing link */
    assert_false(has_warning(ds, "but no link"));
    lab_dataset_free(ds);

    /* one bad file: nothing at all is loaded */
    write_file(ev, "d-bad.json", read_corpus("bad_qty.json", &len));
    assert_int_equal(lab_dataset_new(&ds), LAB_OK);
    assert_int_equal(lab_dataset_load(ds, root), LAB_ESCHEMA);
    assert_non_null(strstr(lab_errmsg(), "/events/d-bad.json: /epcisBody/"
                                         "eventList/0/quantityList/0/"
                                         "quantity: expected"));
    for (int k = 0; k <= LAB_RECORD_LOT_INPUT; k++)
        assert_int_equal(lab_dataset_count(ds, (lab_record_kind)k), 0);
    assert_int_equal(lab_dataset_warning_count(ds), 0);
    lab_dataset_free(ds);

    /* the public entry point: all or nothing, and indexed */
    assert_int_equal(lab_dataset_new(&ds), LAB_OK);
    add_supplier(ds, "GIN", "gin", "9520123456788");
    add_supplier(ds, "SPIN", "spinner", "9520123456795");
    char one[600];
    snprintf(one, sizeof one, "%s/a-commission.json", ev);
    assert_int_equal(lab_dataset_load_epcis(ds, one), LAB_OK);
    assert_int_equal(lab_dataset_count(ds, LAB_RECORD_LOT), 1);
    assert_int_equal(lab_dataset_load_epcis(ds, ev), LAB_ESCHEMA);
    assert_int_equal(lab_dataset_count(ds, LAB_RECORD_LOT), 1);
    lab_dataset_free(ds);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    assert_int_equal(system(cmd), 0);
}

/* The GS1 EPCIS 2.0 standard's own examples (tests/data/epcis). */
static void load_example(const char *name, lab_epcis_stats *st)
{
    char path[512];
    snprintf(path, sizeof path, "%s/tests/data/epcis/%s", LAB_SOURCE_DIR, name);
    lab_dataset *ds = new_ds();
    if (lab_epcis_load(ds, path, st) != LAB_OK)
        fail_msg("%s", lab_errmsg());
    if (lab_ds_index(ds) != LAB_OK)
        fail_msg("%s", lab_errmsg());
    lab_dataset_free(ds);
}

static void test_gs1_examples_load(void **state)
{
    (void)state;
    lab_epcis_stats st;
    load_example("Example_9.6.1-ObjectEvent.jsonld", &st);
    assert_int_equal(st.object, 2);
    load_example("Example_9.6.3-AggregationEvent.jsonld", &st);
    assert_true(st.aggregation >= 1);
    load_example("Example_9.6.4-TransformationEvent.jsonld", &st);
    assert_int_equal(st.transformation, 1);
    assert_int_equal(st.lots, 4 + 4); /* 4 serialised outputs, 4 inputs */
    assert_int_equal(st.lot_inputs, 4 * 4);
    load_example("Example_9.6.4-TransformationEventWithDigitalLink.jsonld",
                 &st);
    assert_int_equal(st.lot_inputs, 4 * 4);
    load_example("EPCISQueryDocument.jsonld", &st);
    assert_true(st.events >= 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_commissioning_makes_origin_lots),
        cmocka_unit_test(test_transformation_grouped_by_id),
        cmocka_unit_test(test_shipping_and_receiving_make_one_link),
        cmocka_unit_test(test_query_document_and_serialised_items),
        cmocka_unit_test(test_unknown_location_skips_with_warning),
        cmocka_unit_test(test_location_by_supplier_id_and_other_uris),
        cmocka_unit_test(test_bad_quantities),
        cmocka_unit_test(test_lot_at_two_facilities),
        cmocka_unit_test(test_transformation_shares),
        cmocka_unit_test(test_bad_identifiers_and_values),
        cmocka_unit_test(test_bad_documents),
        cmocka_unit_test(test_dataset_folder_events),
        cmocka_unit_test(test_gs1_examples_load),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
