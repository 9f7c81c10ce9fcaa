/*
 * listmeta.h - the small JSON file kept beside a fetched reference list
 * (LIST.meta: where it came from, when, its ETag and Last-Modified, and
 * the SHA-256 of what arrived), read when the engine loads the list so
 * that reports can name the version in force, and written by the HTTP
 * adapter after a fetch.  JSON (through jansson) rather than a format of
 * our own, so there is no new parser of text that came off the network.
 */
#ifndef LAB_LISTMETA_H
#define LAB_LISTMETA_H

#include "internal.h"

#include <stdint.h>

typedef struct lab_listmeta {
    char *url;
    char *fetched_at; /* RFC 3339 UTC */
    char *etag;
    char *last_modified;
    char sha256[65];
} lab_listmeta;

/* Reads LIST.meta for the list at `list_path` into *m (all NULL first).
 * LAB_ENOTFOUND when there is none; LAB_EPARSE when it is not an object
 * with string members (unknown members are ignored). */
int lab_listmeta_read(lab_listmeta *m, const char *list_path);
/* Writes LIST.meta atomically (temporary file and rename). */
int lab_listmeta_write(const lab_listmeta *m, const char *list_path);
void lab_listmeta_free(lab_listmeta *m);

/* For the engine's loader: when LIST.meta describes the very bytes
 * loaded (same SHA-256), sets *source and *fetched_at to copies in `a`;
 * otherwise leaves them alone.  Never fails: a list without metadata (or
 * with metadata that no longer matches) is simply a local file. */
void lab_listmeta_apply(lab_arena *a, const char *list_path, const char *sha256,
                        const char **source, const char **fetched_at);

/* Seconds since the epoch of an RFC 3339 UTC time "YYYY-MM-DDThh:mm:ssZ";
 * -1 if it is not one. */
int64_t lab_listmeta_time(const char *s);

#endif /* LAB_LISTMETA_H */
