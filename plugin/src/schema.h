/*
 * schema.h - the record schema: every field of every record kind, once.
 * Each table row gives the field's name (as used in CSV headers, XML
 * audit reports, JSON and conditions), its storage type, the check its
 * text must pass, flags and a one-line description.  The C structs, the
 * field descriptors that the adapters, the type-checker and the reports
 * use, and the documentation all come from these tables, so a field is
 * added in exactly one place.
 */
#ifndef LAB_SCHEMA_H
#define LAB_SCHEMA_H

#include "expr.h"
#include "internal.h"

/* Storage types. */
typedef enum lab_ftype {
    LAB_FT_STR = 0, /* const char *, interned; NULL = absent */
    LAB_FT_INT,     /* int32_t; LAB_INT_NONE = absent */
    LAB_FT_NUM,     /* double; NaN = absent */
    LAB_FT_BOOL,    /* int8_t: 0, 1; -1 = absent */
    LAB_FT_LIST     /* const lab_list *; NULL = absent */
} lab_ftype;

#define LAB_INT_NONE INT32_MIN

/* What a field's text must be, checked when a record is added. */
typedef enum lab_fcheck {
    LAB_CK_NONE = 0,
    LAB_CK_ID,       /* non-empty, no control characters */
    LAB_CK_DATE,     /* ISO 8601 calendar date YYYY-MM-DD */
    LAB_CK_COUNTRY,  /* ISO 3166-1 alpha-2 */
    LAB_CK_SUBDIV,   /* ISO 3166-2, e.g. CN-XJ */
    LAB_CK_OSID,     /* Open Supply Hub OS ID with its check character */
    LAB_CK_HS,       /* Harmonized System code: 2 to 10 digits, even */
    LAB_CK_LEI,      /* ISO 17442 LEI (ISO 7064 mod 97-10) */
    LAB_CK_GLN,      /* GS1 GLN (13 digits, mod 10) */
    LAB_CK_SHA256,   /* 64 hex digits */
    LAB_CK_CURRENCY, /* ISO 4217 alphabetic: three capital letters */
    LAB_CK_ENUM,     /* one of the field's listed values */
    LAB_CK_NONNEG,   /* a number >= 0 */
    LAB_CK_IDENT,    /* a registry identifier "scheme:value" (owners.h) */
    LAB_CK_PERCENT   /* a number from 0 to 100 */
} lab_fcheck;

enum {
    LAB_F_REQUIRED = 1u << 0, /* a record without it is rejected */
    LAB_F_DERIVED = 1u << 1,  /* computed, never read from input */
    LAB_F_DEFAULT = 1u << 2   /* enum: absent means its first value */
};

/* An immutable list of strings, kept as values so that conditions read
 * it as a JSON array without copying; items[i].u.s is interned. */
typedef struct lab_list {
    uint32_t n;
    lab_val items[];
} lab_list;

typedef const char *LAB_CTYPE_STR;
typedef int32_t LAB_CTYPE_INT;
typedef double LAB_CTYPE_NUM;
typedef int8_t LAB_CTYPE_BOOL;
typedef const lab_list *LAB_CTYPE_LIST;

/* Allowed values of the enumerated fields. */
#define LAB_ROLES                                                          \
    "farm", "gin", "spinner", "fabric_mill", "dye_house", "garment_maker", \
        "trader", "brand", "recruitment_agency", "other"
#define LAB_SCHEMES \
    "smeta_2p", "smeta_4p", "amfori_bsci", "sa8000", "slcp", "internal", "other"
#define LAB_AUDIT_TYPES "announced", "semi_announced", "unannounced"
#define LAB_AUDIT_KINDS \
    "full", "follow_up", "verification", "desk_review", "self_assessment"
#define LAB_NC_SEVERITIES \
    "critical", "zero_tolerance", "major", "minor", "observation"
#define LAB_NC_STATUSES "open", "in_progress", "closed", "verified"
#define LAB_NC_METHODS "document_review", "follow_up_visit", "worker_interviews"
#define LAB_ILO_INDICATORS                                                \
    "abuse_of_vulnerability", "deception", "restriction_of_movement",     \
        "isolation", "physical_sexual_violence", "intimidation_threats",  \
        "retention_of_documents", "withholding_of_wages", "debt_bondage", \
        "abusive_conditions", "excessive_overtime"
/* Chain-of-custody models (ISO 22095), "unknown" first as the default; a
 * chain's custody is the weakest model on any of its lots. */
#define LAB_CUSTODY                                                \
    "unknown", "identity_preserved", "segregated", "mass_balance", \
        "book_and_claim"
/* Document kinds: audit evidence first, then the transaction and
 * production records a customs review asks for (CBP UFLPA operational
 * guidance, section IV), then "other". */
#define LAB_DOC_KINDS                                                          \
    "audit_report", "corrective_action", "certificate", "contract", "payroll", \
        "permit", "purchase_order", "invoice", "packing_list",                 \
        "bill_of_lading", "certificate_of_origin", "production_record",        \
        "transport_record", "payment_record", "lab_report", "other"
/* Laboratory tests of origin: stable-isotope ratios, DNA of the fibre or
 * seed, trace elements. */
#define LAB_TEST_METHODS "isotopic", "dna", "trace_element", "other"
#define LAB_TEST_RESULTS "consistent", "inconsistent", "inconclusive"

/*
 * X(name, type, check, values, flags, description): `values` names the
 * list of allowed values of an enumerated field (ROLES, SCHEMES,
 * AUDIT_TYPES, AUDIT_KINDS, DOC_KINDS, TEST_*, NC_*, ILO_INDICATORS) or is
 * NONE.
 * An enumerated field flagged LAB_F_DEFAULT takes its first allowed value
 * when the input leaves it empty.
 */
#define LAB_SUPPLIER_FIELDS(X)                                            \
    X(id, STR, ID, NONE, LAB_F_REQUIRED, "the supplier's id in the ERP")  \
    X(name, STR, NONE, NONE, LAB_F_REQUIRED, "registered name")           \
    X(role, STR, ENUM, ROLES, 0, "what the facility does")                \
    X(country, STR, COUNTRY, NONE, LAB_F_REQUIRED, "ISO 3166-1 alpha-2")  \
    X(subdivision, STR, SUBDIV, NONE, 0, "ISO 3166-2 region, e.g. CN-XJ") \
    X(os_id, STR, OSID, NONE, 0, "Open Supply Hub OS ID")                 \
    X(lei, STR, LEI, NONE, 0, "Legal Entity Identifier")                  \
    X(duns, STR, NONE, NONE, 0, "D-U-N-S number")                         \
    X(gln, STR, GLN, NONE, 0, "GS1 Global Location Number")               \
    X(address, STR, NONE, NONE, 0, "street address")                      \
    X(city, STR, NONE, NONE, 0, "city")                                   \
    X(aliases, LIST, NONE, NONE, 0, "other names, separated by ';'")      \
    X(workers, INT, NONNEG, NONE, 0, "number of workers")                 \
    X(licensed, BOOL, NONE, NONE, 0, "recruiter holds a licence")         \
    X(ethical_association_member, BOOL, NONE, NONE, 0,                    \
      "recruiter is a member of an ethical employment association")       \
    X(recruits_for, LIST, NONE, NONE, 0,                                  \
      "recruiter: ids of the facilities it supplies workers to, ';'")     \
    X(parent, STR, ID, NONE, 0,                                           \
      "controlling owner: a supplier id, an ownership.csv owner id, or "  \
      "the name of an outside company")                                   \
    X(identifiers, LIST, IDENT, NONE, 0,                                  \
      "registry identifiers scheme:value, ';' (uscc:..., lei:..., "       \
      "duns:...)")

#define LAB_LINK_FIELDS(X)                                              \
    X(id, STR, ID, NONE, 0, "link id; default supplier_id>buyer_id")    \
    X(supplier_id, STR, ID, NONE, LAB_F_REQUIRED, "who supplies")       \
    X(buyer_id, STR, ID, NONE, LAB_F_REQUIRED, "who buys")              \
    X(hs_code, STR, HS, NONE, 0, "Harmonized System code of the goods") \
    X(commodity, STR, NONE, NONE, 0, "what is supplied, in words")      \
    X(volume, NUM, NONNEG, NONE, 0, "quantity in the period")           \
    X(unit, STR, NONE, NONE, 0, "unit of volume (kg, m, pcs...)")       \
    X(conversion_factor, NUM, NONNEG, NONE, 0,                          \
      "buyer's output units per unit of this input")                    \
    X(lot, STR, NONE, NONE, 0, "lot or batch")                          \
    X(period_start, STR, DATE, NONE, 0, "first day of the period")      \
    X(period_end, STR, DATE, NONE, 0, "last day of the period")

#define LAB_AUDIT_FIELDS(X)                                                    \
    X(id, STR, ID, NONE, LAB_F_REQUIRED, "audit report id")                    \
    X(supplier_id, STR, ID, NONE, LAB_F_REQUIRED, "audited facility")          \
    X(scheme, STR, ENUM, SCHEMES, 0, "audit scheme")                           \
    X(type, STR, ENUM, AUDIT_TYPES, 0, "how it was announced")                 \
    X(kind, STR, ENUM, AUDIT_KINDS, LAB_F_DEFAULT,                             \
      "full (default), follow_up, verification, desk_review or "               \
      "self_assessment")                                                       \
    X(auditor_org, STR, NONE, NONE, 0, "audit firm")                           \
    X(start_date, STR, DATE, NONE, LAB_F_REQUIRED, "first day on site")        \
    X(end_date, STR, DATE, NONE, 0, "last day on site")                        \
    X(workers_total, INT, NONNEG, NONE, 0, "workforce")                        \
    X(workers_female, INT, NONNEG, NONE, 0, "women")                           \
    X(workers_male, INT, NONNEG, NONE, 0, "men")                               \
    X(workers_under_18, INT, NONNEG, NONE, 0, "young workers (under 18)")      \
    X(workers_under_15, INT, NONNEG, NONE, 0, "children under 15")             \
    X(migrants_foreign, INT, NONNEG, NONE, 0, "foreign migrant workers")       \
    X(migrants_domestic, INT, NONNEG, NONE, 0, "internal migrant workers")     \
    X(agency_workers, INT, NONNEG, NONE, 0, "workers hired via agencies")      \
    X(interviews_total, INT, NONNEG, NONE, 0, "workers interviewed")           \
    X(interviews_offsite, INT, NONNEG, NONE, 0, "of them, off site")           \
    X(documents_held_by_employer, INT, NONNEG, NONE, 0,                        \
      "workers whose identity documents the employer holds")                   \
    X(documents_held_by_recruiter, INT, NONNEG, NONE, 0,                       \
      "workers whose identity documents a recruiter holds")                    \
    X(recruitment_fees_paid_by_workers, INT, NONNEG, NONE, 0,                  \
      "workers who paid recruitment fees")                                     \
    X(lowest_wage, NUM, NONNEG, NONE, 0, "lowest monthly wage paid")           \
    X(legal_minimum_wage, NUM, NONNEG, NONE, 0, "legal monthly minimum")       \
    X(currency, STR, CURRENCY, NONE, 0, "ISO 4217 currency of wages")          \
    X(max_weekly_hours, NUM, NONNEG, NONE, 0, "longest week worked, hours")    \
    X(max_consecutive_days, INT, NONNEG, NONE, 0, "longest run without rest")  \
    X(worker_representation, BOOL, NONE, NONE, 0,                              \
      "a union or elected worker body exists")                                 \
    X(grievance_mechanism, BOOL, NONE, NONE, 0,                                \
      "workers can raise grievances")                                          \
    X(report_sha256, STR, SHA256, NONE, 0, "SHA-256 of the report file")       \
    X(auditor_name, STR, NONE, NONE, 0, "lead auditor")                        \
    X(auditor_accreditation, STR, NONE, NONE, 0,                               \
      "lead auditor's accreditation (e.g. APSCA number)")                      \
    X(facility_name, STR, NONE, NONE, 0, "facility name as audited")           \
    X(facility_os_id, STR, OSID, NONE, 0, "audited facility's OS ID")          \
    X(facility_country, STR, COUNTRY, NONE, 0, "audited facility's country")   \
    X(facility_subdivision, STR, SUBDIV, NONE, 0,                              \
      "audited facility's ISO 3166-2 region")                                  \
    X(recruitment_agencies_used, INT, NONNEG, NONE, 0,                         \
      "recruitment agencies the facility uses")                                \
    X(interviews_female, INT, NONNEG, NONE, 0, "women interviewed")            \
    X(interviews_male, INT, NONNEG, NONE, 0, "men interviewed")                \
    X(interview_languages, LIST, NONE, NONE, 0,                                \
      "languages of the interviews (BCP 47), separated by ';'")                \
    X(ilo_abuse_of_vulnerability, INT, NONNEG, NONE, 0,                        \
      "observations of ILO forced labour indicator 1")                         \
    X(ilo_deception, INT, NONNEG, NONE, 0, "observations of ILO indicator 2")  \
    X(ilo_restriction_of_movement, INT, NONNEG, NONE, 0,                       \
      "observations of ILO indicator 3")                                       \
    X(ilo_isolation, INT, NONNEG, NONE, 0, "observations of ILO indicator 4")  \
    X(ilo_physical_sexual_violence, INT, NONNEG, NONE, 0,                      \
      "observations of ILO indicator 5")                                       \
    X(ilo_intimidation_threats, INT, NONNEG, NONE, 0,                          \
      "observations of ILO indicator 6")                                       \
    X(ilo_retention_of_documents, INT, NONNEG, NONE, 0,                        \
      "observations of ILO indicator 7")                                       \
    X(ilo_withholding_of_wages, INT, NONNEG, NONE, 0,                          \
      "observations of ILO indicator 8")                                       \
    X(ilo_debt_bondage, INT, NONNEG, NONE, 0,                                  \
      "observations of ILO indicator 9")                                       \
    X(ilo_abusive_conditions, INT, NONNEG, NONE, 0,                            \
      "observations of ILO indicator 10")                                      \
    X(ilo_excessive_overtime, INT, NONNEG, NONE, 0,                            \
      "observations of ILO indicator 11")                                      \
    X(documents_held_kinds, LIST, NONE, NONE, 0,                               \
      "identity documents held (passport, national_id...), ';'-separated")     \
    X(workers_with_recruitment_loans, INT, NONNEG, NONE, 0,                    \
      "workers repaying loans or advances to employer or recruiter")           \
    X(recruitment_fee_max, NUM, NONNEG, NONE, 0,                               \
      "highest recruitment fee a worker paid, in currency")                    \
    X(permits_tied_to_employer, INT, NONNEG, NONE, 0,                          \
      "workers whose work permit ties them to this employer")                  \
    X(young_workers_hazardous, INT, NONNEG, NONE, 0,                           \
      "workers under 18 on hazardous or night work")                           \
    X(noncompliances_total, INT, NONNEG, NONE, 0, "non-compliances raised")    \
    X(noncompliances_open, INT, NONNEG, NONE, 0,                               \
      "non-compliances not yet closed")                                        \
    X(noncompliances_critical_open, INT, NONNEG, NONE, 0,                      \
      "critical non-compliances not yet closed")                               \
    X(noncompliances_earliest_due, STR, DATE, NONE, 0,                         \
      "earliest due date of an open corrective action")                        \
    X(documents_held_by_dormitory, INT, NONNEG, NONE, 0,                       \
      "workers whose identity documents a dormitory or landlord holds")        \
    X(documents_safekeeping_no_access, INT, NONNEG, NONE, 0,                   \
      "workers whose documents are in 'voluntary' safekeeping without "        \
      "free 24-hour access")                                                   \
    X(deposits_required, INT, NONNEG, NONE, 0,                                 \
      "workers made to pay a deposit or bond to get or keep the job")          \
    X(permits_renewable_only_by_employer, INT, NONNEG, NONE, 0,                \
      "workers who cannot extend or renew their permit themselves")            \
    X(contracts_substituted, INT, NONNEG, NONE, 0,                             \
      "workers whose contract differs from the one offered at recruitment")    \
    X(workers_state_transfer, INT, NONNEG, NONE, 0,                            \
      "workers placed through a state labour transfer programme")              \
    X(minimum_age, INT, NONNEG, NONE, 0,                                       \
      "legal minimum age for employment that applies (14, 15 or 16)")          \
    X(workers_below_minimum_age, INT, NONNEG, NONE, 0,                         \
      "workers younger than minimum_age")                                      \
    X(age_verification, BOOL, NONE, NONE, 0,                                   \
      "ages checked against documents at hiring and kept on file")             \
    X(lowest_wage_migrants, NUM, NONNEG, NONE, 0,                              \
      "lowest monthly wage paid to a migrant or agency worker")                \
    X(wage_delay_days, INT, NONNEG, NONE, 0,                                   \
      "longest delay of a wage payment past its due date, days")               \
    X(retaliation_cases, INT, NONNEG, NONE, 0,                                 \
      "workers penalised for complaining, organising or speaking to auditors") \
    X(records_retention_years, NUM, NONNEG, NONE, 0,                           \
      "years the report, corrective actions and evidence are kept")

/* Documents: audit evidence and the transaction, production and
 * laboratory records a customs review asks for.  CBP's Isotopic Testing
 * Guidance (11 November 2024) asks of a laboratory test an ISO/IEC 17025
 * accredited provider, a documented chain of custody of the sample and a
 * report naming the item tested: hence the fields after `reference`. */
#define LAB_DOCUMENT_FIELDS(X)                                             \
    X(id, STR, ID, NONE, LAB_F_REQUIRED, "document id")                    \
    X(supplier_id, STR, ID, NONE, 0, "facility it concerns")               \
    X(audit_id, STR, ID, NONE, 0, "audit it belongs to")                   \
    X(kind, STR, ENUM, DOC_KINDS, 0, "what the document is")               \
    X(uri, STR, NONE, NONE, 0, "where it is kept")                         \
    X(media_type, STR, NONE, NONE, 0, "e.g. application/pdf")              \
    X(sha256, STR, SHA256, NONE, 0, "SHA-256 of the file")                 \
    X(issued, STR, DATE, NONE, 0, "date of issue")                         \
    X(product_id, STR, ID, NONE, 0,                                        \
      "product it concerns (a purchase order, invoice or lab test)")       \
    X(lots, LIST, NONE, NONE, 0,                                           \
      "lots it concerns (shipped, invoiced, or the item tested), ';'")     \
    X(reference, STR, NONE, NONE, 0,                                       \
      "its own number: PO, invoice or bill-of-lading number")              \
    X(laboratory, STR, NONE, NONE, 0, "laboratory that made the test")     \
    X(accreditation, STR, NONE, NONE, 0,                                   \
      "the laboratory's ISO/IEC 17025 accreditation (body and number)")    \
    X(test_method, STR, ENUM, TEST_METHODS, 0, "what the test measures")   \
    X(sample_id, STR, NONE, NONE, 0, "the sample's id at the laboratory")  \
    X(sample_custody, STR, NONE, NONE, 0,                                  \
      "who took and sealed the sample, and how it reached the laboratory") \
    X(test_result, STR, ENUM, TEST_RESULTS, 0,                             \
      "consistent or inconsistent with the declared origin, or inconclusive")

#define LAB_PRODUCT_FIELDS(X)                                          \
    X(id, STR, ID, NONE, LAB_F_REQUIRED, "product id (SKU, style)")    \
    X(name, STR, NONE, NONE, 0, "product name")                        \
    X(supplier_id, STR, ID, NONE, LAB_F_REQUIRED,                      \
      "facility that makes the finished product")                      \
    X(hs_code, STR, HS, NONE, 0, "Harmonized System code")             \
    X(claim, STR, NONE, NONE, 0, "consumer-facing claim")              \
    X(lots, LIST, NONE, NONE, 0, "lots covered, separated by ';'")     \
    X(claimed_volume, NUM, NONNEG, NONE, 0, "volume the claim covers") \
    X(unit, STR, NONE, NONE, 0, "unit of claimed_volume")

/* Non-compliances: what an audit raised, and the corrective action's
 * lifecycle (raised, due, closed, verified by a later audit). */
#define LAB_NONCOMPLIANCE_FIELDS(X)                                        \
    X(id, STR, ID, NONE, LAB_F_REQUIRED, "non-compliance id")              \
    X(audit_id, STR, ID, NONE, LAB_F_REQUIRED, "the audit that raised it") \
    X(supplier_id, STR, ID, NONE, 0,                                       \
      "facility; default: the raising audit's facility")                   \
    X(area, STR, NONE, NONE, 0,                                            \
      "rule-pack area it concerns, e.g. identity-documents")               \
    X(ilo_indicator, STR, ENUM, ILO_INDICATORS, 0,                         \
      "ILO forced labour indicator it concerns")                           \
    X(clause, STR, NONE, NONE, 0, "code or scheme clause, e.g. ETI 1.2")   \
    X(severity, STR, ENUM, NC_SEVERITIES, LAB_F_REQUIRED,                  \
      "critical or zero_tolerance, major, minor, observation")             \
    X(description, STR, NONE, NONE, 0, "what was found")                   \
    X(status, STR, ENUM, NC_STATUSES, LAB_F_REQUIRED,                      \
      "open, in_progress, closed (not yet verified) or verified")          \
    X(raised_date, STR, DATE, NONE, 0,                                     \
      "when it was raised; default: the raising audit's last day")         \
    X(due_date, STR, DATE, NONE, 0, "corrective action due")               \
    X(closed_date, STR, DATE, NONE, 0, "corrective action completed")      \
    X(closing_audit_id, STR, ID, NONE, 0,                                  \
      "follow-up or verification audit that closed or verified it")        \
    X(verification_method, STR, ENUM, NC_METHODS, 0,                       \
      "document_review, follow_up_visit or worker_interviews")             \
    X(evidence, LIST, NONE, NONE, 0, "ids of evidence documents, ';'")     \
    X(workers_affected_female, INT, NONNEG, NONE, 0, "women affected")     \
    X(workers_affected_male, INT, NONNEG, NONE, 0, "men affected")         \
    X(workers_affected_under_18, INT, NONNEG, NONE, 0,                     \
      "workers under 18 affected")                                         \
    X(workers_affected_under_15, INT, NONNEG, NONE, 0,                     \
      "children under 15 affected")

/* Lots: a quantity of goods a facility made or holds, with the
 * chain-of-custody model it was kept under; lot inputs say which lots,
 * in which quantities, went into which lot (a transformation). */
#define LAB_LOT_FIELDS(X)                                            \
    X(id, STR, ID, NONE, LAB_F_REQUIRED, "lot or batch id")          \
    X(facility_id, STR, ID, NONE, LAB_F_REQUIRED,                    \
      "facility that made or holds the lot")                         \
    X(commodity, STR, NONE, NONE, 0, "what the lot is, in words")    \
    X(hs_code, STR, HS, NONE, 0, "Harmonized System code")           \
    X(quantity, NUM, NONNEG, NONE, 0, "quantity of the lot")         \
    X(unit, STR, NONE, NONE, 0, "unit of quantity (kg, m, pcs...)")  \
    X(produced_start, STR, DATE, NONE, 0, "first day of production") \
    X(produced_end, STR, DATE, NONE, 0, "last day of production")    \
    X(custody, STR, ENUM, CUSTODY, LAB_F_DEFAULT,                    \
      "chain-of-custody model: identity_preserved, segregated, "     \
      "mass_balance, book_and_claim or unknown (default)")           \
    X(certificates, LIST, NONE, NONE, 0,                             \
      "chain-of-custody certificate references, ';'")

#define LAB_LOT_INPUT_FIELDS(X)                                               \
    X(id, STR, ID, NONE, 0, "input id; default input_lot_id>lot_id")          \
    X(lot_id, STR, ID, NONE, LAB_F_REQUIRED, "the lot made")                  \
    X(input_lot_id, STR, ID, NONE, LAB_F_REQUIRED, "a lot that went into it") \
    X(quantity, NUM, NONNEG, NONE, 0, "quantity of the input lot used")       \
    X(unit, STR, NONE, NONE, 0, "unit of quantity")                           \
    X(conversion_factor, NUM, NONNEG, NONE, 0,                                \
      "output units per unit of this input (default 1)")                      \
    X(date, STR, DATE, NONE, 0, "when it was used")

/* Ownership: who holds what share of a supplier (or of another owner),
 * according to which source; an owner that is not a supplier is an
 * outside company described by the owner_* columns. */
#define LAB_OWNERSHIP_FIELDS(X)                                             \
    X(id, STR, ID, NONE, 0, "ownership id; default owner>owned")            \
    X(owner, STR, ID, NONE, LAB_F_REQUIRED,                                 \
      "the holder: a supplier id, or an id for an outside company")         \
    X(owned, STR, ID, NONE, LAB_F_REQUIRED,                                 \
      "what is held: a supplier id or another owner's id")                  \
    X(share, NUM, PERCENT, NONE, LAB_F_REQUIRED,                            \
      "percent of the shares or votes held, 0 to 100")                      \
    X(owner_name, STR, NONE, NONE, 0,                                       \
      "an outside owner's registered name (default: its id)")               \
    X(owner_country, STR, COUNTRY, NONE, 0, "an outside owner's country")   \
    X(owner_address, STR, NONE, NONE, 0, "an outside owner's address")      \
    X(owner_identifiers, LIST, IDENT, NONE, 0,                              \
      "an outside owner's registry identifiers scheme:value, ';'")          \
    X(source, STR, NONE, NONE, 0,                                           \
      "where the holding is recorded (registry extract, annual report...)") \
    X(as_of, STR, DATE, NONE, 0, "date the source gives the holding for")

/* Chain facts: derived once per dataset for every supplier, covering the
 * supplier and everything upstream of it. */
#define LAB_CHAIN_FIELDS(X)                                                \
    X(depth, INT, NONE, NONE, LAB_F_DERIVED,                               \
      "longest run of links upstream (0 = no inputs)")                     \
    X(countries, LIST, NONE, NONE, LAB_F_DERIVED,                          \
      "countries of every supplier in the chain")                          \
    X(subdivisions, LIST, NONE, NONE, LAB_F_DERIVED,                       \
      "ISO 3166-2 regions of every supplier in the chain")                 \
    X(origin_countries, LIST, NONE, NONE, LAB_F_DERIVED,                   \
      "countries of the suppliers with no inputs")                         \
    X(roles, LIST, NONE, NONE, LAB_F_DERIVED, "roles present upstream")    \
    X(untraced, INT, NONE, NONE, LAB_F_DERIVED,                            \
      "distinct suppliers upstream with no inputs that are not an origin " \
      "(farm or gin)")                                                     \
    X(untraced_ids, LIST, NONE, NONE, LAB_F_DERIVED,                       \
      "ids of those untraced suppliers")                                   \
    X(in_cycle, BOOL, NONE, NONE, LAB_F_DERIVED,                           \
      "the chain contains a cycle of links")                               \
    X(verified_volume, NUM, NONE, NONE, LAB_F_DERIVED,                     \
      "output volume that inputs traced to an origin can account for "     \
      "(mass balance, in this supplier's output units)")                   \
    X(untraced_volume, NUM, NONE, NONE, LAB_F_DERIVED,                     \
      "input volume, in output units, not traced to an origin")            \
    X(lot, STR, NONE, NONE, LAB_F_DERIVED,                                 \
      "the product lot whose chain this is; absent for a chain of whole "  \
      "suppliers")                                                         \
    X(lots, LIST, NONE, NONE, LAB_F_DERIVED,                               \
      "every lot the product lot was made from, transitively")             \
    X(custody, STR, NONE, NONE, LAB_F_DERIVED,                             \
      "weakest chain-of-custody model on any lot of the chain")            \
    X(custody_weakest_lot, STR, NONE, NONE, LAB_F_DERIVED,                 \
      "a lot kept under that weakest model")                               \
    X(max_output_excess, NUM, NONE, NONE, LAB_F_DERIVED,                   \
      "largest share by which a lot's quantity exceeds its inputs times "  \
      "their conversion factors (0.05 = 5 % over)")                        \
    X(overdeclared_lot, STR, NONE, NONE, LAB_F_DERIVED,                    \
      "the lot with that largest excess")                                  \
    X(unquantified_inputs, INT, NONE, NONE, LAB_F_DERIVED,                 \
      "lot inputs in the chain without a quantity, or whose unit differs " \
      "from their lot's without a conversion factor")

#define LAB_X_MEMBER(name, type, check, ev, flags, doc) LAB_CTYPE_##type name;

typedef struct lab_supplier {
    LAB_SUPPLIER_FIELDS(LAB_X_MEMBER)
} lab_supplier;
typedef struct lab_link {
    LAB_LINK_FIELDS(LAB_X_MEMBER)
} lab_link;
typedef struct lab_audit {
    LAB_AUDIT_FIELDS(LAB_X_MEMBER)
} lab_audit;
typedef struct lab_document {
    LAB_DOCUMENT_FIELDS(LAB_X_MEMBER)
} lab_document;
typedef struct lab_product {
    LAB_PRODUCT_FIELDS(LAB_X_MEMBER)
} lab_product;
typedef struct lab_noncompliance {
    LAB_NONCOMPLIANCE_FIELDS(LAB_X_MEMBER)
} lab_noncompliance;
typedef struct lab_lot {
    LAB_LOT_FIELDS(LAB_X_MEMBER)
} lab_lot;
typedef struct lab_lot_input {
    LAB_LOT_INPUT_FIELDS(LAB_X_MEMBER)
} lab_lot_input;
typedef struct lab_ownership {
    LAB_OWNERSHIP_FIELDS(LAB_X_MEMBER)
} lab_ownership;
typedef struct lab_chain {
    LAB_CHAIN_FIELDS(LAB_X_MEMBER)
} lab_chain;

/* One field. */
typedef struct lab_field {
    const char *name;
    uint8_t type;  /* lab_ftype */
    uint8_t check; /* lab_fcheck */
    uint8_t flags; /* LAB_F_* */
    uint16_t offset;
    const char *const *enum_values; /* NULL-terminated, for LAB_CK_ENUM */
    const char *doc;
} lab_field;

/* Record kinds and the derived chain, as seen by conditions. */
typedef enum lab_entity_id {
    LAB_ENT_SUPPLIER = 0,
    LAB_ENT_LINK,
    LAB_ENT_AUDIT,
    LAB_ENT_DOCUMENT,
    LAB_ENT_PRODUCT,
    LAB_ENT_NONCOMPLIANCE,
    LAB_ENT_LOT,
    LAB_ENT_LOT_INPUT,
    LAB_ENT_OWNERSHIP,
    LAB_ENT_CHAIN,
    LAB_ENT_COUNT_
} lab_entity_id;

typedef struct lab_entity {
    const char *name; /* "supplier" */
    const char *file; /* "suppliers.csv", NULL for chain */
    const lab_field *fields;
    size_t nfields;
    size_t size; /* sizeof the record struct */
} lab_entity;

extern const lab_entity lab_entities[LAB_ENT_COUNT_];

/* The field called name[0..n) of entity e, or NULL. */
const lab_field *lab_field_find(const lab_entity *e, const char *name,
                                size_t n);

/* Sets every field of a new record to "absent". */
void lab_record_clear(const lab_entity *e, void *rec);

/*
 * Parses `text` for field f and stores it in rec.  Empty text leaves the
 * field absent.  Derived fields are accepted too (rule-pack tests set
 * chain facts directly); input adapters reach fields through
 * lab_ds_column(), which never returns a derived one.  Strings are interned in
 * st.  On a bad value returns LAB_ESCHEMA with "file:line:col: field: expected
 * ..., got '...'".
 */
int lab_field_set(const lab_field *f, void *rec, const char *text, size_t len,
                  lab_strtab *st, lab_pos pos);

/* Parses text for field f as lab_field_set does (the same checks and
 * messages), into a value rather than a record: for fields that live
 * outside the record structs (pack-declared fields).  Empty text gives
 * null.  Strings and lists are interned in st. */
int lab_field_parse(const lab_field *f, const char *text, size_t len,
                    lab_strtab *st, lab_pos pos, lab_val *out);

/* Reads a field of a record as a value (absent gives null). */
lab_val lab_field_get(const lab_field *f, const void *rec);

/* The JSON kind a field's values have in conditions. */
lab_vtype lab_field_vtype(const lab_field *f);

/* Fills the defaults of the fields flagged LAB_F_DEFAULT that are absent. */
void lab_record_defaults(const lab_entity *e, void *rec);

/* After all fields of rec are set: fills defaults (LAB_F_DEFAULT), then
 * checks that required fields are present, naming the first missing one. */
int lab_record_check_required(const lab_entity *e, void *rec, lab_pos pos);

#endif /* LAB_SCHEMA_H */
