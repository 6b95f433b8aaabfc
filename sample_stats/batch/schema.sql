--
-- PostgreSQL database dump
--


-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: pg_stat_statements; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS pg_stat_statements WITH SCHEMA public;


--
-- Name: EXTENSION pg_stat_statements; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON EXTENSION pg_stat_statements IS 'track planning and execution statistics of all SQL statements executed';


SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: daily_store_sales; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.daily_store_sales (
    day date NOT NULL,
    store_id integer NOT NULL,
    revenue numeric(16,2) NOT NULL,
    units bigint NOT NULL
);


--
-- Name: product_rank; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.product_rank (
    run_date date NOT NULL,
    product_id integer NOT NULL,
    rank integer NOT NULL,
    revenue numeric(16,2) NOT NULL
);


--
-- Name: sales; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.sales (
    sale_id bigint NOT NULL,
    store_id integer NOT NULL,
    product_id integer NOT NULL,
    sold_at timestamp with time zone NOT NULL,
    qty integer NOT NULL,
    amount numeric(12,2) NOT NULL
);


--
-- Name: sales_staging; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.sales_staging (
    sale_id bigint,
    store_id integer,
    product_id integer,
    sold_at timestamp with time zone,
    qty integer,
    amount numeric(12,2)
);


--
-- Name: store_targets; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.store_targets (
    store_id integer NOT NULL,
    target numeric(14,2) NOT NULL
);


--
-- Name: stores; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.stores (
    store_id integer NOT NULL,
    region text NOT NULL
);


--
-- Name: daily_store_sales daily_store_sales_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.daily_store_sales
    ADD CONSTRAINT daily_store_sales_pkey PRIMARY KEY (day, store_id);


--
-- Name: product_rank product_rank_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.product_rank
    ADD CONSTRAINT product_rank_pkey PRIMARY KEY (run_date, product_id);


--
-- Name: sales sales_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sales
    ADD CONSTRAINT sales_pkey PRIMARY KEY (sale_id);


--
-- Name: store_targets store_targets_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.store_targets
    ADD CONSTRAINT store_targets_pkey PRIMARY KEY (store_id);


--
-- Name: stores stores_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.stores
    ADD CONSTRAINT stores_pkey PRIMARY KEY (store_id);


--
-- Name: sales_sold_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX sales_sold_at ON public.sales USING btree (sold_at);


--
-- PostgreSQL database dump complete
--


