/*
 * csv.h - a streaming RFC 4180 reader.  It reads a file in fixed-size
 * chunks and hands each record to a callback as an array of fields with
 * their line and column, so memory is bounded by the longest record, not
 * the file.  Quotes, doubled quotes, embedded newlines, CRLF or LF line
 * ends and a leading UTF-8 byte-order mark are understood; NUL bytes,
 * invalid UTF-8, an unterminated quote, text after a closing quote, a
 * field or record over the limits are errors naming file:line:col.
 */
#ifndef LAB_CSV_H
#define LAB_CSV_H

#include "internal.h"

#include <stdio.h>

/* Limits; a reader refuses input beyond them with LAB_ELIMIT. */
enum {
    LAB_CSV_MAX_FIELD = 1 << 20, /* bytes in one field (1 MiB) */
    LAB_CSV_MAX_FIELDS = 4096,   /* fields in one record */
    LAB_CSV_MAX_RECORD = 4 << 20 /* bytes in one record (4 MiB) */
};

/* One field of the current record.  `text` is NUL-terminated and valid
 * only during the callback. */
typedef struct lab_csv_field {
    const char *text;
    size_t len;
    unsigned line, col; /* where the field starts, 1-based */
} lab_csv_field;

/* Called for every record (the header line included).  Return LAB_OK to
 * go on, or an error code (with lab_seterr) to stop the reader, which
 * then returns that code. */
typedef int (*lab_csv_row_fn)(void *ud, const lab_csv_field *fields,
                              size_t nfields, unsigned line);

/* Reads `path` to the end, calling fn per record.  Blank lines are
 * skipped.  Returns LAB_OK, the callback's error, or LAB_EIO, LAB_EPARSE,
 * LAB_ELIMIT, LAB_ENOMEM with a message naming path:line:col. */
int lab_csv_read_file(const char *path, lab_csv_row_fn fn, void *ud);
/* The same, counting the bytes read on `meter` (a load's progress). */
int lab_csv_read_file_metered(const char *path, lab_meter *meter,
                              lab_csv_row_fn fn, void *ud);
/* The same over a memory buffer (for tests and fuzzing); `name` is used
 * in messages. */
int lab_csv_read_buffer(const char *data, size_t len, const char *name,
                        lab_csv_row_fn fn, void *ud);
/* lab_csv_read_buffer() reading `chunk` new bytes at a time instead of
 * 64 KiB, as the file reader does: tests and the fuzzer use it to split
 * the input at every possible place. */
int lab_csv_read_buffer_chunked(const char *data, size_t len, const char *name,
                                size_t chunk, lab_csv_row_fn fn, void *ud);

#endif /* LAB_CSV_H */
