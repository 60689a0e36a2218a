--
-- PostgreSQL database dump
--

-- Dumped from database version 16.2
-- Dumped by pg_dump version 16.2

SET statement_timeout = 0;
SET lock_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;

CREATE EXTENSION IF NOT EXISTS plpgsql WITH SCHEMA pg_catalog;
COMMENT ON EXTENSION plpgsql IS 'PL/pgSQL procedural language';

SET default_tablespace = '';
SET default_table_access_method = heap;

--
-- Name: accounts; Type: TABLE; Schema: public; Owner: app
--

CREATE TABLE public.accounts (
    id integer NOT NULL,
    owner_email character varying(255) NOT NULL,
    kind character varying(16) DEFAULT 'personal'::character varying NOT NULL,
    balance numeric(12,2) DEFAULT 0.00 NOT NULL,
    opened_at timestamp without time zone DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT accounts_balance_check CHECK ((balance >= (0)::numeric)),
    CONSTRAINT accounts_kind_check CHECK (((kind)::text = ANY ((ARRAY['personal'::character varying, 'business'::character varying])::text[])))
);

ALTER TABLE public.accounts OWNER TO app;

COMMENT ON TABLE public.accounts IS 'customer accounts';
COMMENT ON COLUMN public.accounts.balance IS 'in USD';

CREATE SEQUENCE public.accounts_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.accounts_id_seq OWNED BY public.accounts.id;

--
-- Name: transfers; Type: TABLE; Schema: public; Owner: app
--

CREATE TABLE public.transfers (
    id bigint NOT NULL,
    from_account integer NOT NULL,
    to_account integer NOT NULL,
    amount numeric(12,2) NOT NULL,
    memo text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT transfers_amount_check CHECK ((amount > (0)::numeric))
);

ALTER TABLE public.transfers OWNER TO app;

CREATE SEQUENCE public.transfers_id_seq START WITH 1 INCREMENT BY 1;

ALTER TABLE ONLY public.accounts ALTER COLUMN id SET DEFAULT nextval('public.accounts_id_seq'::regclass);
ALTER TABLE ONLY public.transfers ALTER COLUMN id SET DEFAULT nextval('public.transfers_id_seq'::regclass);

ALTER TABLE ONLY public.accounts
    ADD CONSTRAINT accounts_pkey PRIMARY KEY (id);
ALTER TABLE ONLY public.transfers
    ADD CONSTRAINT transfers_pkey PRIMARY KEY (id);

CREATE UNIQUE INDEX accounts_owner_email_key ON public.accounts USING btree (owner_email);
CREATE INDEX transfers_created_at_idx ON public.transfers USING btree (created_at);

ALTER TABLE ONLY public.transfers
    ADD CONSTRAINT transfers_from_account_fkey FOREIGN KEY (from_account) REFERENCES public.accounts(id);
ALTER TABLE ONLY public.transfers
    ADD CONSTRAINT transfers_to_account_fkey FOREIGN KEY (to_account) REFERENCES public.accounts(id);

--
-- PostgreSQL database dump complete
--
