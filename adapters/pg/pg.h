/*
 * pg.h - the PostgreSQL adapter, inside the library: connecting with a
 * pinned session (search_path, DateStyle, UTF-8, an application name),
 * turning libpq failures into this thread's message, reading records
 * through a mapping file of one SQL query per record kind (pg_load.c),
 * and the tamper-evident ledger of runs and findings (ledger.c).  Every
 * statement goes through PQexecParams or PQsendQueryParams with
 * out-of-line parameters; every result is cleared.
 */
#ifndef LAB_PG_H
#define LAB_PG_H

#include "dataset.h"

#include <libpq-fe.h>

/* The reference mapping (examples/sql/mapping.ini), compiled in; used when
 * no mapping file is given. */
extern const char lab_pg_default_mapping[];
extern const size_t lab_pg_default_mapping_len;

/*
 * Connects with `conninfo` (a libpq key=value string or a postgresql://
 * URI; the caller's sslmode and other options are kept) and pins the
 * session: client_encoding UTF8, DateStyle ISO, TimeZone UTC, and
 * search_path "pg_catalog" followed by `schema` if not NULL.  On failure
 * returns LAB_EDB with libpq's reason, password never included.
 */
int lab_pg_connect(PGconn **out, const char *conninfo, const char *schema);

/* Runs one statement with text parameters and no result rows expected
 * beyond what the caller reads; *res (if not NULL) receives the result,
 * else it is cleared.  Fails with LAB_EDB naming `what` and the server's
 * message unless the status is COMMAND_OK or TUPLES_OK. */
int lab_pg_exec(PGconn *c, PGresult **res, const char *what, const char *sql,
                int nparams, const char *const *params);

/* Sets this thread's message from the connection or a result and returns
 * LAB_EDB: "WHAT: <server or libpq message, one line>". */
int lab_pg_fail(PGconn *c, const PGresult *r, const char *what);

/*
 * Reads records through the mapping at `mapping_path` (NULL: the
 * compiled-in reference mapping) from the database at `conninfo` into ds.
 * Does not roll back or index: lab_dataset_load_pg() does both.
 */
int lab_pg_load(lab_dataset *ds, const char *conninfo,
                const char *mapping_path);

#endif /* LAB_PG_H */
