-- A retail reporting database loaded by a nightly batch job.
CREATE TABLE stores (
    store_id integer PRIMARY KEY,
    region   text NOT NULL
);

CREATE TABLE store_targets (
    store_id integer PRIMARY KEY,
    target   numeric(14, 2) NOT NULL
);

CREATE TABLE sales (
    sale_id    bigint PRIMARY KEY,
    store_id   integer NOT NULL,
    product_id integer NOT NULL,
    sold_at    timestamptz NOT NULL,
    qty        integer NOT NULL,
    amount     numeric(12, 2) NOT NULL
);
CREATE INDEX sales_sold_at ON sales (sold_at);

CREATE TABLE sales_staging (
    sale_id    bigint,
    store_id   integer,
    product_id integer,
    sold_at    timestamptz,
    qty        integer,
    amount     numeric(12, 2)
);

CREATE TABLE daily_store_sales (
    day      date NOT NULL,
    store_id integer NOT NULL,
    revenue  numeric(16, 2) NOT NULL,
    units    bigint NOT NULL,
    PRIMARY KEY (day, store_id)
);

CREATE TABLE product_rank (
    run_date   date NOT NULL,
    product_id integer NOT NULL,
    rank       integer NOT NULL,
    revenue    numeric(16, 2) NOT NULL,
    PRIMARY KEY (run_date, product_id)
);

-- Seed: 3,200 stores, 250,000 historical sales over 60 days.
INSERT INTO stores SELECT g, (ARRAY['north', 'south', 'east', 'west'])[1 + g % 4] FROM generate_series(1, 3200) g;

INSERT INTO sales
SELECT g, 1 + (g::bigint * 7919) % 3200, 1 + (g::bigint * 104729) % 20000,
       timestamptz '2026-09-28' + (g % 86400) * interval '1 minute',
       1 + g % 5, ((g * 31) % 10000) / 100.0 + 1
FROM generate_series(1, 250000) AS g;

ANALYZE;
