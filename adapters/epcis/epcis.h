/*
 * epcis.h - the GS1 EPCIS 2.0 adapter: traceability events in JSON or
 * JSON-LD (an EPCISDocument's epcisBody.eventList, or an
 * EPCISQueryDocument's queryResults.resultsBody.eventList) become lots,
 * lot inputs and links (shipments).  Commissioning object events make
 * origin lots, transformation events make the lots they output and one
 * lot input per input, shipping and receiving events make links naming
 * the lot.  Locations (SGLN, PGLN, GS1 Digital Link 414/417, or a
 * supplier id) resolve to the supplier whose gln, else whose id, matches,
 * so suppliers must be loaded first.  The document streams: each event is
 * parsed on its own, so memory grows with the records made, not with the
 * file.
 */
#ifndef LAB_EPCIS_H
#define LAB_EPCIS_H

#include "dataset.h"

/* Limits; beyond them a document is refused with LAB_ELIMIT. */
enum {
    LAB_EPCIS_MAX_VALUE = 8 << 20, /* bytes of one event or other member */
    LAB_EPCIS_MAX_FILES = 100000   /* documents in one folder */
};

/* What a load read, per kind of event. */
typedef struct lab_epcis_stats {
    size_t events;         /* every event read */
    size_t object;         /* ObjectEvents */
    size_t transformation; /* TransformationEvents */
    size_t aggregation;    /* AggregationEvents: parsed, no records */
    size_t other;          /* Association and Transaction events: unused */
    size_t skipped;        /* unknown types, unknown locations */
    size_t lots, lot_inputs, links; /* records added */
} lab_epcis_stats;

/*
 * Reads one document (path) or every *.json and *.jsonld file of a folder
 * (in byte order of their names) into ds.  All or nothing: on error
 * nothing is added and the message names the file and the JSON pointer
 * of the bad value.  stats may be NULL.
 */
int lab_epcis_load(lab_dataset *ds, const char *path, lab_epcis_stats *stats);

/* The same over one document in memory (tests, fuzzing); `name` is used
 * in messages. */
int lab_epcis_load_memory(lab_dataset *ds, const char *data, size_t len,
                          const char *name, lab_epcis_stats *stats);

#endif /* LAB_EPCIS_H */
