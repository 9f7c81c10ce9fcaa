/*
 * internal.h - what every part of the library shares and no host sees:
 * setting the per-thread error message, checked allocation, a bump arena,
 * a growable byte buffer, and interned strings.  Everything here is plain
 * C17 with no global state beyond the thread-local error message.
 */
#ifndef LAB_INTERNAL_H
#define LAB_INTERNAL_H

#include "labaudit.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define LAB_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define LAB_PRINTF(a, b)
#endif

#define LAB_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Rule subjects, and their names indexed by lab_subject (api.c). */
enum { LAB_SUBJECT_COUNT_ = LAB_SUBJECT_NONCOMPLIANCE + 1 };
extern const char *const lab_subject_names[LAB_SUBJECT_COUNT_];

/* ---- errors ---- */

/* Sets this thread's message and returns `code`, so callers can write
 * `return lab_seterr(LAB_EPARSE, "%s:%u:%u: ...", ...)`. */
int lab_seterr(int code, const char *fmt, ...) LAB_PRINTF(2, 3);
int lab_vseterr(int code, const char *fmt, va_list ap) LAB_PRINTF(2, 0);
/* Prefixes the current message with "prefix: " (keeps the code). */
int lab_preerr(int code, const char *fmt, ...) LAB_PRINTF(2, 3);
void lab_clearerr(void);

/* A position in an input, for messages of the form file:line:col. */
typedef struct lab_pos {
    const char *file;
    unsigned line;
    unsigned col;
} lab_pos;

/* ---- allocation: never aborts; callers return LAB_ENOMEM on NULL ---- */

void *lab_malloc(size_t n);
void *lab_calloc(size_t count, size_t size);
void *lab_realloc(void *p, size_t n);
/* realloc for count*size, refusing overflow. */
void *lab_reallocarray(void *p, size_t count, size_t size);
char *lab_strdup(const char *s);
char *lab_strndup(const char *s, size_t n);

/* Grows *items (of `size` bytes each) so it holds at least `need`;
 * *cap is updated.  Returns LAB_OK or LAB_ENOMEM. */
int lab_grow(void **items, size_t *cap, size_t need, size_t size);

/* ---- arena: many small allocations freed together ---- */

typedef struct lab_arena_block lab_arena_block;
typedef struct lab_arena {
    lab_arena_block *head;
    size_t block_size;
    size_t total; /* bytes handed out, for statistics */
} lab_arena;

void lab_arena_init(lab_arena *a, size_t block_size);
void *lab_arena_alloc(lab_arena *a, size_t n); /* 16-byte aligned */
char *lab_arena_strndup(lab_arena *a, const char *s, size_t n);
/* Keeps the first block and forgets the rest (for per-evaluation scratch). */
void lab_arena_reset(lab_arena *a);
void lab_arena_free(lab_arena *a);

/* ---- growable byte buffer, always NUL-terminated once used ---- */

/* A buffer's sink takes what was appended, so that an output of any size
 * goes out in pieces (lab_buf_flush): LAB_OK to go on, or an error code,
 * which stops further appends. */
typedef int (*lab_buf_sink)(void *ud, const char *data, size_t n);

typedef struct lab_buf {
    char *data;
    size_t len;
    size_t cap;
    int oom; /* set on the first failed allocation; later appends no-op */
    lab_buf_sink sink; /* NULL: the buffer keeps everything */
    void *sink_ud;
    int sink_rc; /* the sink's error, once it failed */
} lab_buf;

#define LAB_BUF_INIT                 \
    {                                \
        NULL, 0, 0, 0, NULL, NULL, 0 \
    }

/* With a sink, an append that finds this much held flushes it first. */
#define LAB_BUF_FLUSH ((size_t)1 << 20)

void lab_buf_add(lab_buf *b, const void *p, size_t n);
void lab_buf_adds(lab_buf *b, const char *s);
void lab_buf_addc(lab_buf *b, char c);
void lab_buf_printf(lab_buf *b, const char *fmt, ...) LAB_PRINTF(2, 3);
/* Appends s as a JSON string literal (with quotes), escaping as RFC 8259. */
void lab_buf_add_json_string(lab_buf *b, const char *s, size_t n);
/* Hands what the buffer holds to its sink and empties it: LAB_OK, the
 * sink's error, or LAB_ENOMEM if an append failed. */
int lab_buf_flush(lab_buf *b);
/* Hands the buffer to the caller (LAB_ENOMEM if any append failed). */
int lab_buf_detach(lab_buf *b, char **out);
void lab_buf_free(lab_buf *b);

/* ---- progress: calls a lab_progress_fn every so often ---- */

typedef struct lab_meter {
    lab_progress_fn fn; /* NULL: nothing is reported */
    void *ud;
    uint64_t done, total, next;
} lab_meter;

/* Counts n more done; calls fn when another hundredth of the total (or,
 * with no total, another 64 Ki units) is done. */
void lab_meter_add(lab_meter *m, uint64_t n);
/* Reports done == total once the work is over. */
void lab_meter_end(lab_meter *m);

/* ---- interned strings: equal text, equal pointer ---- */

typedef struct lab_strslot {
    const char *s; /* NULL = empty */
    uint32_t len;
    uint32_t tag; /* top bits of the hash */
} lab_strslot;

typedef struct lab_strtab {
    lab_arena arena;
    lab_strslot *slots; /* open addressing, at most half full */
    size_t cap;
    size_t count;
} lab_strtab;

int lab_strtab_init(lab_strtab *t);
void lab_strtab_free(lab_strtab *t);
/* Returns the interned copy of s[0..n) (NUL-terminated), or NULL on OOM. */
const char *lab_strtab_intern(lab_strtab *t, const char *s, size_t n);
/* Returns the interned copy if present, else NULL (no allocation). */
const char *lab_strtab_find(const lab_strtab *t, const char *s, size_t n);

uint64_t lab_hash(const void *p, size_t n);

/* ---- numbers ---- */

/* Formats a double as ECMAScript's Number::toString does (shortest
 * round-trip digits; "1e+21", "1.5e-7", "-0" printed as "0").  NaN and
 * infinities give "NaN", "Infinity", "-Infinity".  buf needs 32 bytes.
 * Returns the length written. */
size_t lab_num_format(char buf[32], double d);

/* Parses a whole string as a decimal number (optional sign, digits,
 * fraction, exponent; no hex, no inf/nan, no surrounding blanks).
 * Returns 1 and sets *out on success, 0 otherwise. */
int lab_num_parse(const char *s, size_t n, double *out);

/* ---- small text helpers ---- */

/* Checks that s[0..n) is valid UTF-8 (no overlongs, no surrogates).
 * Returns the byte offset of the first bad byte, or n if all is valid. */
size_t lab_utf8_check(const char *s, size_t n);

/* Reads a whole file (at most `limit` bytes) into a NUL-terminated buffer. */
int lab_read_file(char **out, size_t *len, const char *path, size_t limit);

/* ---- files (fileio.c): the one reader, the one writer ---- */

/* Opens path for reading, refusing anything but a regular file ("FILE:
 * not a regular file (a FIFO)") without blocking on a FIFO.  extra_flags
 * are added to O_RDONLY (e.g. O_NOFOLLOW). */
int lab_open_regular(int *fd, const char *path, int extra_flags);
/* "a FIFO", "a directory", ... for a st_mode. */
const char *lab_file_kind(unsigned mode);
/* LAB_EPARSE naming `what` and the byte offset if data holds a NUL. */
int lab_check_nul(const char *what, const char *data, size_t n);
/* lab_read_file for text: a NUL byte is an error. */
int lab_read_text_file(char **out, size_t *len, const char *path, size_t limit);
/* Writes an output file by the one rule (see lab_file_write in
 * labaudit.h); flags are LAB_FILE_*, or LAB_FILE_LINK_REPLACE_ for key
 * files: a symbolic link at path is itself replaced, never followed. */
enum { LAB_FILE_LINK_REPLACE_ = 0x100 };
int lab_write_file(const char *path, const void *data, size_t n, unsigned mode,
                   unsigned flags);
/* The names of the files in folder dir that end with one of the
 * NULL-terminated suffixes (not those starting with '.'), sorted by byte
 * value, into *out (free each and the array with lab_dir_free); more than
 * max of them is LAB_ELIMIT naming `what` ("reports"). */
int lab_dir_list(char ***out, size_t *count, const char *dir,
                 const char *const *suffixes, size_t max, const char *what);
void lab_dir_free(char **names, size_t count);
/* Appends s[0..n) for a terminal: C0 controls but \n and \t, DEL and
 * invalid UTF-8 as \xHH; C1 controls and bidi overrides as \uHHHH. */
void lab_buf_add_terminal(lab_buf *b, const char *s, size_t n);

/* SHA-256 of a buffer as 64 lowercase hex digits plus NUL. */
int lab_sha256_hex(char out[65], const void *p, size_t n);

#endif /* LAB_INTERNAL_H */
