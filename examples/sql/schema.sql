-- schema.sql - labaudit's reference schema: the tables an ERP (or a
-- staging area fed from one) can keep supplier, link, audit, document,
-- product, non-compliance, lot and ownership records in so that `labaudit check --data postgresql://...`
-- reads them through examples/sql/mapping.ini (the built-in mapping).
-- Columns are named and typed as labaudit's fields (`labaudit rules
-- fields` describes each); list fields are text[]; the types check what
-- the database can, labaudit checks the rest when it reads a row.
-- Generated from plugin/src/schema.h; safe to run twice.
CREATE SCHEMA IF NOT EXISTS supplychain;

CREATE TABLE IF NOT EXISTS supplychain.suppliers (
    id text PRIMARY KEY,
    name text NOT NULL,
    role text CHECK (role IN ('farm', 'gin', 'spinner', 'fabric_mill', 'dye_house', 'garment_maker', 'trader', 'brand', 'recruitment_agency', 'other')),
    country text NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    subdivision text,
    os_id text,
    lei text,
    duns text,
    gln text,
    address text,
    city text,
    aliases text[],
    workers integer CHECK (workers >= 0),
    licensed boolean,
    ethical_association_member boolean,
    recruits_for text[],
    parent text,
    identifiers text[]
);
-- added with ownership screening: a table made before gets them here
ALTER TABLE supplychain.suppliers ADD COLUMN IF NOT EXISTS parent text;
ALTER TABLE supplychain.suppliers ADD COLUMN IF NOT EXISTS identifiers text[];
COMMENT ON COLUMN supplychain.suppliers.id IS 'the supplier''s id in the ERP';
COMMENT ON COLUMN supplychain.suppliers.name IS 'registered name';
COMMENT ON COLUMN supplychain.suppliers.role IS 'what the facility does';
COMMENT ON COLUMN supplychain.suppliers.country IS 'ISO 3166-1 alpha-2';
COMMENT ON COLUMN supplychain.suppliers.subdivision IS 'ISO 3166-2 region, e.g. CN-XJ';
COMMENT ON COLUMN supplychain.suppliers.os_id IS 'Open Supply Hub OS ID';
COMMENT ON COLUMN supplychain.suppliers.lei IS 'Legal Entity Identifier';
COMMENT ON COLUMN supplychain.suppliers.duns IS 'D-U-N-S number';
COMMENT ON COLUMN supplychain.suppliers.gln IS 'GS1 Global Location Number';
COMMENT ON COLUMN supplychain.suppliers.address IS 'street address';
COMMENT ON COLUMN supplychain.suppliers.city IS 'city';
COMMENT ON COLUMN supplychain.suppliers.aliases IS 'other names, separated by '';''';
COMMENT ON COLUMN supplychain.suppliers.workers IS 'number of workers';
COMMENT ON COLUMN supplychain.suppliers.licensed IS 'recruiter holds a licence';
COMMENT ON COLUMN supplychain.suppliers.ethical_association_member IS 'recruiter is a member of an ethical employment association';
COMMENT ON COLUMN supplychain.suppliers.recruits_for IS 'recruiter: ids of the facilities it supplies workers to, '';''';
COMMENT ON COLUMN supplychain.suppliers.parent IS 'controlling owner: a supplier id, an ownership owner id, or the name of an outside company';
COMMENT ON COLUMN supplychain.suppliers.identifiers IS 'registry identifiers scheme:value (uscc:..., lei:..., duns:...)';

CREATE TABLE IF NOT EXISTS supplychain.links (
    id text,
    supplier_id text NOT NULL,
    buyer_id text NOT NULL,
    hs_code text,
    commodity text,
    volume numeric CHECK (volume >= 0),
    unit text,
    conversion_factor numeric CHECK (conversion_factor >= 0),
    lot text,
    period_start date,
    period_end date
);
COMMENT ON COLUMN supplychain.links.id IS 'link id; default supplier_id>buyer_id';
COMMENT ON COLUMN supplychain.links.supplier_id IS 'who supplies';
COMMENT ON COLUMN supplychain.links.buyer_id IS 'who buys';
COMMENT ON COLUMN supplychain.links.hs_code IS 'Harmonized System code of the goods';
COMMENT ON COLUMN supplychain.links.commodity IS 'what is supplied, in words';
COMMENT ON COLUMN supplychain.links.volume IS 'quantity in the period';
COMMENT ON COLUMN supplychain.links.unit IS 'unit of volume (kg, m, pcs...)';
COMMENT ON COLUMN supplychain.links.conversion_factor IS 'buyer''s output units per unit of this input';
COMMENT ON COLUMN supplychain.links.lot IS 'lot or batch';
COMMENT ON COLUMN supplychain.links.period_start IS 'first day of the period';
COMMENT ON COLUMN supplychain.links.period_end IS 'last day of the period';

CREATE TABLE IF NOT EXISTS supplychain.audits (
    id text PRIMARY KEY,
    supplier_id text NOT NULL,
    scheme text CHECK (scheme IN ('smeta_2p', 'smeta_4p', 'amfori_bsci', 'sa8000', 'slcp', 'internal', 'other')),
    type text CHECK (type IN ('announced', 'semi_announced', 'unannounced')),
    kind text CHECK (kind IN ('full', 'follow_up', 'verification', 'desk_review', 'self_assessment')),
    auditor_org text,
    start_date date NOT NULL,
    end_date date,
    workers_total integer CHECK (workers_total >= 0),
    workers_female integer CHECK (workers_female >= 0),
    workers_male integer CHECK (workers_male >= 0),
    workers_under_18 integer CHECK (workers_under_18 >= 0),
    workers_under_15 integer CHECK (workers_under_15 >= 0),
    migrants_foreign integer CHECK (migrants_foreign >= 0),
    migrants_domestic integer CHECK (migrants_domestic >= 0),
    agency_workers integer CHECK (agency_workers >= 0),
    interviews_total integer CHECK (interviews_total >= 0),
    interviews_offsite integer CHECK (interviews_offsite >= 0),
    documents_held_by_employer integer CHECK (documents_held_by_employer >= 0),
    documents_held_by_recruiter integer CHECK (documents_held_by_recruiter >= 0),
    recruitment_fees_paid_by_workers integer CHECK (recruitment_fees_paid_by_workers >= 0),
    lowest_wage numeric CHECK (lowest_wage >= 0),
    legal_minimum_wage numeric CHECK (legal_minimum_wage >= 0),
    currency text,
    max_weekly_hours numeric CHECK (max_weekly_hours >= 0),
    max_consecutive_days integer CHECK (max_consecutive_days >= 0),
    worker_representation boolean,
    grievance_mechanism boolean,
    report_sha256 text,
    auditor_name text,
    auditor_accreditation text,
    facility_name text,
    facility_os_id text,
    facility_country text CHECK (facility_country ~ '^[A-Z]{2}$'),
    facility_subdivision text,
    recruitment_agencies_used integer CHECK (recruitment_agencies_used >= 0),
    interviews_female integer CHECK (interviews_female >= 0),
    interviews_male integer CHECK (interviews_male >= 0),
    interview_languages text[],
    ilo_abuse_of_vulnerability integer CHECK (ilo_abuse_of_vulnerability >= 0),
    ilo_deception integer CHECK (ilo_deception >= 0),
    ilo_restriction_of_movement integer CHECK (ilo_restriction_of_movement >= 0),
    ilo_isolation integer CHECK (ilo_isolation >= 0),
    ilo_physical_sexual_violence integer CHECK (ilo_physical_sexual_violence >= 0),
    ilo_intimidation_threats integer CHECK (ilo_intimidation_threats >= 0),
    ilo_retention_of_documents integer CHECK (ilo_retention_of_documents >= 0),
    ilo_withholding_of_wages integer CHECK (ilo_withholding_of_wages >= 0),
    ilo_debt_bondage integer CHECK (ilo_debt_bondage >= 0),
    ilo_abusive_conditions integer CHECK (ilo_abusive_conditions >= 0),
    ilo_excessive_overtime integer CHECK (ilo_excessive_overtime >= 0),
    documents_held_kinds text[],
    workers_with_recruitment_loans integer CHECK (workers_with_recruitment_loans >= 0),
    recruitment_fee_max numeric CHECK (recruitment_fee_max >= 0),
    permits_tied_to_employer integer CHECK (permits_tied_to_employer >= 0),
    young_workers_hazardous integer CHECK (young_workers_hazardous >= 0),
    noncompliances_total integer CHECK (noncompliances_total >= 0),
    noncompliances_open integer CHECK (noncompliances_open >= 0),
    noncompliances_critical_open integer CHECK (noncompliances_critical_open >= 0),
    noncompliances_earliest_due date,
    documents_held_by_dormitory integer CHECK (documents_held_by_dormitory >= 0),
    documents_safekeeping_no_access integer CHECK (documents_safekeeping_no_access >= 0),
    deposits_required integer CHECK (deposits_required >= 0),
    permits_renewable_only_by_employer integer CHECK (permits_renewable_only_by_employer >= 0),
    contracts_substituted integer CHECK (contracts_substituted >= 0),
    workers_state_transfer integer CHECK (workers_state_transfer >= 0),
    minimum_age integer CHECK (minimum_age >= 0),
    workers_below_minimum_age integer CHECK (workers_below_minimum_age >= 0),
    age_verification boolean,
    lowest_wage_migrants numeric CHECK (lowest_wage_migrants >= 0),
    wage_delay_days integer CHECK (wage_delay_days >= 0),
    retaliation_cases integer CHECK (retaliation_cases >= 0),
    records_retention_years numeric CHECK (records_retention_years >= 0)
);
-- A table made by an older schema.sql (without kind) gains it here.
ALTER TABLE supplychain.audits
    ADD COLUMN IF NOT EXISTS kind text CHECK (kind IN ('full', 'follow_up', 'verification', 'desk_review', 'self_assessment'));
COMMENT ON COLUMN supplychain.audits.id IS 'audit report id';
COMMENT ON COLUMN supplychain.audits.supplier_id IS 'audited facility';
COMMENT ON COLUMN supplychain.audits.scheme IS 'audit scheme';
COMMENT ON COLUMN supplychain.audits.type IS 'how it was announced';
COMMENT ON COLUMN supplychain.audits.kind IS 'full (default), follow_up, verification, desk_review or self_assessment';
COMMENT ON COLUMN supplychain.audits.auditor_org IS 'audit firm';
COMMENT ON COLUMN supplychain.audits.start_date IS 'first day on site';
COMMENT ON COLUMN supplychain.audits.end_date IS 'last day on site';
COMMENT ON COLUMN supplychain.audits.workers_total IS 'workforce';
COMMENT ON COLUMN supplychain.audits.workers_female IS 'women';
COMMENT ON COLUMN supplychain.audits.workers_male IS 'men';
COMMENT ON COLUMN supplychain.audits.workers_under_18 IS 'young workers (under 18)';
COMMENT ON COLUMN supplychain.audits.workers_under_15 IS 'children under 15';
COMMENT ON COLUMN supplychain.audits.migrants_foreign IS 'foreign migrant workers';
COMMENT ON COLUMN supplychain.audits.migrants_domestic IS 'internal migrant workers';
COMMENT ON COLUMN supplychain.audits.agency_workers IS 'workers hired via agencies';
COMMENT ON COLUMN supplychain.audits.interviews_total IS 'workers interviewed';
COMMENT ON COLUMN supplychain.audits.interviews_offsite IS 'of them, off site';
COMMENT ON COLUMN supplychain.audits.documents_held_by_employer IS 'workers whose identity documents the employer holds';
COMMENT ON COLUMN supplychain.audits.documents_held_by_recruiter IS 'workers whose identity documents a recruiter holds';
COMMENT ON COLUMN supplychain.audits.recruitment_fees_paid_by_workers IS 'workers who paid recruitment fees';
COMMENT ON COLUMN supplychain.audits.lowest_wage IS 'lowest monthly wage paid';
COMMENT ON COLUMN supplychain.audits.legal_minimum_wage IS 'legal monthly minimum';
COMMENT ON COLUMN supplychain.audits.currency IS 'ISO 4217 currency of wages';
COMMENT ON COLUMN supplychain.audits.max_weekly_hours IS 'longest week worked, hours';
COMMENT ON COLUMN supplychain.audits.max_consecutive_days IS 'longest run without rest';
COMMENT ON COLUMN supplychain.audits.worker_representation IS 'a union or elected worker body exists';
COMMENT ON COLUMN supplychain.audits.grievance_mechanism IS 'workers can raise grievances';
COMMENT ON COLUMN supplychain.audits.report_sha256 IS 'SHA-256 of the report file';
COMMENT ON COLUMN supplychain.audits.auditor_name IS 'lead auditor';
COMMENT ON COLUMN supplychain.audits.auditor_accreditation IS 'lead auditor''s accreditation (e.g. APSCA number)';
COMMENT ON COLUMN supplychain.audits.facility_name IS 'facility name as audited';
COMMENT ON COLUMN supplychain.audits.facility_os_id IS 'audited facility''s OS ID';
COMMENT ON COLUMN supplychain.audits.facility_country IS 'audited facility''s country';
COMMENT ON COLUMN supplychain.audits.facility_subdivision IS 'audited facility''s ISO 3166-2 region';
COMMENT ON COLUMN supplychain.audits.recruitment_agencies_used IS 'recruitment agencies the facility uses';
COMMENT ON COLUMN supplychain.audits.interviews_female IS 'women interviewed';
COMMENT ON COLUMN supplychain.audits.interviews_male IS 'men interviewed';
COMMENT ON COLUMN supplychain.audits.interview_languages IS 'languages of the interviews (BCP 47), separated by '';''';
COMMENT ON COLUMN supplychain.audits.ilo_abuse_of_vulnerability IS 'observations of ILO forced labour indicator 1';
COMMENT ON COLUMN supplychain.audits.ilo_deception IS 'observations of ILO indicator 2';
COMMENT ON COLUMN supplychain.audits.ilo_restriction_of_movement IS 'observations of ILO indicator 3';
COMMENT ON COLUMN supplychain.audits.ilo_isolation IS 'observations of ILO indicator 4';
COMMENT ON COLUMN supplychain.audits.ilo_physical_sexual_violence IS 'observations of ILO indicator 5';
COMMENT ON COLUMN supplychain.audits.ilo_intimidation_threats IS 'observations of ILO indicator 6';
COMMENT ON COLUMN supplychain.audits.ilo_retention_of_documents IS 'observations of ILO indicator 7';
COMMENT ON COLUMN supplychain.audits.ilo_withholding_of_wages IS 'observations of ILO indicator 8';
COMMENT ON COLUMN supplychain.audits.ilo_debt_bondage IS 'observations of ILO indicator 9';
COMMENT ON COLUMN supplychain.audits.ilo_abusive_conditions IS 'observations of ILO indicator 10';
COMMENT ON COLUMN supplychain.audits.ilo_excessive_overtime IS 'observations of ILO indicator 11';
COMMENT ON COLUMN supplychain.audits.documents_held_kinds IS 'identity documents held (passport, national_id...), '';''-separated';
COMMENT ON COLUMN supplychain.audits.workers_with_recruitment_loans IS 'workers repaying loans or advances to employer or recruiter';
COMMENT ON COLUMN supplychain.audits.recruitment_fee_max IS 'highest recruitment fee a worker paid, in currency';
COMMENT ON COLUMN supplychain.audits.permits_tied_to_employer IS 'workers whose work permit ties them to this employer';
COMMENT ON COLUMN supplychain.audits.young_workers_hazardous IS 'workers under 18 on hazardous or night work';
COMMENT ON COLUMN supplychain.audits.noncompliances_total IS 'non-compliances raised';
COMMENT ON COLUMN supplychain.audits.noncompliances_open IS 'non-compliances not yet closed';
COMMENT ON COLUMN supplychain.audits.noncompliances_critical_open IS 'critical non-compliances not yet closed';
COMMENT ON COLUMN supplychain.audits.noncompliances_earliest_due IS 'earliest due date of an open corrective action';
COMMENT ON COLUMN supplychain.audits.documents_held_by_dormitory IS 'workers whose identity documents a dormitory or landlord holds';
COMMENT ON COLUMN supplychain.audits.documents_safekeeping_no_access IS 'workers whose documents are in ''voluntary'' safekeeping without free 24-hour access';
COMMENT ON COLUMN supplychain.audits.deposits_required IS 'workers made to pay a deposit or bond to get or keep the job';
COMMENT ON COLUMN supplychain.audits.permits_renewable_only_by_employer IS 'workers who cannot extend or renew their permit themselves';
COMMENT ON COLUMN supplychain.audits.contracts_substituted IS 'workers whose contract differs from the one offered at recruitment';
COMMENT ON COLUMN supplychain.audits.workers_state_transfer IS 'workers placed through a state labour transfer programme';
COMMENT ON COLUMN supplychain.audits.minimum_age IS 'legal minimum age for employment that applies (14, 15 or 16)';
COMMENT ON COLUMN supplychain.audits.workers_below_minimum_age IS 'workers younger than minimum_age';
COMMENT ON COLUMN supplychain.audits.age_verification IS 'ages checked against documents at hiring and kept on file';
COMMENT ON COLUMN supplychain.audits.lowest_wage_migrants IS 'lowest monthly wage paid to a migrant or agency worker';
COMMENT ON COLUMN supplychain.audits.wage_delay_days IS 'longest delay of a wage payment past its due date, days';
COMMENT ON COLUMN supplychain.audits.retaliation_cases IS 'workers penalised for complaining, organising or speaking to auditors';
COMMENT ON COLUMN supplychain.audits.records_retention_years IS 'years the report, corrective actions and evidence are kept';

CREATE TABLE IF NOT EXISTS supplychain.documents (
    id text PRIMARY KEY,
    supplier_id text,
    audit_id text,
    kind text CHECK (kind IN ('audit_report', 'corrective_action', 'certificate', 'contract', 'payroll', 'permit', 'purchase_order', 'invoice', 'packing_list', 'bill_of_lading', 'certificate_of_origin', 'production_record', 'transport_record', 'payment_record', 'lab_report', 'other')),
    uri text,
    media_type text,
    sha256 text,
    issued date,
    product_id text,
    lots text[],
    reference text,
    laboratory text,
    accreditation text,
    test_method text CHECK (test_method IN ('isotopic', 'dna', 'trace_element', 'other')),
    sample_id text,
    sample_custody text,
    test_result text CHECK (test_result IN ('consistent', 'inconsistent', 'inconclusive'))
);
-- columns added in labaudit 1.x, for a schema made by an earlier release
ALTER TABLE supplychain.documents ADD COLUMN IF NOT EXISTS product_id text;
ALTER TABLE supplychain.documents ADD COLUMN IF NOT EXISTS lots text[];
ALTER TABLE supplychain.documents ADD COLUMN IF NOT EXISTS reference text;
ALTER TABLE supplychain.documents ADD COLUMN IF NOT EXISTS laboratory text;
ALTER TABLE supplychain.documents ADD COLUMN IF NOT EXISTS accreditation text;
ALTER TABLE supplychain.documents ADD COLUMN IF NOT EXISTS test_method text CHECK (test_method IN ('isotopic', 'dna', 'trace_element', 'other'));
ALTER TABLE supplychain.documents ADD COLUMN IF NOT EXISTS sample_id text;
ALTER TABLE supplychain.documents ADD COLUMN IF NOT EXISTS sample_custody text;
ALTER TABLE supplychain.documents ADD COLUMN IF NOT EXISTS test_result text CHECK (test_result IN ('consistent', 'inconsistent', 'inconclusive'));
COMMENT ON COLUMN supplychain.documents.id IS 'document id';
COMMENT ON COLUMN supplychain.documents.supplier_id IS 'facility it concerns';
COMMENT ON COLUMN supplychain.documents.audit_id IS 'audit it belongs to';
COMMENT ON COLUMN supplychain.documents.kind IS 'what the document is';
COMMENT ON COLUMN supplychain.documents.uri IS 'where it is kept';
COMMENT ON COLUMN supplychain.documents.media_type IS 'e.g. application/pdf';
COMMENT ON COLUMN supplychain.documents.sha256 IS 'SHA-256 of the file';
COMMENT ON COLUMN supplychain.documents.issued IS 'date of issue';
COMMENT ON COLUMN supplychain.documents.product_id IS 'product it concerns (a purchase order, invoice or lab test)';
COMMENT ON COLUMN supplychain.documents.lots IS 'lots it concerns (shipped, invoiced, or the item tested)';
COMMENT ON COLUMN supplychain.documents.reference IS 'its own number: PO, invoice or bill-of-lading number';
COMMENT ON COLUMN supplychain.documents.laboratory IS 'laboratory that made the test';
COMMENT ON COLUMN supplychain.documents.accreditation IS 'the laboratory''s ISO/IEC 17025 accreditation (body and number)';
COMMENT ON COLUMN supplychain.documents.test_method IS 'what the test measures';
COMMENT ON COLUMN supplychain.documents.sample_id IS 'the sample''s id at the laboratory';
COMMENT ON COLUMN supplychain.documents.sample_custody IS 'who took and sealed the sample, and how it reached the laboratory';
COMMENT ON COLUMN supplychain.documents.test_result IS 'consistent or inconsistent with the declared origin, or inconclusive';

CREATE TABLE IF NOT EXISTS supplychain.products (
    id text PRIMARY KEY,
    name text,
    supplier_id text NOT NULL,
    hs_code text,
    claim text,
    lots text[],
    claimed_volume numeric CHECK (claimed_volume >= 0),
    unit text
);
COMMENT ON COLUMN supplychain.products.id IS 'product id (SKU, style)';
COMMENT ON COLUMN supplychain.products.name IS 'product name';
COMMENT ON COLUMN supplychain.products.supplier_id IS 'facility that makes the finished product';
COMMENT ON COLUMN supplychain.products.hs_code IS 'Harmonized System code';
COMMENT ON COLUMN supplychain.products.claim IS 'consumer-facing claim';
COMMENT ON COLUMN supplychain.products.lots IS 'lots covered, separated by '';''';
COMMENT ON COLUMN supplychain.products.claimed_volume IS 'volume the claim covers';
COMMENT ON COLUMN supplychain.products.unit IS 'unit of claimed_volume';

CREATE TABLE IF NOT EXISTS supplychain.noncompliances (
    id text PRIMARY KEY,
    audit_id text NOT NULL,
    supplier_id text,
    area text,
    ilo_indicator text CHECK (ilo_indicator IN ('abuse_of_vulnerability', 'deception', 'restriction_of_movement', 'isolation', 'physical_sexual_violence', 'intimidation_threats', 'retention_of_documents', 'withholding_of_wages', 'debt_bondage', 'abusive_conditions', 'excessive_overtime')),
    clause text,
    severity text NOT NULL CHECK (severity IN ('critical', 'zero_tolerance', 'major', 'minor', 'observation')),
    description text,
    status text NOT NULL CHECK (status IN ('open', 'in_progress', 'closed', 'verified')),
    raised_date date,
    due_date date,
    closed_date date,
    closing_audit_id text,
    verification_method text CHECK (verification_method IN ('document_review', 'follow_up_visit', 'worker_interviews')),
    evidence text[],
    workers_affected_female integer CHECK (workers_affected_female >= 0),
    workers_affected_male integer CHECK (workers_affected_male >= 0),
    workers_affected_under_18 integer CHECK (workers_affected_under_18 >= 0),
    workers_affected_under_15 integer CHECK (workers_affected_under_15 >= 0)
);
COMMENT ON COLUMN supplychain.noncompliances.id IS 'non-compliance id';
COMMENT ON COLUMN supplychain.noncompliances.audit_id IS 'the audit that raised it';
COMMENT ON COLUMN supplychain.noncompliances.supplier_id IS 'facility; default: the raising audit''s facility';
COMMENT ON COLUMN supplychain.noncompliances.area IS 'rule-pack area it concerns, e.g. identity-documents';
COMMENT ON COLUMN supplychain.noncompliances.ilo_indicator IS 'ILO forced labour indicator it concerns';
COMMENT ON COLUMN supplychain.noncompliances.clause IS 'code or scheme clause, e.g. ETI 1.2';
COMMENT ON COLUMN supplychain.noncompliances.severity IS 'critical or zero_tolerance, major, minor, observation';
COMMENT ON COLUMN supplychain.noncompliances.description IS 'what was found';
COMMENT ON COLUMN supplychain.noncompliances.status IS 'open, in_progress, closed (not yet verified) or verified';
COMMENT ON COLUMN supplychain.noncompliances.raised_date IS 'when it was raised; default: the raising audit''s last day';
COMMENT ON COLUMN supplychain.noncompliances.due_date IS 'corrective action due';
COMMENT ON COLUMN supplychain.noncompliances.closed_date IS 'corrective action completed';
COMMENT ON COLUMN supplychain.noncompliances.closing_audit_id IS 'follow-up or verification audit that closed or verified it';
COMMENT ON COLUMN supplychain.noncompliances.verification_method IS 'document_review, follow_up_visit or worker_interviews';
COMMENT ON COLUMN supplychain.noncompliances.evidence IS 'ids of evidence documents, '';''';
COMMENT ON COLUMN supplychain.noncompliances.workers_affected_female IS 'women affected';
COMMENT ON COLUMN supplychain.noncompliances.workers_affected_male IS 'men affected';
COMMENT ON COLUMN supplychain.noncompliances.workers_affected_under_18 IS 'workers under 18 affected';
COMMENT ON COLUMN supplychain.noncompliances.workers_affected_under_15 IS 'children under 15 affected';

CREATE TABLE IF NOT EXISTS supplychain.lots (
    id text PRIMARY KEY,
    facility_id text NOT NULL,
    commodity text,
    hs_code text,
    quantity numeric CHECK (quantity >= 0),
    unit text,
    produced_start date,
    produced_end date,
    custody text CHECK (custody IN ('unknown', 'identity_preserved', 'segregated', 'mass_balance', 'book_and_claim')),
    certificates text[]
);
COMMENT ON COLUMN supplychain.lots.id IS 'lot or batch id';
COMMENT ON COLUMN supplychain.lots.facility_id IS 'facility that made or holds the lot';
COMMENT ON COLUMN supplychain.lots.custody IS 'chain-of-custody model: identity_preserved, segregated, mass_balance, book_and_claim or unknown (default)';

CREATE TABLE IF NOT EXISTS supplychain.lot_inputs (
    id text PRIMARY KEY,
    lot_id text NOT NULL,
    input_lot_id text NOT NULL,
    quantity numeric CHECK (quantity >= 0),
    unit text,
    conversion_factor numeric CHECK (conversion_factor >= 0),
    date date
);
COMMENT ON COLUMN supplychain.lot_inputs.lot_id IS 'the lot made';
COMMENT ON COLUMN supplychain.lot_inputs.input_lot_id IS 'a lot that went into it';

CREATE TABLE IF NOT EXISTS supplychain.ownership (
    id text PRIMARY KEY,
    owner text NOT NULL,
    owned text NOT NULL,
    share numeric NOT NULL CHECK (share >= 0 AND share <= 100),
    owner_name text,
    owner_country text CHECK (owner_country ~ '^[A-Z]{2}$'),
    owner_address text,
    owner_identifiers text[],
    source text,
    as_of date
);
COMMENT ON COLUMN supplychain.ownership.id IS 'ownership id; default owner>owned';
COMMENT ON COLUMN supplychain.ownership.owner IS 'the holder: a supplier id, or an id for an outside company';
COMMENT ON COLUMN supplychain.ownership.owned IS 'what is held: a supplier id or another owner''s id';
COMMENT ON COLUMN supplychain.ownership.share IS 'percent of the shares or votes held, 0 to 100';
COMMENT ON COLUMN supplychain.ownership.source IS 'where the holding is recorded (registry extract, annual report...)';

CREATE INDEX IF NOT EXISTS lot_inputs_lot ON supplychain.lot_inputs (lot_id);
CREATE INDEX IF NOT EXISTS links_supplier ON supplychain.links (supplier_id);
CREATE INDEX IF NOT EXISTS audits_supplier ON supplychain.audits (supplier_id);
CREATE INDEX IF NOT EXISTS noncompliances_audit ON supplychain.noncompliances (audit_id);
