/*
 * fuzz_file.h - for fuzz targets whose parser reads a file by path
 * (rule packs, waivers, reference lists): one temporary file per process,
 * made on first use and removed at exit, rewritten with each input.
 * Static functions: each target includes it once.
 */
#ifndef LAB_FUZZ_FILE_H
#define LAB_FUZZ_FILE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char fuzz_path[64];
static int fuzz_fd = -1;

static void fuzz_file_remove(void)
{
    unlink(fuzz_path);
}

/* The temporary file's path, holding data[0..size); made named after the
 * target (in $TMPDIR when it is short, else /tmp) on the first call. */
static const char *fuzz_file(const char *target, const uint8_t *data,
                             size_t size)
{
    if (fuzz_fd < 0) {
        const char *tmp = getenv("TMPDIR");
        snprintf(fuzz_path, sizeof fuzz_path, "%s/%s.XXXXXX",
                 tmp != NULL && strlen(tmp) < 30 ? tmp : "/tmp", target);
        fuzz_fd = mkstemp(fuzz_path);
        if (fuzz_fd < 0)
            abort();
        atexit(fuzz_file_remove);
    }
    if (ftruncate(fuzz_fd, 0) != 0 ||
        pwrite(fuzz_fd, data, size, 0) != (ssize_t)size)
        abort();
    return fuzz_path;
}

#endif /* LAB_FUZZ_FILE_H */
