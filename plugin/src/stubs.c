/*
 * stubs.c - the public calls of adapters left out of this build.  The
 * header declares every call whatever the build, so that hosts link the
 * same way; a call whose adapter was not built returns LAB_EUNSUPPORTED
 * with a message saying how to get it.
 */
#include "labaudit.h"

#include "internal.h"

#if !LAB_HAVE_PG
static int no_pg(void)
{
    return lab_seterr(LAB_EUNSUPPORTED,
                      "this labaudit was built without PostgreSQL "
                      "(configure with -DLAB_ADAPTER_PG=ON)");
}

int lab_dataset_load_pg(lab_dataset *ds, const char *conninfo,
                        const char *mapping)
{
    (void)ds, (void)conninfo, (void)mapping;
    return no_pg();
}

int lab_ledger_init(int *version, const char *conninfo)
{
    (void)version, (void)conninfo;
    return no_pg();
}

int lab_ledger_record_run(int *recorded, const char *conninfo,
                          const lab_report *report, const lab_dataset *ds,
                          const char *run_id)
{
    (void)recorded, (void)conninfo, (void)report, (void)ds, (void)run_id;
    return no_pg();
}

int lab_ledger_record_certificate(const char *conninfo, const char *serial,
                                  const char *status, const char *token,
                                  const char *status_list,
                                  long long status_index, const char *reason)
{
    (void)conninfo, (void)serial, (void)status, (void)token;
    (void)status_list, (void)status_index, (void)reason;
    return no_pg();
}

int lab_ledger_verify(char **out, size_t *bad, const char *conninfo)
{
    (void)out, (void)bad, (void)conninfo;
    return no_pg();
}

int lab_ledger_verify_anchored(char **out, size_t *bad, char **anchor_out,
                               const char *conninfo, const char *anchor)
{
    (void)out, (void)bad, (void)anchor_out, (void)conninfo, (void)anchor;
    return no_pg();
}

int lab_ledger_show(char **out, const char *conninfo, const char *run_id)
{
    (void)out, (void)conninfo, (void)run_id;
    return no_pg();
}

int lab_ledger_show_format(char **out, const char *conninfo, const char *run_id,
                           lab_format format)
{
    (void)out, (void)conninfo, (void)run_id, (void)format;
    return no_pg();
}
#else
/* ISO C wants a translation unit to declare something. */
typedef int lab_stubs_unused;
#endif

#if !LAB_HAVE_HTTP
static int no_http(void)
{
    return lab_seterr(LAB_EUNSUPPORTED,
                      "this labaudit was built without HTTP "
                      "(configure with -DLAB_ADAPTER_HTTP=ON)");
}

int lab_refresh_list(int *outcome, char **summary, const char *url,
                     const char *path, const lab_http_options *opts)
{
    (void)outcome, (void)summary, (void)url, (void)path, (void)opts;
    return no_http();
}

int lab_status_list_fetch(char **out, size_t *len, int *from_cache,
                          const char *url, const lab_http_options *opts)
{
    (void)out, (void)len, (void)from_cache, (void)url, (void)opts;
    return no_http();
}

int lab_osh_facility(char **out, const char *os_id, lab_format format,
                     const lab_http_options *opts)
{
    (void)out, (void)os_id, (void)format, (void)opts;
    return no_http();
}
#endif

#if !LAB_HAVE_EPCIS
int lab_dataset_load_epcis(lab_dataset *ds, const char *path)
{
    (void)ds, (void)path;
    return lab_seterr(LAB_EUNSUPPORTED,
                      "this labaudit was built without the EPCIS adapter "
                      "(configure with -DLAB_ADAPTER_EPCIS=ON)");
}
#endif
