-- ledger.sql - the labaudit ledger in PostgreSQL: an append-only,
-- hash-chained record of check runs, their findings, waivers, issued and
-- revoked certificates and published status lists, kept at least seven
-- years.  The file is compiled into liblabaudit and applied by
-- `labaudit ledger init` (lab_ledger_init), which creates the schema
-- `labaudit` and a table labaudit.schema_version, then runs, in one
-- transaction under an advisory lock, every migration below whose number
-- is above the recorded version.  A migration starts at a line
-- "-- migration N: description"; its statements end with ";" at the end
-- of a line (function bodies are $$-quoted).  Migrations are only ever
-- appended, never edited once released.
--
-- Chaining: every row of every ledger table carries seq (1, 2, 3... per
-- table), prev_hash (the hash of row seq-1; 64 zeros for the first) and
-- hash = hex(SHA-256(prev_hash || LF || content)), where content is, for
-- each column in table order except prev_hash and hash,
--     name "=" (octet_length(text) ":" text | "-" when NULL) LF
-- with text the column's standard output (DateStyle ISO, TimeZone UTC).
-- A BEFORE INSERT trigger computes seq, prev_hash, recorded_at, the
-- inserting role and hash under one transaction-scoped advisory lock, so
-- concurrent writers serialise and the chain never forks (seq is also the
-- primary key).  `labaudit ledger verify` recomputes every hash on the
-- client and names the first row that does not match.  From migration 2,
-- a column added to a table after rows were chained is hashed only when
-- not NULL (so older rows keep their hashes); a run's row, written after
-- its findings, seals them; rows leave the start of a chain only through
-- labaudit.prune(), recorded in labaudit.checkpoints; and the ends of the
-- chains are checked against an anchor the auditor keeps elsewhere.

-- migration 1: runs, findings, waivers, certificates, status lists; hash chains; append-only triggers; retention; roles
CREATE FUNCTION labaudit.lock_key() RETURNS bigint
    LANGUAGE sql IMMUTABLE
    AS $$ SELECT 7236828112375906609::bigint $$;

CREATE FUNCTION labaudit.f(k text, v text) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$ SELECT k || '=' || CASE WHEN v IS NULL THEN '-'
                 ELSE octet_length(v)::text || ':' || v END || E'\n' $$;

CREATE FUNCTION labaudit.chain_hash(prev text, content text) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS $$ SELECT encode(sha256(convert_to(prev || E'\n' || content, 'UTF8')), 'hex') $$;

-- Refuses UPDATE always, DELETE of rows younger than the retention period
-- (seven years: German LkSG section 10(1)), and TRUNCATE.
CREATE FUNCTION labaudit.refuse_change() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, labaudit
    AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'labaudit ledger is append-only: UPDATE of %.% refused', TG_TABLE_SCHEMA, TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    ELSIF TG_OP = 'TRUNCATE' THEN
        RAISE EXCEPTION 'labaudit ledger is append-only: TRUNCATE of %.% refused', TG_TABLE_SCHEMA, TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    ELSIF OLD.recorded_at > now() - interval '7 years' THEN
        RAISE EXCEPTION 'labaudit ledger retention: %.% row % was recorded at % and must be kept for 7 years', TG_TABLE_SCHEMA, TG_TABLE_NAME, OLD.seq, OLD.recorded_at
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN OLD;
END
$$;

-- The statement-level half of chaining: before any row of an INSERT is
-- chained, take the ledger's lock (held to the end of the transaction, so
-- concurrent writers serialise) and refuse isolation levels in which a
-- writer would not see the rows committed while it waited for the lock.
CREATE FUNCTION labaudit.chain_lock() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, labaudit
    AS $$
BEGIN
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'labaudit ledger: write in a READ COMMITTED transaction (this one is %)', current_setting('transaction_isolation');
    END IF;
    PERFORM pg_advisory_xact_lock(labaudit.lock_key());
    RETURN NULL;
END
$$;

CREATE TABLE labaudit.runs (
    seq bigint PRIMARY KEY,
    run_id text NOT NULL UNIQUE CHECK (run_id <> '' AND octet_length(run_id) <= 200),
    recorded_at timestamptz NOT NULL,
    db_user text NOT NULL,
    application text NOT NULL,
    labaudit_version text NOT NULL,
    as_of text,
    packs jsonb NOT NULL,
    dataset_sha256 text,
    records jsonb,
    summary jsonb NOT NULL,
    products jsonb,
    prev_hash text NOT NULL,
    hash text NOT NULL
);

CREATE TABLE labaudit.findings (
    seq bigint PRIMARY KEY,
    run_id text NOT NULL REFERENCES labaudit.runs (run_id),
    n integer NOT NULL,
    rule_id text NOT NULL,
    pack_id text NOT NULL,
    severity text NOT NULL,
    subject text NOT NULL,
    subject_id text NOT NULL,
    message text NOT NULL,
    evidence jsonb NOT NULL,
    recorded_at timestamptz NOT NULL,
    db_user text NOT NULL,
    prev_hash text NOT NULL,
    hash text NOT NULL
);
-- No unique constraint but seq: with none, INSERT ... ON CONFLICT cannot
-- skip a row after its trigger ran, which keeps the cached chain head
-- (see findings_chain) exact.  A run's findings are unique because the
-- run id is and a run is written in one transaction.
CREATE INDEX findings_run ON labaudit.findings (run_id, n);

CREATE TABLE labaudit.waivers (
    seq bigint PRIMARY KEY,
    waiver_id text NOT NULL UNIQUE,
    rule_id text NOT NULL,
    subject_id text NOT NULL,
    reason text NOT NULL,
    granted_by text NOT NULL,
    valid_from date NOT NULL,
    valid_until date NOT NULL,
    recorded_at timestamptz NOT NULL,
    db_user text NOT NULL,
    prev_hash text NOT NULL,
    hash text NOT NULL
);

CREATE TABLE labaudit.certificates (
    seq bigint PRIMARY KEY,
    serial text NOT NULL,
    status text NOT NULL CHECK (status IN ('issued', 'revoked', 'suspended')),
    token text,
    status_list text,
    status_index bigint CHECK (status_index >= 0),
    reason text,
    recorded_at timestamptz NOT NULL,
    db_user text NOT NULL,
    prev_hash text NOT NULL,
    hash text NOT NULL,
    UNIQUE (serial, status)
);

CREATE TABLE labaudit.status_lists (
    seq bigint PRIMARY KEY,
    list_id text NOT NULL,
    purpose text NOT NULL CHECK (purpose IN ('revocation', 'suspension')),
    length bigint NOT NULL CHECK (length > 0),
    credential text NOT NULL,
    recorded_at timestamptz NOT NULL,
    db_user text NOT NULL,
    prev_hash text NOT NULL,
    hash text NOT NULL
);

CREATE FUNCTION labaudit.runs_chain() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, labaudit SET timezone = 'UTC' SET datestyle = 'ISO, YMD'
    AS $$
DECLARE
    head text;
BEGIN
    SELECT t.seq || ' ' || t.hash INTO head FROM labaudit.runs t ORDER BY t.seq DESC LIMIT 1;
    head := coalesce(head, '0 ' || repeat('0', 64));
    NEW.seq := split_part(head, ' ', 1)::bigint + 1;
    NEW.prev_hash := split_part(head, ' ', 2);
    NEW.recorded_at := now();
    NEW.db_user := current_user;
    NEW.application := coalesce(current_setting('application_name', true), '');
    NEW.hash := labaudit.chain_hash(NEW.prev_hash,
        labaudit.f('seq', NEW.seq::text) || labaudit.f('run_id', NEW.run_id) ||
        labaudit.f('recorded_at', NEW.recorded_at::text) || labaudit.f('db_user', NEW.db_user) ||
        labaudit.f('application', NEW.application) || labaudit.f('labaudit_version', NEW.labaudit_version) ||
        labaudit.f('as_of', NEW.as_of) || labaudit.f('packs', NEW.packs::text) ||
        labaudit.f('dataset_sha256', NEW.dataset_sha256) || labaudit.f('records', NEW.records::text) ||
        labaudit.f('summary', NEW.summary::text) || labaudit.f('products', NEW.products::text));
    RETURN NEW;
END
$$;

-- Findings come by the hundred thousand: the chain head ("seq hash") is
-- kept for the rest of the transaction in a transaction-local setting
-- (rolled back with it, and exact because the lock is held until the
-- transaction ends), sparing an index lookup per row.
CREATE FUNCTION labaudit.findings_chain() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, labaudit SET timezone = 'UTC' SET datestyle = 'ISO, YMD'
    AS $$
DECLARE
    head text := current_setting('labaudit.head.findings', true);
BEGIN
    IF head IS NULL OR head = '' THEN
        SELECT t.seq || ' ' || t.hash INTO head FROM labaudit.findings t ORDER BY t.seq DESC LIMIT 1;
        head := coalesce(head, '0 ' || repeat('0', 64));
    END IF;
    NEW.seq := split_part(head, ' ', 1)::bigint + 1;
    NEW.prev_hash := split_part(head, ' ', 2);
    NEW.recorded_at := now();
    NEW.db_user := current_user;
    NEW.hash := labaudit.chain_hash(NEW.prev_hash,
        labaudit.f('seq', NEW.seq::text) || labaudit.f('run_id', NEW.run_id) ||
        labaudit.f('n', NEW.n::text) || labaudit.f('rule_id', NEW.rule_id) ||
        labaudit.f('pack_id', NEW.pack_id) || labaudit.f('severity', NEW.severity) ||
        labaudit.f('subject', NEW.subject) || labaudit.f('subject_id', NEW.subject_id) ||
        labaudit.f('message', NEW.message) || labaudit.f('evidence', NEW.evidence::text) ||
        labaudit.f('recorded_at', NEW.recorded_at::text) || labaudit.f('db_user', NEW.db_user));
    PERFORM set_config('labaudit.head.findings', NEW.seq || ' ' || NEW.hash, true);
    RETURN NEW;
END
$$;

CREATE FUNCTION labaudit.waivers_chain() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, labaudit SET timezone = 'UTC' SET datestyle = 'ISO, YMD'
    AS $$
DECLARE
    head text;
BEGIN
    SELECT t.seq || ' ' || t.hash INTO head FROM labaudit.waivers t ORDER BY t.seq DESC LIMIT 1;
    head := coalesce(head, '0 ' || repeat('0', 64));
    NEW.seq := split_part(head, ' ', 1)::bigint + 1;
    NEW.prev_hash := split_part(head, ' ', 2);
    NEW.recorded_at := now();
    NEW.db_user := current_user;
    NEW.hash := labaudit.chain_hash(NEW.prev_hash,
        labaudit.f('seq', NEW.seq::text) || labaudit.f('waiver_id', NEW.waiver_id) ||
        labaudit.f('rule_id', NEW.rule_id) || labaudit.f('subject_id', NEW.subject_id) ||
        labaudit.f('reason', NEW.reason) || labaudit.f('granted_by', NEW.granted_by) ||
        labaudit.f('valid_from', NEW.valid_from::text) || labaudit.f('valid_until', NEW.valid_until::text) ||
        labaudit.f('recorded_at', NEW.recorded_at::text) || labaudit.f('db_user', NEW.db_user));
    RETURN NEW;
END
$$;

CREATE FUNCTION labaudit.certificates_chain() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, labaudit SET timezone = 'UTC' SET datestyle = 'ISO, YMD'
    AS $$
DECLARE
    head text;
BEGIN
    SELECT t.seq || ' ' || t.hash INTO head FROM labaudit.certificates t ORDER BY t.seq DESC LIMIT 1;
    head := coalesce(head, '0 ' || repeat('0', 64));
    NEW.seq := split_part(head, ' ', 1)::bigint + 1;
    NEW.prev_hash := split_part(head, ' ', 2);
    NEW.recorded_at := now();
    NEW.db_user := current_user;
    NEW.hash := labaudit.chain_hash(NEW.prev_hash,
        labaudit.f('seq', NEW.seq::text) || labaudit.f('serial', NEW.serial) ||
        labaudit.f('status', NEW.status) || labaudit.f('token', NEW.token) ||
        labaudit.f('status_list', NEW.status_list) || labaudit.f('status_index', NEW.status_index::text) ||
        labaudit.f('reason', NEW.reason) ||
        labaudit.f('recorded_at', NEW.recorded_at::text) || labaudit.f('db_user', NEW.db_user));
    RETURN NEW;
END
$$;

CREATE FUNCTION labaudit.status_lists_chain() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, labaudit SET timezone = 'UTC' SET datestyle = 'ISO, YMD'
    AS $$
DECLARE
    head text;
BEGIN
    SELECT t.seq || ' ' || t.hash INTO head FROM labaudit.status_lists t ORDER BY t.seq DESC LIMIT 1;
    head := coalesce(head, '0 ' || repeat('0', 64));
    NEW.seq := split_part(head, ' ', 1)::bigint + 1;
    NEW.prev_hash := split_part(head, ' ', 2);
    NEW.recorded_at := now();
    NEW.db_user := current_user;
    NEW.hash := labaudit.chain_hash(NEW.prev_hash,
        labaudit.f('seq', NEW.seq::text) || labaudit.f('list_id', NEW.list_id) ||
        labaudit.f('purpose', NEW.purpose) || labaudit.f('length', NEW.length::text) ||
        labaudit.f('credential', NEW.credential) ||
        labaudit.f('recorded_at', NEW.recorded_at::text) || labaudit.f('db_user', NEW.db_user));
    RETURN NEW;
END
$$;

CREATE TRIGGER chain_lock BEFORE INSERT ON labaudit.runs FOR EACH STATEMENT EXECUTE FUNCTION labaudit.chain_lock();
CREATE TRIGGER chain_lock BEFORE INSERT ON labaudit.findings FOR EACH STATEMENT EXECUTE FUNCTION labaudit.chain_lock();
CREATE TRIGGER chain_lock BEFORE INSERT ON labaudit.waivers FOR EACH STATEMENT EXECUTE FUNCTION labaudit.chain_lock();
CREATE TRIGGER chain_lock BEFORE INSERT ON labaudit.certificates FOR EACH STATEMENT EXECUTE FUNCTION labaudit.chain_lock();
CREATE TRIGGER chain_lock BEFORE INSERT ON labaudit.status_lists FOR EACH STATEMENT EXECUTE FUNCTION labaudit.chain_lock();
CREATE TRIGGER chain BEFORE INSERT ON labaudit.runs FOR EACH ROW EXECUTE FUNCTION labaudit.runs_chain();
CREATE TRIGGER chain BEFORE INSERT ON labaudit.findings FOR EACH ROW EXECUTE FUNCTION labaudit.findings_chain();
CREATE TRIGGER chain BEFORE INSERT ON labaudit.waivers FOR EACH ROW EXECUTE FUNCTION labaudit.waivers_chain();
CREATE TRIGGER chain BEFORE INSERT ON labaudit.certificates FOR EACH ROW EXECUTE FUNCTION labaudit.certificates_chain();
CREATE TRIGGER chain BEFORE INSERT ON labaudit.status_lists FOR EACH ROW EXECUTE FUNCTION labaudit.status_lists_chain();

CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON labaudit.runs FOR EACH ROW EXECUTE FUNCTION labaudit.refuse_change();
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON labaudit.findings FOR EACH ROW EXECUTE FUNCTION labaudit.refuse_change();
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON labaudit.waivers FOR EACH ROW EXECUTE FUNCTION labaudit.refuse_change();
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON labaudit.certificates FOR EACH ROW EXECUTE FUNCTION labaudit.refuse_change();
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON labaudit.status_lists FOR EACH ROW EXECUTE FUNCTION labaudit.refuse_change();
CREATE TRIGGER no_truncate BEFORE TRUNCATE ON labaudit.runs FOR EACH STATEMENT EXECUTE FUNCTION labaudit.refuse_change();
CREATE TRIGGER no_truncate BEFORE TRUNCATE ON labaudit.findings FOR EACH STATEMENT EXECUTE FUNCTION labaudit.refuse_change();
CREATE TRIGGER no_truncate BEFORE TRUNCATE ON labaudit.waivers FOR EACH STATEMENT EXECUTE FUNCTION labaudit.refuse_change();
CREATE TRIGGER no_truncate BEFORE TRUNCATE ON labaudit.certificates FOR EACH STATEMENT EXECUTE FUNCTION labaudit.refuse_change();
CREATE TRIGGER no_truncate BEFORE TRUNCATE ON labaudit.status_lists FOR EACH STATEMENT EXECUTE FUNCTION labaudit.refuse_change();

-- The current status of every certificate (its latest event), from which
-- a status list can be served.
CREATE VIEW labaudit.certificate_status AS
    SELECT DISTINCT ON (serial) serial, status, status_list, status_index, recorded_at
    FROM labaudit.certificates
    ORDER BY serial, seq DESC;

-- Roles: labaudit_writer may only INSERT and SELECT (grant it to the
-- login role labaudit runs as); labaudit_reader may only SELECT.  Made
-- only when the migrating role may create roles.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'labaudit_writer') THEN
        CREATE ROLE labaudit_writer NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'labaudit_reader') THEN
        CREATE ROLE labaudit_reader NOLOGIN;
    END IF;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'labaudit ledger: roles labaudit_writer and labaudit_reader not created (no CREATEROLE)';
END
$$;

REVOKE ALL ON ALL TABLES IN SCHEMA labaudit FROM PUBLIC;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'labaudit_writer') THEN
        GRANT USAGE ON SCHEMA labaudit TO labaudit_writer;
        GRANT SELECT, INSERT ON labaudit.runs, labaudit.findings, labaudit.waivers,
            labaudit.certificates, labaudit.status_lists TO labaudit_writer;
        GRANT SELECT ON labaudit.certificate_status, labaudit.schema_version TO labaudit_writer;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'labaudit_reader') THEN
        GRANT USAGE ON SCHEMA labaudit TO labaudit_reader;
        GRANT SELECT ON ALL TABLES IN SCHEMA labaudit TO labaudit_reader;
    END IF;
END
$$;

-- migration 2: chain heads from the table, runs sealed, prunes recorded, deletes only through labaudit.prune()
-- Issue 21: a finding's chain head came from a session setting any writer
-- could set, findings could be added to a closed run, and deleting the
-- oldest rows (or truncating a table) left nothing verify could see.  From
-- here on: every head is read from the table under the chain lock; a run's
-- row is written after its findings and seals them (their count and the
-- hash of the last one, computed here from the table), and findings for a
-- run that already has its row are refused; rows leave the start of a
-- chain only through labaudit.prune(), which first records, in the chained
-- table labaudit.checkpoints, up to which seq and with which hash it
-- pruned, so verify knows the legitimate new start.  Rows chained before
-- this migration keep their hashes (a NULL seal column is left out of the
-- hashed content) and their runs are reported as not sealed.

-- The retention period: rows younger than this are never deleted (German
-- LkSG section 10(1): 7 years).  The schema owner may replace it; every
-- prune records the period it used.
CREATE FUNCTION labaudit.retention() RETURNS interval
    LANGUAGE sql STABLE
    AS $$ SELECT interval '7 years' $$;

CREATE TABLE labaudit.checkpoints (
    seq bigint PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('prune')),
    table_name text NOT NULL CHECK (table_name IN ('runs', 'findings', 'waivers', 'certificates', 'status_lists')),
    through_seq bigint NOT NULL CHECK (through_seq > 0),
    through_hash text NOT NULL,
    through_recorded_at timestamptz NOT NULL,
    retention interval NOT NULL,
    recorded_at timestamptz NOT NULL,
    db_user text NOT NULL,
    prev_hash text NOT NULL,
    hash text NOT NULL
);

-- A checkpoint's facts about the pruned table are read from that table
-- here, never taken from the inserting statement.
CREATE FUNCTION labaudit.checkpoints_chain() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, labaudit SET timezone = 'UTC' SET datestyle = 'ISO, YMD' SET intervalstyle = 'postgres'
    AS $$
DECLARE
    head text;
    h text;
    at timestamptz;
BEGIN
    EXECUTE format('SELECT t.hash, t.recorded_at FROM labaudit.%I t WHERE t.seq = $1', NEW.table_name)
        INTO h, at USING NEW.through_seq;
    IF h IS NULL THEN
        RAISE EXCEPTION 'labaudit ledger: no row seq % in labaudit.% to checkpoint', NEW.through_seq, NEW.table_name;
    END IF;
    NEW.through_hash := h;
    NEW.through_recorded_at := at;
    NEW.retention := labaudit.retention();
    SELECT t.seq || ' ' || t.hash INTO head FROM labaudit.checkpoints t ORDER BY t.seq DESC LIMIT 1;
    head := coalesce(head, '0 ' || repeat('0', 64));
    NEW.seq := split_part(head, ' ', 1)::bigint + 1;
    NEW.prev_hash := split_part(head, ' ', 2);
    NEW.recorded_at := now();
    NEW.db_user := current_user;
    NEW.hash := labaudit.chain_hash(NEW.prev_hash,
        labaudit.f('seq', NEW.seq::text) || labaudit.f('kind', NEW.kind) ||
        labaudit.f('table_name', NEW.table_name) || labaudit.f('through_seq', NEW.through_seq::text) ||
        labaudit.f('through_hash', NEW.through_hash) ||
        labaudit.f('through_recorded_at', NEW.through_recorded_at::text) ||
        labaudit.f('retention', NEW.retention::text) ||
        labaudit.f('recorded_at', NEW.recorded_at::text) || labaudit.f('db_user', NEW.db_user));
    RETURN NEW;
END
$$;

REVOKE ALL ON labaudit.checkpoints FROM PUBLIC;

CREATE TRIGGER chain_lock BEFORE INSERT ON labaudit.checkpoints FOR EACH STATEMENT EXECUTE FUNCTION labaudit.chain_lock();
CREATE TRIGGER chain BEFORE INSERT ON labaudit.checkpoints FOR EACH ROW EXECUTE FUNCTION labaudit.checkpoints_chain();
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON labaudit.checkpoints FOR EACH ROW EXECUTE FUNCTION labaudit.refuse_change();
CREATE TRIGGER no_truncate BEFORE TRUNCATE ON labaudit.checkpoints FOR EACH STATEMENT EXECUTE FUNCTION labaudit.refuse_change();

-- UPDATE and TRUNCATE are refused always; DELETE only of rows a prune
-- checkpoint covers and older than the retention period (checkpoints are
-- never deleted).
CREATE OR REPLACE FUNCTION labaudit.refuse_change() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, labaudit
    AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'labaudit ledger is append-only: UPDATE of %.% refused', TG_TABLE_SCHEMA, TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    ELSIF TG_OP = 'TRUNCATE' THEN
        RAISE EXCEPTION 'labaudit ledger is append-only: TRUNCATE of %.% refused', TG_TABLE_SCHEMA, TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    ELSIF OLD.recorded_at > now() - labaudit.retention() THEN
        RAISE EXCEPTION 'labaudit ledger retention: %.% row % was recorded at % and must be kept for %', TG_TABLE_SCHEMA, TG_TABLE_NAME, OLD.seq, OLD.recorded_at, labaudit.retention()
            USING ERRCODE = 'insufficient_privilege';
    ELSIF TG_TABLE_NAME = 'checkpoints' OR NOT EXISTS (
            SELECT 1 FROM labaudit.checkpoints c
            WHERE c.kind = 'prune' AND c.table_name = TG_TABLE_NAME AND c.through_seq >= OLD.seq) THEN
        RAISE EXCEPTION 'labaudit ledger: %.% row % may only be deleted through labaudit.prune(), which records the prune', TG_TABLE_SCHEMA, TG_TABLE_NAME, OLD.seq
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN OLD;
END
$$;

-- Deletes, per table, the longest run of rows from the start of its chain
-- that are all older than the retention period, after checkpointing the
-- last of them; findings before runs (a run's row follows its findings).
-- Returns the number of rows deleted.  For the schema owner only.
CREATE FUNCTION labaudit.prune() RETURNS bigint
    LANGUAGE plpgsql
    SET search_path = pg_catalog, labaudit
    AS $$
DECLARE
    t text;
    upto bigint;
    n bigint;
    total bigint := 0;
BEGIN
    PERFORM pg_advisory_xact_lock(labaudit.lock_key());
    FOREACH t IN ARRAY ARRAY['findings', 'runs', 'waivers', 'certificates', 'status_lists'] LOOP
        EXECUTE format('SELECT coalesce((SELECT min(seq) - 1 FROM labaudit.%I WHERE recorded_at > now() - labaudit.retention()),'
                       ' (SELECT max(seq) FROM labaudit.%I))', t, t) INTO upto;
        EXECUTE format('SELECT count(*) FROM labaudit.%I WHERE seq <= $1', t) INTO n USING upto;
        IF n > 0 THEN
            INSERT INTO labaudit.checkpoints (kind, table_name, through_seq, through_hash, through_recorded_at, retention)
                VALUES ('prune', t, upto, '', now(), labaudit.retention());
            EXECUTE format('DELETE FROM labaudit.%I WHERE seq <= $1', t) USING upto;
            total := total + n;
        END IF;
    END LOOP;
    RETURN total;
END
$$;
REVOKE ALL ON FUNCTION labaudit.prune() FROM PUBLIC;

-- Runs are written after their findings: the foreign key is checked at
-- commit.
ALTER TABLE labaudit.findings ALTER CONSTRAINT findings_run_id_fkey DEFERRABLE INITIALLY DEFERRED;

ALTER TABLE labaudit.runs ADD COLUMN findings_count bigint;
ALTER TABLE labaudit.runs ADD COLUMN findings_head text;

-- A run's row seals its findings: their count and the hash of the last.
CREATE OR REPLACE FUNCTION labaudit.runs_chain() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, labaudit SET timezone = 'UTC' SET datestyle = 'ISO, YMD'
    AS $$
DECLARE
    head text;
BEGIN
    SELECT t.seq || ' ' || t.hash INTO head FROM labaudit.runs t ORDER BY t.seq DESC LIMIT 1;
    head := coalesce(head, '0 ' || repeat('0', 64));
    NEW.seq := split_part(head, ' ', 1)::bigint + 1;
    NEW.prev_hash := split_part(head, ' ', 2);
    NEW.recorded_at := now();
    NEW.db_user := current_user;
    NEW.application := coalesce(current_setting('application_name', true), '');
    SELECT count(*) INTO NEW.findings_count FROM labaudit.findings f WHERE f.run_id = NEW.run_id;
    SELECT f.hash INTO NEW.findings_head FROM labaudit.findings f WHERE f.run_id = NEW.run_id ORDER BY f.seq DESC LIMIT 1;
    NEW.findings_head := coalesce(NEW.findings_head, repeat('0', 64));
    NEW.hash := labaudit.chain_hash(NEW.prev_hash,
        labaudit.f('seq', NEW.seq::text) || labaudit.f('run_id', NEW.run_id) ||
        labaudit.f('recorded_at', NEW.recorded_at::text) || labaudit.f('db_user', NEW.db_user) ||
        labaudit.f('application', NEW.application) || labaudit.f('labaudit_version', NEW.labaudit_version) ||
        labaudit.f('as_of', NEW.as_of) || labaudit.f('packs', NEW.packs::text) ||
        labaudit.f('dataset_sha256', NEW.dataset_sha256) || labaudit.f('records', NEW.records::text) ||
        labaudit.f('summary', NEW.summary::text) || labaudit.f('products', NEW.products::text) ||
        labaudit.f('findings_count', NEW.findings_count::text) || labaudit.f('findings_head', NEW.findings_head));
    RETURN NEW;
END
$$;

-- The head is read from the table (the primary key's last entry) under the
-- chain lock; no session value is consulted.  A run whose row is written
-- is closed.
CREATE OR REPLACE FUNCTION labaudit.findings_chain() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, labaudit SET timezone = 'UTC' SET datestyle = 'ISO, YMD'
    AS $$
DECLARE
    head text;
BEGIN
    IF EXISTS (SELECT 1 FROM labaudit.runs r WHERE r.run_id = NEW.run_id) THEN
        RAISE EXCEPTION 'labaudit ledger: run % is closed: its findings were sealed when it was recorded, none may be added', NEW.run_id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT t.seq || ' ' || t.hash INTO head FROM labaudit.findings t ORDER BY t.seq DESC LIMIT 1;
    head := coalesce(head, '0 ' || repeat('0', 64));
    NEW.seq := split_part(head, ' ', 1)::bigint + 1;
    NEW.prev_hash := split_part(head, ' ', 2);
    NEW.recorded_at := now();
    NEW.db_user := current_user;
    NEW.hash := labaudit.chain_hash(NEW.prev_hash,
        labaudit.f('seq', NEW.seq::text) || labaudit.f('run_id', NEW.run_id) ||
        labaudit.f('n', NEW.n::text) || labaudit.f('rule_id', NEW.rule_id) ||
        labaudit.f('pack_id', NEW.pack_id) || labaudit.f('severity', NEW.severity) ||
        labaudit.f('subject', NEW.subject) || labaudit.f('subject_id', NEW.subject_id) ||
        labaudit.f('message', NEW.message) || labaudit.f('evidence', NEW.evidence::text) ||
        labaudit.f('recorded_at', NEW.recorded_at::text) || labaudit.f('db_user', NEW.db_user));
    RETURN NEW;
END
$$;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'labaudit_writer') THEN
        GRANT SELECT ON labaudit.checkpoints TO labaudit_writer;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'labaudit_reader') THEN
        GRANT SELECT ON labaudit.checkpoints TO labaudit_reader;
    END IF;
END
$$;
