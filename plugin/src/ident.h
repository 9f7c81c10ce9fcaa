/*
 * ident.h - validators for the identifiers and codes that supplier data
 * carries: ISO 8601 dates, ISO 3166-1 countries and ISO 3166-2
 * subdivisions (from tables generated from Debian's iso-codes), Open
 * Supply Hub OS IDs with their check character, Harmonized System codes,
 * LEIs (ISO 17442) and GS1 GLNs.  Each takes (pointer, length) and
 * returns 1 when the text is valid, 0 otherwise; none allocates.  A
 * subdivision code can also be checked for its shape alone, so that a code
 * newer than the tables can be told from a malformed one.
 */
#ifndef LAB_IDENT_H
#define LAB_IDENT_H

#include <stddef.h>
#include <stdint.h>

/* A strict calendar date "YYYY-MM-DD" (years 1900-2999, real days, leap
 * years); *days receives days since 1970-01-01 (may be NULL). */
int lab_date_parse(const char *s, size_t n, int32_t *days);
/* Formats days since 1970-01-01 as "YYYY-MM-DD" (buf of 11 bytes). */
void lab_date_format(char buf[11], int32_t days);
/* Today's date in UTC as days since 1970-01-01. */
int32_t lab_date_today(void);

/* An officially assigned ISO 3166-1 alpha-2 code, upper case. */
int lab_country_valid(const char *s, size_t n);
/* English short name of a country code, or NULL. */
const char *lab_country_name(const char *code2);
/* An ISO 3166-2 subdivision code listed in iso-codes, e.g. "CN-XJ"
 * (codes withdrawn since iso-codes 4.15.0 are still listed). */
int lab_subdivision_valid(const char *s, size_t n);
/* Shaped like an ISO 3166-2 code, listed or not: a known upper-case
 * alpha-2 country code, '-', then 1-3 characters of A-Z and 0-9. */
int lab_subdivision_wellformed(const char *s, size_t n);
/* The iso-codes release the ISO 3166 tables come from, e.g.
 * "iso-codes 4.20.1". */
const char *lab_iso3166_table_version(void);

/* Open Supply Hub OS ID: 15 characters, country code, 7 digits (year and
 * day of year), 5 Crockford base-32 characters and a check character. */
int lab_osid_valid(const char *s, size_t n);
/* The check character for the first 14 characters of an OS ID. */
char lab_osid_check_char(const char *s14);

/* Harmonized System code: 2, 4, 6, 8 or 10 digits, optionally written
 * with dots after digit 4 and 6 ("5201.00"); chapter 01-99. */
int lab_hs_valid(const char *s, size_t n);
/* LEI: 20 characters [0-9A-Z], ISO 7064 mod 97-10 check == 1. */
int lab_lei_valid(const char *s, size_t n);
/* GLN: 13 digits with the GS1 mod-10 check digit. */
int lab_gln_valid(const char *s, size_t n);

#endif /* LAB_IDENT_H */
