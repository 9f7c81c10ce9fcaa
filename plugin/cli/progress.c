/*
 * progress.c - what the command shows on a terminal while it works, and
 * how it writes a report of any size.  A run has three steps, each with
 * its own line on stderr: loading (bytes of the dataset's files, or rows
 * of a database), checking (records evaluated) and writing (bytes
 * written).  Lines are redrawn at most ten times a second; nothing is
 * shown unless stderr is a terminal and -q was not given, so logs and
 * pipes stay clean.  Reports go out through lab_report_write() into
 * lab_file_open()'s temporary, so that memory does not grow with the
 * report and a failure leaves the old file as it was.
 */
#include "cli.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int cli_progress_wanted(void)
{
    return !cli_quiet && isatty(STDERR_FILENO);
}

void cli_meter_init(cli_meter *m, const char *what, const char *unit)
{
    memset(m, 0, sizeof *m);
    m->what = what;
    m->unit = unit;
    m->on = cli_progress_wanted();
}

/* "84.2 MB" for bytes, "65536" for a count. */
static void amount(char *out, size_t n, const cli_meter *m, size_t v)
{
    if (strcmp(m->unit, "bytes") == 0)
        snprintf(out, n, "%.1f MB", (double)v / 1e6);
    else
        snprintf(out, n, "%zu", v);
}

static void draw(cli_meter *m)
{
    char done[32], total[32];
    amount(done, sizeof done, m, m->done);
    if (m->total > 0) {
        amount(total, sizeof total, m, m->total);
        int pct = (int)((double)m->done * 100.0 / (double)m->total);
        fprintf(stderr, "\r%s: %s of %s%s%s (%d%%)  ", m->what, done, total,
                strcmp(m->unit, "bytes") == 0 ? "" : " ",
                strcmp(m->unit, "bytes") == 0 ? "" : m->unit,
                pct > 100 ? 100 : pct);
    } else {
        fprintf(stderr, "\r%s: %s%s%s  ", m->what, done,
                strcmp(m->unit, "bytes") == 0 ? "" : " ",
                strcmp(m->unit, "bytes") == 0 ? "" : m->unit);
    }
    fflush(stderr);
    m->shown = 1;
}

void cli_meter_update(void *ud, size_t done, size_t total)
{
    cli_meter *m = ud;
    if (!m->on)
        return;
    m->done = done;
    m->total = total;
    double now = cli_seconds();
    if (m->shown && now - m->last < 0.1)
        return;
    m->last = now;
    draw(m);
}

void cli_meter_done(cli_meter *m)
{
    if (!m->on || !m->shown)
        return;
    draw(m); /* the last figures, which the rate limit may have held */
    fputc('\n', stderr);
    m->shown = 0;
}

/* ---- writing a report ---- */

typedef struct {
    lab_file *file; /* NULL: stdout */
    cli_meter meter;
    size_t bytes;
    int err; /* errno of a failed write to stdout */
} report_out;

static int put(void *ud, const void *data, size_t len)
{
    report_out *w = ud;
    int rc = LAB_OK;
    if (w->file != NULL)
        rc = lab_file_put(w->file, data, len);
    else if (fwrite(data, 1, len, stdout) != len) {
        w->err = errno != 0 ? errno : EIO;
        rc = LAB_EIO;
    }
    w->bytes += len;
    cli_meter_update(&w->meter, w->bytes, 0);
    return rc;
}

int write_report(const char *path, const lab_report *rep, lab_format fmt)
{
    report_out w = {0};
    int to_stdout = path == NULL || strcmp(path, "-") == 0;
    cli_meter_init(&w.meter, "writing", "bytes");
    /* on a terminal the report itself is what the user watches */
    if (to_stdout && isatty(STDOUT_FILENO))
        w.meter.on = 0;
    if (!to_stdout) {
        int rc = lab_file_open(&w.file, path, 0, 0);
        if (rc != LAB_OK)
            return fail(rc, "output");
    }
    int rc = lab_report_write(rep, fmt, put, &w);
    if (to_stdout) {
        if (fflush(stdout) != 0 && w.err == 0)
            w.err = errno != 0 ? errno : EIO;
        cli_meter_done(&w.meter);
        if (w.err != 0) {
            fprintf(stderr, "%s: output: cannot write: %s\n", prog,
                    strerror(w.err));
            return EXIT_USAGE;
        }
        return rc == LAB_OK ? 0 : fail(rc, "output");
    }
    if (rc == LAB_OK) {
        rc = lab_file_commit(w.file);
    } else {
        lab_file_abort(w.file);
    }
    cli_meter_done(&w.meter);
    return rc == LAB_OK ? 0 : fail(rc, "output");
}
