/*
 * pg_conn.c - opening a PostgreSQL session the way every part of the
 * adapter needs it: libpq's own parsing of the caller's connection string
 * (so sslmode, sslrootcert and the rest pass through untouched), a
 * connect timeout and application name the caller may override, UTF-8
 * forced, and the session pinned with parameterised set_config calls
 * (search_path, DateStyle, TimeZone) before any query from a mapping or
 * the ledger runs.  It also turns libpq's multi-line messages into the
 * one-line message of this thread.
 */
#include "pg/pg.h"

#include <stdio.h>
#include <string.h>

/* Copies msg into buf as one line: newlines become "; ", trailing blanks
 * go. */
static void one_line(char *buf, size_t cap, const char *msg)
{
    size_t j = 0;
    for (size_t i = 0; msg != NULL && msg[i] != '\0' && j + 3 < cap; i++) {
        if (msg[i] == '\n') {
            if (msg[i + 1] != '\0') {
                buf[j++] = ';';
                buf[j++] = ' ';
            }
        } else if (msg[i] != '\r') {
            buf[j++] = msg[i];
        }
    }
    while (j > 0 && (buf[j - 1] == ' ' || buf[j - 1] == ';'))
        j--;
    buf[j] = '\0';
}

int lab_pg_fail(PGconn *c, const PGresult *r, const char *what)
{
    char line[1024];
    const char *msg = NULL;
    if (r != NULL)
        msg = PQresultErrorMessage(r);
    if ((msg == NULL || msg[0] == '\0') && c != NULL)
        msg = PQerrorMessage(c);
    one_line(line, sizeof line, msg);
    if (line[0] == '\0')
        snprintf(line, sizeof line, "%s",
                 c != NULL && PQstatus(c) == CONNECTION_BAD
                     ? "the connection to the server was lost"
                     : "unknown database error");
    return lab_seterr(LAB_EDB, "%s: %s", what, line);
}

int lab_pg_exec(PGconn *c, PGresult **res, const char *what, const char *sql,
                int nparams, const char *const *params)
{
    PGresult *r = PQexecParams(c, sql, nparams, NULL, params, NULL, NULL, 0);
    if (r == NULL)
        return lab_pg_fail(c, NULL, what);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        int rc = lab_pg_fail(c, r, what);
        PQclear(r);
        return rc;
    }
    if (res != NULL)
        *res = r;
    else
        PQclear(r);
    return LAB_OK;
}

/* search_path is pg_catalog first, then each comma-separated schema
 * quoted by the server; the schema names travel as a parameter. */
static const char pin_sql[] =
    "SELECT pg_catalog.set_config('search_path', "
    "pg_catalog.concat_ws(', ', 'pg_catalog', (SELECT "
    "pg_catalog.string_agg(pg_catalog.quote_ident(pg_catalog.btrim(s)), ', ')"
    " FROM pg_catalog.unnest(pg_catalog.string_to_array($1, ',')) AS s "
    "WHERE pg_catalog.btrim(s) <> '')), false), "
    "pg_catalog.set_config('datestyle', 'ISO, YMD', false), "
    "pg_catalog.set_config('timezone', 'UTC', false), "
    "pg_catalog.set_config('extra_float_digits', '3', false)";

/* Server notices (CREATE ... IF NOT EXISTS says "already exists") are
 * dropped: the library never prints. */
static void no_notices(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

int lab_pg_connect(PGconn **out, const char *conninfo, const char *schema)
{
    if (out == NULL || conninfo == NULL)
        return lab_seterr(LAB_EINVAL, "PostgreSQL: no connection string");
    /* Later keywords win: the caller's string may override the timeout
     * and application name, never the encoding. */
    const char *const keys[] = {"connect_timeout", "fallback_application_name",
                                "dbname", "client_encoding", NULL};
    const char *const vals[] = {"10", "labaudit", conninfo, "UTF8", NULL};
    PGconn *c = PQconnectdbParams(keys, vals, 1);
    if (c == NULL)
        return lab_seterr(LAB_ENOMEM, "PostgreSQL: out of memory");
    if (PQstatus(c) != CONNECTION_OK) {
        int rc = lab_pg_fail(c, NULL, "PostgreSQL: cannot connect");
        PQfinish(c);
        return rc;
    }
    PQsetNoticeProcessor(c, no_notices, NULL);
    const char *params[1] = {schema};
    int rc = lab_pg_exec(c, NULL, "PostgreSQL: pinning the session", pin_sql, 1,
                         params);
    if (rc != LAB_OK) {
        PQfinish(c);
        return rc;
    }
    *out = c;
    return LAB_OK;
}
