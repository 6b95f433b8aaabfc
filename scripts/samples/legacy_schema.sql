-- A legacy order-entry application: SERIAL keys, a sequence without CACHE, a PL/pgSQL audit trigger
-- that also sends NOTIFY, a staging table emptied with TRUNCATE, a job queue guarded by advisory
-- locks. Each of these is something Aurora DSQL rejects or changes.
CREATE TABLE customers (
    id         SERIAL PRIMARY KEY,
    name       varchar(100) NOT NULL,
    email      varchar(200),
    balance    numeric(12, 2) NOT NULL DEFAULT 0,
    updated_at timestamp
);

CREATE SEQUENCE invoice_no_seq START 100000;

CREATE TABLE orders (
    id          SERIAL PRIMARY KEY,
    customer_id integer NOT NULL REFERENCES customers (id),
    invoice_no  bigint NOT NULL,
    status      varchar(20) NOT NULL DEFAULT 'new',
    total       numeric(12, 2) NOT NULL,
    created_at  timestamp NOT NULL DEFAULT now()
);
CREATE INDEX orders_customer ON orders (customer_id);
CREATE INDEX orders_status ON orders (status);

CREATE TABLE order_audit (
    id         SERIAL PRIMARY KEY,
    order_id   integer NOT NULL,
    action     varchar(10) NOT NULL,
    old_status varchar(20),
    new_status varchar(20),
    changed_at timestamp NOT NULL DEFAULT now()
);

CREATE TABLE staging_import (
    line_no     integer,
    customer_id integer,
    amount      numeric(12, 2)
);

CREATE TABLE job_queue (
    id         SERIAL PRIMARY KEY,
    kind       varchar(20) NOT NULL,
    payload    text,
    state      varchar(10) NOT NULL DEFAULT 'ready',
    done_at    timestamp
);
CREATE INDEX job_queue_ready ON job_queue (kind, state, id);

CREATE FUNCTION orders_audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO order_audit (order_id, action, new_status) VALUES (NEW.id, 'insert', NEW.status);
        UPDATE customers SET updated_at = now() WHERE id = NEW.customer_id;
    ELSIF NEW.status IS DISTINCT FROM OLD.status OR NEW.total IS DISTINCT FROM OLD.total THEN
        INSERT INTO order_audit (order_id, action, old_status, new_status)
        VALUES (NEW.id, 'update', OLD.status, NEW.status);
    END IF;
    PERFORM pg_notify('order_events', NEW.id::text);
    RETURN NEW;
END;
$$;

CREATE TRIGGER orders_audit_trg AFTER INSERT OR UPDATE ON orders
    FOR EACH ROW EXECUTE FUNCTION orders_audit();

-- Seed: 5,000 customers, 20,000 orders (trigger off while seeding), 3,000 queued jobs.
INSERT INTO customers (name, email, balance)
SELECT format('Customer %s', g), format('c%s@legacy.example', g), 1000 + (g % 500)
FROM generate_series(1, 5000) AS g;

ALTER TABLE orders DISABLE TRIGGER orders_audit_trg;
INSERT INTO orders (customer_id, invoice_no, status, total, created_at)
SELECT 1 + (g * 7919) % 5000, nextval('invoice_no_seq'),
       (ARRAY['new', 'paid', 'shipped', 'closed'])[1 + g % 4], 10 + (g % 300),
       timestamp '2026-01-01' + g * interval '20 minutes'
FROM generate_series(1, 20000) AS g;
ALTER TABLE orders ENABLE TRIGGER orders_audit_trg;

INSERT INTO job_queue (kind, payload)
SELECT (ARRAY['email', 'invoice', 'export'])[1 + g % 3], format('job %s', g)
FROM generate_series(1, 3000) AS g;

ANALYZE;
