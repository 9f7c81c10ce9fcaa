-- load-cotton.sql - loads the bundled cotton example (examples/cotton/
-- *.csv) into labaudit's reference schema (examples/sql/schema.sql), for
-- trying `labaudit check --data postgresql://...` and for the tests.  Run
-- it with psql from the top of the repository, after schema.sql:
--     psql -v ON_ERROR_STOP=1 -d DB -f examples/sql/schema.sql \
--          -f examples/sql/load-cotton.sql
-- Each CSV goes through a text-only staging table so that ';'-separated
-- list fields become text[] and empty cells become NULL.
BEGIN;

CREATE TEMP TABLE stage_suppliers (id text, name text, role text, country text, subdivision text, os_id text, lei text, duns text, gln text, address text, city text, aliases text, workers text, licensed text, ethical_association_member text, recruits_for text) ON COMMIT DROP;
\copy stage_suppliers (id, name, role, country, subdivision, os_id, lei, duns, gln, address, city, aliases, workers, licensed, ethical_association_member, recruits_for) FROM 'examples/cotton/suppliers.csv' WITH (FORMAT csv, HEADER true)
INSERT INTO supplychain.suppliers (id, name, role, country, subdivision, os_id, lei, duns, gln, address, city, aliases, workers, licensed, ethical_association_member, recruits_for)
SELECT NULLIF(id, ''),
       NULLIF(name, ''),
       NULLIF(role, ''),
       NULLIF(country, ''),
       NULLIF(subdivision, ''),
       NULLIF(os_id, ''),
       NULLIF(lei, ''),
       NULLIF(duns, ''),
       NULLIF(gln, ''),
       NULLIF(address, ''),
       NULLIF(city, ''),
       string_to_array(NULLIF(aliases, ''), ';'),
       NULLIF(workers, '')::integer,
       NULLIF(licensed, '')::boolean,
       NULLIF(ethical_association_member, '')::boolean,
       string_to_array(NULLIF(recruits_for, ''), ';')
  FROM stage_suppliers
ON CONFLICT (id) DO NOTHING;

CREATE TEMP TABLE stage_links (id text, supplier_id text, buyer_id text, hs_code text, commodity text, volume text, unit text, conversion_factor text, lot text, period_start text, period_end text) ON COMMIT DROP;
\copy stage_links (id, supplier_id, buyer_id, hs_code, commodity, volume, unit, conversion_factor, lot, period_start, period_end) FROM 'examples/cotton/links.csv' WITH (FORMAT csv, HEADER true)
INSERT INTO supplychain.links (id, supplier_id, buyer_id, hs_code, commodity, volume, unit, conversion_factor, lot, period_start, period_end)
SELECT NULLIF(id, ''),
       NULLIF(supplier_id, ''),
       NULLIF(buyer_id, ''),
       NULLIF(hs_code, ''),
       NULLIF(commodity, ''),
       NULLIF(volume, '')::numeric,
       NULLIF(unit, ''),
       NULLIF(conversion_factor, '')::numeric,
       NULLIF(lot, ''),
       NULLIF(period_start, '')::date,
       NULLIF(period_end, '')::date
  FROM stage_links s
 WHERE NOT EXISTS (SELECT 1 FROM supplychain.links l WHERE l.id = s.id);

CREATE TEMP TABLE stage_audits (id text, supplier_id text, scheme text, type text, kind text, auditor_org text, start_date text, end_date text, workers_total text, workers_female text, workers_male text, workers_under_18 text, workers_under_15 text, migrants_foreign text, migrants_domestic text, agency_workers text, interviews_total text, interviews_offsite text, documents_held_by_employer text, documents_held_by_recruiter text, recruitment_fees_paid_by_workers text, lowest_wage text, legal_minimum_wage text, currency text, max_weekly_hours text, max_consecutive_days text, worker_representation text, grievance_mechanism text, report_sha256 text, interviews_female text, interviews_male text, ilo_abuse_of_vulnerability text, ilo_deception text, ilo_restriction_of_movement text, ilo_isolation text, ilo_physical_sexual_violence text, ilo_intimidation_threats text, ilo_retention_of_documents text, ilo_withholding_of_wages text, ilo_debt_bondage text, ilo_abusive_conditions text, ilo_excessive_overtime text, documents_held_by_dormitory text, documents_safekeeping_no_access text, documents_held_kinds text, recruitment_fee_max text, workers_with_recruitment_loans text, deposits_required text, permits_tied_to_employer text, permits_renewable_only_by_employer text, contracts_substituted text, workers_state_transfer text, minimum_age text, workers_below_minimum_age text, young_workers_hazardous text, age_verification text, lowest_wage_migrants text, wage_delay_days text, retaliation_cases text, noncompliances_total text, noncompliances_open text, noncompliances_earliest_due text, noncompliances_critical_open text, records_retention_years text) ON COMMIT DROP;
\copy stage_audits (id, supplier_id, scheme, type, kind, auditor_org, start_date, end_date, workers_total, workers_female, workers_male, workers_under_18, workers_under_15, migrants_foreign, migrants_domestic, agency_workers, interviews_total, interviews_offsite, documents_held_by_employer, documents_held_by_recruiter, recruitment_fees_paid_by_workers, lowest_wage, legal_minimum_wage, currency, max_weekly_hours, max_consecutive_days, worker_representation, grievance_mechanism, report_sha256, interviews_female, interviews_male, ilo_abuse_of_vulnerability, ilo_deception, ilo_restriction_of_movement, ilo_isolation, ilo_physical_sexual_violence, ilo_intimidation_threats, ilo_retention_of_documents, ilo_withholding_of_wages, ilo_debt_bondage, ilo_abusive_conditions, ilo_excessive_overtime, documents_held_by_dormitory, documents_safekeeping_no_access, documents_held_kinds, recruitment_fee_max, workers_with_recruitment_loans, deposits_required, permits_tied_to_employer, permits_renewable_only_by_employer, contracts_substituted, workers_state_transfer, minimum_age, workers_below_minimum_age, young_workers_hazardous, age_verification, lowest_wage_migrants, wage_delay_days, retaliation_cases, noncompliances_total, noncompliances_open, noncompliances_earliest_due, noncompliances_critical_open, records_retention_years) FROM 'examples/cotton/audits.csv' WITH (FORMAT csv, HEADER true)
INSERT INTO supplychain.audits (id, supplier_id, scheme, type, kind, auditor_org, start_date, end_date, workers_total, workers_female, workers_male, workers_under_18, workers_under_15, migrants_foreign, migrants_domestic, agency_workers, interviews_total, interviews_offsite, documents_held_by_employer, documents_held_by_recruiter, recruitment_fees_paid_by_workers, lowest_wage, legal_minimum_wage, currency, max_weekly_hours, max_consecutive_days, worker_representation, grievance_mechanism, report_sha256, interviews_female, interviews_male, ilo_abuse_of_vulnerability, ilo_deception, ilo_restriction_of_movement, ilo_isolation, ilo_physical_sexual_violence, ilo_intimidation_threats, ilo_retention_of_documents, ilo_withholding_of_wages, ilo_debt_bondage, ilo_abusive_conditions, ilo_excessive_overtime, documents_held_by_dormitory, documents_safekeeping_no_access, documents_held_kinds, recruitment_fee_max, workers_with_recruitment_loans, deposits_required, permits_tied_to_employer, permits_renewable_only_by_employer, contracts_substituted, workers_state_transfer, minimum_age, workers_below_minimum_age, young_workers_hazardous, age_verification, lowest_wage_migrants, wage_delay_days, retaliation_cases, noncompliances_total, noncompliances_open, noncompliances_earliest_due, noncompliances_critical_open, records_retention_years)
SELECT NULLIF(id, ''),
       NULLIF(supplier_id, ''),
       NULLIF(scheme, ''),
       NULLIF(type, ''),
       NULLIF(kind, ''),
       NULLIF(auditor_org, ''),
       NULLIF(start_date, '')::date,
       NULLIF(end_date, '')::date,
       NULLIF(workers_total, '')::integer,
       NULLIF(workers_female, '')::integer,
       NULLIF(workers_male, '')::integer,
       NULLIF(workers_under_18, '')::integer,
       NULLIF(workers_under_15, '')::integer,
       NULLIF(migrants_foreign, '')::integer,
       NULLIF(migrants_domestic, '')::integer,
       NULLIF(agency_workers, '')::integer,
       NULLIF(interviews_total, '')::integer,
       NULLIF(interviews_offsite, '')::integer,
       NULLIF(documents_held_by_employer, '')::integer,
       NULLIF(documents_held_by_recruiter, '')::integer,
       NULLIF(recruitment_fees_paid_by_workers, '')::integer,
       NULLIF(lowest_wage, '')::numeric,
       NULLIF(legal_minimum_wage, '')::numeric,
       NULLIF(currency, ''),
       NULLIF(max_weekly_hours, '')::numeric,
       NULLIF(max_consecutive_days, '')::integer,
       NULLIF(worker_representation, '')::boolean,
       NULLIF(grievance_mechanism, '')::boolean,
       NULLIF(report_sha256, ''),
       NULLIF(interviews_female, '')::integer,
       NULLIF(interviews_male, '')::integer,
       NULLIF(ilo_abuse_of_vulnerability, '')::integer,
       NULLIF(ilo_deception, '')::integer,
       NULLIF(ilo_restriction_of_movement, '')::integer,
       NULLIF(ilo_isolation, '')::integer,
       NULLIF(ilo_physical_sexual_violence, '')::integer,
       NULLIF(ilo_intimidation_threats, '')::integer,
       NULLIF(ilo_retention_of_documents, '')::integer,
       NULLIF(ilo_withholding_of_wages, '')::integer,
       NULLIF(ilo_debt_bondage, '')::integer,
       NULLIF(ilo_abusive_conditions, '')::integer,
       NULLIF(ilo_excessive_overtime, '')::integer,
       NULLIF(documents_held_by_dormitory, '')::integer,
       NULLIF(documents_safekeeping_no_access, '')::integer,
       string_to_array(NULLIF(documents_held_kinds, ''), ';'),
       NULLIF(recruitment_fee_max, '')::numeric,
       NULLIF(workers_with_recruitment_loans, '')::integer,
       NULLIF(deposits_required, '')::integer,
       NULLIF(permits_tied_to_employer, '')::integer,
       NULLIF(permits_renewable_only_by_employer, '')::integer,
       NULLIF(contracts_substituted, '')::integer,
       NULLIF(workers_state_transfer, '')::integer,
       NULLIF(minimum_age, '')::integer,
       NULLIF(workers_below_minimum_age, '')::integer,
       NULLIF(young_workers_hazardous, '')::integer,
       NULLIF(age_verification, '')::boolean,
       NULLIF(lowest_wage_migrants, '')::numeric,
       NULLIF(wage_delay_days, '')::integer,
       NULLIF(retaliation_cases, '')::integer,
       NULLIF(noncompliances_total, '')::integer,
       NULLIF(noncompliances_open, '')::integer,
       NULLIF(noncompliances_earliest_due, '')::date,
       NULLIF(noncompliances_critical_open, '')::integer,
       NULLIF(records_retention_years, '')::numeric
  FROM stage_audits
ON CONFLICT (id) DO NOTHING;

CREATE TEMP TABLE stage_documents (id text, supplier_id text, audit_id text, kind text, uri text, media_type text, sha256 text, issued text, product_id text, lots text, reference text, laboratory text, accreditation text, test_method text, sample_id text, sample_custody text, test_result text) ON COMMIT DROP;
\copy stage_documents (id, supplier_id, audit_id, kind, uri, media_type, sha256, issued, product_id, lots, reference, laboratory, accreditation, test_method, sample_id, sample_custody, test_result) FROM 'examples/cotton/documents.csv' WITH (FORMAT csv, HEADER true)
INSERT INTO supplychain.documents (id, supplier_id, audit_id, kind, uri, media_type, sha256, issued, product_id, lots, reference, laboratory, accreditation, test_method, sample_id, sample_custody, test_result)
SELECT NULLIF(id, ''),
       NULLIF(supplier_id, ''),
       NULLIF(audit_id, ''),
       NULLIF(kind, ''),
       NULLIF(uri, ''),
       NULLIF(media_type, ''),
       NULLIF(sha256, ''),
       NULLIF(issued, '')::date,
       NULLIF(product_id, ''),
       string_to_array(NULLIF(lots, ''), ';'),
       NULLIF(reference, ''),
       NULLIF(laboratory, ''),
       NULLIF(accreditation, ''),
       NULLIF(test_method, ''),
       NULLIF(sample_id, ''),
       NULLIF(sample_custody, ''),
       NULLIF(test_result, '')
  FROM stage_documents
ON CONFLICT (id) DO NOTHING;

CREATE TEMP TABLE stage_products (id text, name text, supplier_id text, hs_code text, claim text, lots text, claimed_volume text, unit text) ON COMMIT DROP;
\copy stage_products (id, name, supplier_id, hs_code, claim, lots, claimed_volume, unit) FROM 'examples/cotton/products.csv' WITH (FORMAT csv, HEADER true)
INSERT INTO supplychain.products (id, name, supplier_id, hs_code, claim, lots, claimed_volume, unit)
SELECT NULLIF(id, ''),
       NULLIF(name, ''),
       NULLIF(supplier_id, ''),
       NULLIF(hs_code, ''),
       NULLIF(claim, ''),
       string_to_array(NULLIF(lots, ''), ';'),
       NULLIF(claimed_volume, '')::numeric,
       NULLIF(unit, '')
  FROM stage_products
ON CONFLICT (id) DO NOTHING;

CREATE TEMP TABLE stage_noncompliances (id text, audit_id text, supplier_id text, area text, ilo_indicator text, clause text, severity text, description text, status text, raised_date text, due_date text, closed_date text, closing_audit_id text, verification_method text, evidence text, workers_affected_female text, workers_affected_male text, workers_affected_under_18 text, workers_affected_under_15 text) ON COMMIT DROP;
\copy stage_noncompliances (id, audit_id, supplier_id, area, ilo_indicator, clause, severity, description, status, raised_date, due_date, closed_date, closing_audit_id, verification_method, evidence, workers_affected_female, workers_affected_male, workers_affected_under_18, workers_affected_under_15) FROM 'examples/cotton/noncompliances.csv' WITH (FORMAT csv, HEADER true)
INSERT INTO supplychain.noncompliances (id, audit_id, supplier_id, area, ilo_indicator, clause, severity, description, status, raised_date, due_date, closed_date, closing_audit_id, verification_method, evidence, workers_affected_female, workers_affected_male, workers_affected_under_18, workers_affected_under_15)
SELECT NULLIF(id, ''),
       NULLIF(audit_id, ''),
       NULLIF(supplier_id, ''),
       NULLIF(area, ''),
       NULLIF(ilo_indicator, ''),
       NULLIF(clause, ''),
       NULLIF(severity, ''),
       NULLIF(description, ''),
       NULLIF(status, ''),
       NULLIF(raised_date, '')::date,
       NULLIF(due_date, '')::date,
       NULLIF(closed_date, '')::date,
       NULLIF(closing_audit_id, ''),
       NULLIF(verification_method, ''),
       string_to_array(NULLIF(evidence, ''), ';'),
       NULLIF(workers_affected_female, '')::integer,
       NULLIF(workers_affected_male, '')::integer,
       NULLIF(workers_affected_under_18, '')::integer,
       NULLIF(workers_affected_under_15, '')::integer
  FROM stage_noncompliances
ON CONFLICT (id) DO NOTHING;

CREATE TEMP TABLE stage_lots (id text, facility_id text, commodity text, hs_code text, quantity text, unit text, produced_start text, produced_end text, custody text, certificates text) ON COMMIT DROP;
\copy stage_lots (id, facility_id, commodity, hs_code, quantity, unit, produced_start, produced_end, custody, certificates) FROM 'examples/cotton/lots.csv' WITH (FORMAT csv, HEADER true)
INSERT INTO supplychain.lots (id, facility_id, commodity, hs_code, quantity, unit, produced_start, produced_end, custody, certificates)
SELECT id, facility_id, NULLIF(commodity, ''), NULLIF(hs_code, ''),
       NULLIF(quantity, '')::numeric, NULLIF(unit, ''),
       NULLIF(produced_start, '')::date, NULLIF(produced_end, '')::date,
       NULLIF(custody, ''), string_to_array(NULLIF(certificates, ''), ';')
  FROM stage_lots
ON CONFLICT (id) DO NOTHING;

CREATE TEMP TABLE stage_lot_inputs (lot_id text, input_lot_id text, quantity text, unit text, conversion_factor text, date text) ON COMMIT DROP;
\copy stage_lot_inputs (lot_id, input_lot_id, quantity, unit, conversion_factor, date) FROM 'examples/cotton/lot_inputs.csv' WITH (FORMAT csv, HEADER true)
INSERT INTO supplychain.lot_inputs (id, lot_id, input_lot_id, quantity, unit, conversion_factor, date)
SELECT input_lot_id || '>' || lot_id, lot_id, input_lot_id,
       NULLIF(quantity, '')::numeric, NULLIF(unit, ''),
       NULLIF(conversion_factor, '')::numeric, NULLIF(date, '')::date
  FROM stage_lot_inputs
ON CONFLICT (id) DO NOTHING;

COMMIT;
