/*
 * main.c - a tiny host built against the installed labaudit only (see
 * tests/integration/install_consumer.sh).  It checks that the header, the
 * library and the package metadata agree: the version the package
 * announces (EXPECTED_VERSION) is the one the library reports, the ABI
 * major matches the header's, and the plugin entry point hands out a
 * table of the right size and version.
 */
#include <labaudit.h>
#include <stdio.h>
#include <string.h>

#ifndef EXPECTED_VERSION
#error "compile with -DEXPECTED_VERSION=\"x.y.z\""
#endif

static int failures;

static void expect(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "consumer: FAIL %s\n", what);
        failures++;
    }
}

static int version_number_of(const char *text)
{
    int major = 0, minor = 0, patch = 0;
    if (sscanf(text, "%d.%d.%d", &major, &minor, &patch) != 3)
        return -1;
    return major * 10000 + minor * 100 + patch;
}

int main(void)
{
    const char *version = lab_version();
    const lab_api *api;

    expect(version != NULL, "lab_version() is not NULL");
    if (version == NULL)
        return 1;
    expect(strcmp(version, EXPECTED_VERSION) == 0,
           "lab_version() is the package version " EXPECTED_VERSION);
    expect(lab_version_number() == version_number_of(version),
           "lab_version_number() matches lab_version()");
    expect(lab_abi_version() == LAB_ABI_MAJOR,
           "lab_abi_version() is the header's LAB_ABI_MAJOR");
    expect(lab_strerror(LAB_ENOMEM) != NULL, "lab_strerror() has a text");

    api = lab_plugin_get_api(LAB_ABI_MAJOR);
    expect(api != NULL, "lab_plugin_get_api(LAB_ABI_MAJOR) gives a table");
    if (api != NULL) {
        expect(api->size >= sizeof(lab_api), "the table is complete");
        expect(api->abi_version == LAB_ABI_MAJOR, "the table's ABI version");
        expect(api->version != NULL && strcmp(api->version(), version) == 0,
               "the table's version() is lab_version()");
    }
    expect(lab_plugin_get_api(LAB_ABI_MAJOR + 1000) == NULL,
           "an unknown ABI major is refused");

    /* Releasing nothing is allowed everywhere. */
    lab_free(NULL);
    lab_engine_free(NULL);
    lab_dataset_free(NULL);
    lab_report_free(NULL);

    if (failures > 0)
        return 1;
    printf("consumer: labaudit %s, ABI %d\n", version, lab_abi_version());
    return 0;
}
