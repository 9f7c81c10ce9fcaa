/*
 * fileio.c - the one way the library (and the CLI, through the public
 * lab_file_* calls) opens an input, writes an output and puts input-derived
 * text in front of a terminal.  Inputs must be regular files: they are
 * opened non-blocking so that a FIFO never hangs the open, then refused
 * unless fstat says S_ISREG.  Outputs follow one rule: a path naming a
 * device, FIFO or socket is written in place (a FIFO without a reader is
 * an error, not a hang), a directory is refused, and a regular file (or a
 * new path) is replaced atomically by a temporary file in the same folder,
 * fsync and rename; a symbolic link is followed, so its target is
 * replaced and the link stays.  An output can be written whole
 * (lab_write_file) or in pieces (lab_file_open, put, commit or abort), by
 * the same code.  Text for a terminal has its control
 * characters, invalid UTF-8 and bidirectional overrides escaped.  Folders
 * of inputs (audits/, events/) are listed in one sorted order.
 */
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- reading ---- */

const char *lab_file_kind(unsigned mode)
{
    if (S_ISREG(mode))
        return "a regular file";
    if (S_ISDIR(mode))
        return "a directory";
    if (S_ISFIFO(mode))
        return "a FIFO";
    if (S_ISCHR(mode))
        return "a character device";
    if (S_ISBLK(mode))
        return "a block device";
    if (S_ISSOCK(mode))
        return "a socket";
    return "not a file";
}

int lab_open_regular(int *fd_out, const char *path, int extra_flags)
{
    *fd_out = -1;
    int fd =
        open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY | extra_flags);
    if (fd < 0)
        return lab_seterr(LAB_EIO, "%s: cannot open: %s", path,
                          strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return lab_seterr(LAB_EIO, "%s: cannot stat: %s", path, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return lab_seterr(LAB_EIO, "%s: not a regular file (%s)", path,
                          lab_file_kind(st.st_mode));
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
        int e = errno;
        close(fd);
        return lab_seterr(LAB_EIO, "%s: cannot open: %s", path, strerror(e));
    }
    *fd_out = fd;
    return LAB_OK;
}

int lab_check_nul(const char *what, const char *data, size_t n)
{
    const char *z = memchr(data, '\0', n);
    if (z != NULL)
        return lab_seterr(LAB_EPARSE,
                          "%s: NUL byte at byte offset %zu (text input "
                          "may not hold NUL bytes)",
                          what, (size_t)(z - data));
    return LAB_OK;
}

int lab_read_text_file(char **out, size_t *len, const char *path, size_t limit)
{
    char *data = NULL;
    size_t n = 0;
    int rc = lab_read_file(&data, &n, path, limit);
    if (rc == LAB_OK)
        rc = lab_check_nul(path, data, n);
    if (rc != LAB_OK) {
        free(data);
        return rc;
    }
    *out = data;
    if (len != NULL)
        *len = n;
    return LAB_OK;
}

LAB_EXTERN(int)
lab_file_read(char **out, size_t *len, const char *path, size_t limit,
              unsigned flags)
{
    if (out == NULL || path == NULL)
        return lab_seterr(LAB_EINVAL, "lab_file_read: NULL argument");
    if (limit == 0 || limit > LAB_INPUT_MAX)
        limit = LAB_INPUT_MAX;
    if (flags & LAB_FILE_TEXT)
        return lab_read_text_file(out, len, path, limit);
    return lab_read_file(out, len, path, limit);
}

/* ---- writing ---- */

/* An output being written: a device, FIFO or socket in place (fd, no
 * tmp), or a regular file through a temporary beside it (tmp) that commit
 * renames over `target`. */
struct lab_file {
    int fd;
    char *tmp;    /* NULL when written in place */
    char *target; /* the path replaced (a link's target, resolved) */
    unsigned flags;
    int in_place; /* a device, FIFO or socket: no temporary, no rename */
    int failed;   /* a write failed: commit refuses */
};

/* A device, FIFO or socket named as an output: opened where it is. */
static int open_in_place(lab_file *f, const char *path)
{
    if (f->flags & LAB_FILE_NEW)
        return lab_seterr(LAB_EDUPLICATE, "%s: already exists", path);
    int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0 && errno == ENXIO)
        return lab_seterr(LAB_EIO, "%s: a FIFO with no reader", path);
    if (fd < 0)
        return lab_seterr(LAB_EIO, "%s: cannot open for writing: %s", path,
                          strerror(errno));
    struct stat st;
    int fl = fcntl(fd, F_GETFL);
    if (fstat(fd, &st) != 0 || S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
        close(fd);
        return lab_seterr(LAB_EIO, "%s: changed while being opened", path);
    }
    if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
        int e = errno;
        close(fd);
        return lab_seterr(LAB_EIO, "%s: cannot write: %s", path, strerror(e));
    }
    f->fd = fd;
    f->in_place = 1;
    return LAB_OK;
}

/* Creates a new file beside `target` with a name nobody else uses;
 * *tmp gets its name.  `mode` is the creation mode (the umask applies). */
static int create_temp(int *fd_out, char **tmp, const char *target,
                       unsigned mode)
{
    static _Thread_local unsigned counter;
    size_t n = strlen(target) + 48;
    char *t = lab_malloc(n);
    if (t == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    for (int attempt = 0; attempt < 100; attempt++) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        snprintf(t, n, "%s.tmp-%ld-%lx-%u", target, (long)getpid(),
                 (unsigned long)ts.tv_nsec, counter++);
        int fd = open(t, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                      (mode_t)mode);
        if (fd >= 0) {
            *fd_out = fd;
            *tmp = t;
            return LAB_OK;
        }
        if (errno != EEXIST) {
            int e = errno;
            free(t);
            return lab_seterr(LAB_EIO, "%s: cannot create a file beside it: %s",
                              target, strerror(e));
        }
    }
    free(t);
    return lab_seterr(LAB_EIO, "%s: no free temporary name beside it", target);
}

/* Syncs the folder holding `path`, so that the rename is durable. */
static void sync_parent(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash == NULL   ? lab_strdup(".")
                : slash == path ? lab_strdup("/")
                                : lab_strndup(path, (size_t)(slash - path));
    if (dir == NULL)
        return;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    free(dir);
}

/* Opens the temporary that will replace (or create) the regular file
 * f->target.  An explicit mode is set whatever the umask; otherwise a
 * file that existed keeps its mode and a new one gets 0666 less the
 * umask. */
static int open_replace(lab_file *f, unsigned mode, const struct stat *old)
{
    int rc = create_temp(&f->fd, &f->tmp, f->target, mode != 0 ? mode : 0666);
    if (rc != LAB_OK)
        return rc;
    int ok = 1;
    if (mode != 0)
        ok = fchmod(f->fd, (mode_t)mode) == 0;
    else if (old != NULL)
        ok = fchmod(f->fd, old->st_mode & 07777) == 0;
    if (!ok)
        return lab_seterr(LAB_EIO, "%s: cannot write: %s", f->target,
                          strerror(errno));
    return LAB_OK;
}

LAB_EXTERN(void) lab_file_abort(lab_file *f)
{
    if (f == NULL)
        return;
    if (f->fd >= 0)
        close(f->fd);
    if (f->tmp != NULL)
        unlink(f->tmp);
    free(f->tmp);
    free(f->target);
    free(f);
}

LAB_EXTERN(int)
lab_file_open(lab_file **out, const char *path, unsigned mode, unsigned flags)
{
    struct stat st, lst;
    if (out == NULL)
        return lab_seterr(LAB_EINVAL, "lab_file_open: NULL argument");
    *out = NULL;
    if (path == NULL || *path == '\0')
        return lab_seterr(LAB_EINVAL, "lab_file_open: no path");
    int follow = (flags & LAB_FILE_LINK_REPLACE_) == 0;
    int exists = (follow ? stat(path, &st) : lstat(path, &st)) == 0;
    if (!exists && errno != ENOENT)
        return lab_seterr(LAB_EIO, "%s: cannot write: %s", path,
                          strerror(errno));
    if (!exists && follow && lstat(path, &lst) == 0)
        return lab_seterr(
            LAB_EIO, "%s: a symbolic link to a missing file (refused)", path);
    if (exists && S_ISDIR(st.st_mode))
        return lab_seterr(LAB_EIO,
                          "%s: is a directory (an output must be a "
                          "file)",
                          path);
    lab_file *f = lab_calloc(1, sizeof *f);
    if (f == NULL)
        return lab_seterr(LAB_ENOMEM, "out of memory");
    f->fd = -1;
    f->flags = flags;
    int rc;
    if (exists && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
        f->target = lab_strdup(path);
        rc = f->target == NULL ? lab_seterr(LAB_ENOMEM, "out of memory")
                               : open_in_place(f, path);
    } else if (exists && (flags & LAB_FILE_NEW)) {
        rc = lab_seterr(LAB_EDUPLICATE, "%s: already exists", path);
    } else {
        /* a link is followed: the file it names is replaced, the link
         * stays */
        if (exists && follow && lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode))
            f->target = realpath(path, NULL);
        else
            f->target = lab_strdup(path);
        rc = f->target == NULL
                 ? lab_seterr(LAB_EIO, "%s: cannot follow the link: %s", path,
                              strerror(errno))
                 : open_replace(f, mode,
                                exists && S_ISREG(st.st_mode) ? &st : NULL);
    }
    if (rc != LAB_OK) {
        lab_file_abort(f);
        return rc;
    }
    *out = f;
    return LAB_OK;
}

LAB_EXTERN(int) lab_file_put(lab_file *f, const void *data, size_t n)
{
    if (f == NULL || (data == NULL && n > 0))
        return lab_seterr(LAB_EINVAL, "lab_file_put: NULL argument");
    if (f->failed)
        return lab_seterr(LAB_EIO, "%s: an earlier write failed", f->target);
    const char *p = data;
    while (n > 0) {
        ssize_t w = write(f->fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            f->failed = 1;
            return lab_seterr(LAB_EIO, "%s: cannot write: %s", f->target,
                              w < 0 ? strerror(errno) : "no progress");
        }
        p += w;
        n -= (size_t)w;
    }
    return LAB_OK;
}

LAB_EXTERN(int) lab_file_commit(lab_file *f)
{
    if (f == NULL)
        return lab_seterr(LAB_EINVAL, "lab_file_commit: NULL argument");
    if (f->failed) {
        int rc =
            lab_seterr(LAB_EIO, "%s: not written (a write failed)", f->target);
        lab_file_abort(f);
        return rc;
    }
    int ok = f->tmp == NULL || fsync(f->fd) == 0;
    ok = close(f->fd) == 0 && ok;
    f->fd = -1;
    int e = errno;
    if (ok && f->tmp != NULL && (f->flags & LAB_FILE_NEW)) {
        /* link() refuses an existing name, where rename() would replace */
        ok = link(f->tmp, f->target) == 0;
        e = errno;
        if (!ok && e == EEXIST) {
            int rc =
                lab_seterr(LAB_EDUPLICATE, "%s: already exists", f->target);
            lab_file_abort(f);
            return rc;
        }
        /* the temporary's name goes; the file stays under target's */
    } else if (ok && f->tmp != NULL) {
        ok = rename(f->tmp, f->target) == 0;
        e = errno;
        if (ok) {
            free(f->tmp);
            f->tmp = NULL;
        }
    }
    int rc = LAB_OK;
    if (!ok)
        rc =
            lab_seterr(LAB_EIO, "%s: cannot write: %s", f->target, strerror(e));
    else if (!f->in_place)
        sync_parent(f->target);
    lab_file_abort(f); /* unlinks a temporary still there, frees */
    return rc;
}

int lab_write_file(const char *path, const void *data, size_t n, unsigned mode,
                   unsigned flags)
{
    lab_file *f = NULL;
    if (data == NULL && n > 0)
        return lab_seterr(LAB_EINVAL, "lab_write_file: no data");
    int rc = lab_file_open(&f, path, mode, flags);
    if (rc == LAB_OK)
        rc = lab_file_put(f, data, n);
    if (rc != LAB_OK) {
        lab_file_abort(f);
        return rc;
    }
    return lab_file_commit(f);
}

LAB_EXTERN(int)
lab_file_write(const char *path, const void *data, size_t len, unsigned mode,
               unsigned flags)
{
    return lab_write_file(path, data, len, mode, flags);
}

/* ---- text for a terminal ---- */

/* Decodes one UTF-8 sequence at s[0..n); 0 if it is not valid. */
static size_t utf8_one(const unsigned char *s, size_t n, unsigned *cp)
{
    size_t len = lab_utf8_check((const char *)s, n < 4 ? n : 4);
    if (len == 0)
        return 0;
    unsigned c = s[0];
    size_t need = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
    if (len < need)
        return 0;
    unsigned v = need == 1   ? c
                 : need == 2 ? c & 0x1f
                 : need == 3 ? c & 0x0f
                             : c & 0x07;
    for (size_t i = 1; i < need; i++)
        v = (v << 6) | (s[i] & 0x3f);
    *cp = v;
    return need;
}

static int bidi_control(unsigned cp)
{
    return (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

void lab_buf_add_terminal(lab_buf *b, const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < n) {
        size_t run = i;
        while (run < n && ((s[run] >= 0x20 && s[run] < 0x7f) ||
                           s[run] == '\n' || s[run] == '\t'))
            run++;
        if (run > i) { /* printable ASCII is copied as it is, a run at once */
            lab_buf_add(b, s + i, run - i);
            i = run;
            continue;
        }
        unsigned c = s[i];
        if (c < 0x80) {
            lab_buf_printf(b, "\\x%02x", c);
            i++;
            continue;
        }
        unsigned cp = 0;
        size_t len = utf8_one(s + i, n - i, &cp);
        if (len == 0) {
            lab_buf_printf(b, "\\x%02x", c);
            i++;
        } else if ((cp >= 0x80 && cp <= 0x9f) || bidi_control(cp)) {
            lab_buf_printf(b, "\\u%04x", cp);
            i += len;
        } else {
            lab_buf_add(b, s + i, len);
            i += len;
        }
    }
}

LAB_EXTERN(int) lab_text_escape(char **out, const char *text, size_t len)
{
    lab_buf b = LAB_BUF_INIT;
    if (out == NULL || (text == NULL && len > 0))
        return lab_seterr(LAB_EINVAL, "lab_text_escape: NULL argument");
    lab_buf_add_terminal(&b, text, len);
    return lab_buf_detach(&b, out);
}

/* ---- folders of inputs ---- */

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int has_suffix(const char *name, const char *const *suffixes)
{
    size_t n = strlen(name);
    for (size_t i = 0; suffixes[i] != NULL; i++) {
        size_t k = strlen(suffixes[i]);
        if (n > k && strcmp(name + n - k, suffixes[i]) == 0)
            return 1;
    }
    return 0;
}

void lab_dir_free(char **names, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
}

int lab_dir_list(char ***out, size_t *count, const char *dir,
                 const char *const *suffixes, size_t max, const char *what)
{
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = LAB_OK;
    DIR *d = opendir(dir);
    if (d == NULL)
        return lab_seterr(LAB_EIO, "%s: cannot open folder: %s", dir,
                          strerror(errno));
    for (;;) {
        errno = 0;
        struct dirent *e = readdir(d);
        if (e == NULL) {
            if (errno != 0)
                rc = lab_seterr(LAB_EIO, "%s: cannot read folder: %s", dir,
                                strerror(errno));
            break;
        }
        if (e->d_name[0] == '.' || !has_suffix(e->d_name, suffixes))
            continue;
        if (n >= max) {
            rc = lab_seterr(LAB_ELIMIT, "%s: more than %zu %s", dir, max, what);
            break;
        }
        char *copy = NULL;
        if (lab_grow((void **)&names, &cap, n + 1, sizeof *names) != LAB_OK ||
            (copy = lab_strdup(e->d_name)) == NULL) {
            rc = lab_seterr(LAB_ENOMEM, "out of memory");
            break;
        }
        names[n++] = copy;
    }
    closedir(d);
    if (rc != LAB_OK) {
        lab_dir_free(names, n);
        return rc;
    }
    if (n > 0)
        qsort(names, n, sizeof *names, cmp_names);
    *out = names;
    *count = n;
    return LAB_OK;
}
