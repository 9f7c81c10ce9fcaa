/*
 * c_host.c - how a C or C++ ERP loads labaudit from a folder of plugins.
 * It links nothing of labaudit: it dlopen()s every shared object in the
 * plugin folder, keeps the first that exports lab_plugin_get_api, asks it
 * for the function table of the ABI major this program was compiled
 * against, checks the table's size and ABI, and then does all its work
 * through the table: compile rule packs, load a dataset, check it, print
 * each product's verdict.  A library of another ABI major gives NULL and a
 * message saying which major it implements; the host then refuses it
 * rather than guess.  Exit status: 0 nothing blocked, 1 a product or
 * finding is blocked, 2 usage, 3 no usable plugin, 4 a labaudit call
 * failed.
 */
#include <labaudit.h>

#include <dirent.h>
#include <dlfcn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The last field of lab_api this host calls: a table shorter than this
 * comes from a library too old for us. */
#define NEED_SIZE (offsetof(lab_api, check_json) + sizeof(void *))

typedef const lab_api *(*get_api_fn)(int abi_major);
typedef const char *(*errmsg_fn)(void);

/* Product verdicts are not in lab_api (version 1) yet, so they are looked
 * up by name in the same library; both are part of the public API. */
typedef size_t (*product_count_fn)(const lab_report *);
typedef int (*product_fn)(const lab_report *, size_t, const char **, int *);
typedef const char *(*severity_name_fn)(int);

struct plugin {
    void *handle;
    char path[4096];
    const lab_api *api;
};

/* Looks up a function.  POSIX makes dlsym's result convertible to a
 * function pointer but ISO C has no such cast, so the pointer's bits are
 * copied, as in the example of POSIX's dlsym page. */
static int lookup(void *fn_out, void *handle, const char *name)
{
    void *sym = dlsym(handle, name);
    memcpy(fn_out, &sym, sizeof sym);
    return sym != NULL;
}

static int is_shared_object(const char *name)
{
    const char *so = strstr(name, ".so");
    return so != NULL && (so[3] == '\0' || so[3] == '.');
}

/* Opens `path` and asks it for ABI `abi`.  Returns 0 with p filled, 1 if
 * the file is no labaudit plugin, -1 if it is one of another ABI. */
static int try_plugin(struct plugin *p, const char *path, int abi)
{
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
        fprintf(stderr, "c-host: skipping %s: %s\n", path, dlerror());
        return 1;
    }
    get_api_fn get;
    if (!lookup(&get, h, "lab_plugin_get_api")) {
        dlclose(h);
        return 1;
    }
    const lab_api *api = get(abi);
    if (api == NULL) {
        errmsg_fn msg;
        int have_msg = lookup(&msg, h, "lab_errmsg");
        fprintf(stderr, "c-host: %s does not implement labaudit ABI %d: %s\n",
                path, abi, have_msg ? msg() : "(no message)");
        dlclose(h);
        return -1;
    }
    if (api->size < NEED_SIZE || api->abi_version != abi) {
        fprintf(stderr,
                "c-host: %s: API table of %zu bytes for ABI %d; this host "
                "needs at least %zu bytes of ABI %d\n",
                path, api->size, api->abi_version, NEED_SIZE, abi);
        dlclose(h);
        return -1;
    }
    p->handle = h;
    p->api = api;
    snprintf(p->path, sizeof p->path, "%s", path);
    return 0;
}

/* Loads the first labaudit plugin of ABI `abi` in `dir`, in name order so
 * that the choice does not depend on the file system. */
static int load_plugin(struct plugin *p, const char *dir, int abi)
{
    struct dirent **ents = NULL;
    int n = scandir(dir, &ents, NULL, alphasort);
    int found = 0, wrong = 0;
    if (n < 0) {
        perror(dir);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        char path[4096];
        if (!found && is_shared_object(ents[i]->d_name)) {
            snprintf(path, sizeof path, "%s/%s", dir, ents[i]->d_name);
            int rc = try_plugin(p, path, abi);
            found = rc == 0;
            wrong += rc < 0;
        }
        free(ents[i]);
    }
    free(ents);
    if (!found)
        fprintf(stderr, "c-host: no labaudit plugin of ABI %d in %s%s\n", abi,
                dir, wrong ? " (only other ABIs)" : "");
    return found ? 0 : -1;
}

static int fail(const lab_api *api, const char *what)
{
    fprintf(stderr, "c-host: %s: %s\n", what, api->errmsg());
    return 4;
}

/* Prints each product's verdict; returns 1 if any is blocked. */
static int print_verdicts(const struct plugin *p, const lab_report *rep)
{
    product_count_fn count;
    product_fn product;
    severity_name_fn sev;
    int blocked = 0;
    if (!lookup(&count, p->handle, "lab_report_product_count") ||
        !lookup(&product, p->handle, "lab_report_product") ||
        !lookup(&sev, p->handle, "lab_severity_name")) {
        fprintf(stderr, "c-host: product verdicts not exported\n");
        return -1;
    }
    for (size_t i = 0; i < count(rep); i++) {
        const char *id = NULL;
        int worst = -1;
        if (product(rep, i, &id, &worst) != LAB_OK)
            return -1;
        blocked |= worst == LAB_SEV_BLOCKER;
        printf("%-8s %s%s%s\n", worst == LAB_SEV_BLOCKER ? "BLOCKED" : "ok", id,
               worst >= 0 ? "  worst: " : "", worst >= 0 ? sev(worst) : "");
    }
    return blocked;
}

static int run_check(const struct plugin *p, const char *data,
                     const char *as_of, const char *lists,
                     const char *const *packs, size_t npacks)
{
    const lab_api *api = p->api;
    lab_engine_options eo = LAB_ENGINE_OPTIONS_INIT;
    lab_check_options co = LAB_CHECK_OPTIONS_INIT;
    lab_engine *engine = NULL;
    lab_dataset *ds = NULL;
    lab_report *rep = NULL;
    int status;

    eo.packs = packs;
    eo.npacks = npacks;
    if (lists != NULL) {
        eo.lists = &lists;
        eo.nlists = 1;
    }
    co.as_of = as_of;
    if (api->engine_new(&engine, &eo) != LAB_OK) {
        status = fail(api, "rule packs");
        goto out;
    }
    if (api->dataset_new(&ds) != LAB_OK ||
        api->dataset_load(ds, data) != LAB_OK) {
        status = fail(api, "data");
        goto out_free_engine;
    }
    if (api->check(&rep, engine, ds, &co) != LAB_OK) {
        status = fail(api, "check");
        goto out_free_dataset;
    }
    status = print_verdicts(p, rep);
    if (status < 0)
        status = 4;
    else if (api->report_worst(rep) == LAB_SEV_BLOCKER)
        status = 1;
    api->report_free(rep);
out_free_dataset:
    api->dataset_free(ds);
out_free_engine:
    api->engine_free(engine);
out:
    return status;
}

static int usage(void)
{
    fprintf(stderr, "usage: c-host [--abi N] [--as-of YYYY-MM-DD] "
                    "[--lists DIR] PLUGIN_DIR DATA PACK...\n");
    return 2;
}

int main(int argc, char **argv)
{
    int abi = LAB_ABI_MAJOR, i = 1, status;
    const char *as_of = NULL, *lists = NULL;
    struct plugin p = {0};

    for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
        if (strcmp(argv[i], "--abi") == 0)
            abi = (int)strtol(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--as-of") == 0)
            as_of = argv[i + 1];
        else if (strcmp(argv[i], "--lists") == 0)
            lists = argv[i + 1];
        else
            return usage();
    }
    if (argc - i < 3)
        return usage();
    if (load_plugin(&p, argv[i], abi) != 0)
        return 3;
    printf("plugin %s: labaudit %s, ABI %d, table %zu bytes\n", p.path,
           p.api->version(), p.api->abi_version, p.api->size);
    status =
        run_check(&p, argv[i + 1], as_of, lists,
                  (const char *const *)&argv[i + 2], (size_t)(argc - i - 2));
    /* The plugin stays loaded until the process ends, as PostgreSQL keeps
     * its modules: labaudit compiles its schemas once per process and
     * keeps them (unloading it would strand them). */
    fflush(stdout);
    return status;
}
