-- dialect only: nested /* */ comments are PostgreSQL's alone.
/* A schema /* with a nested comment */ still inside the outer one */
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TYPE public.priority AS ENUM ('low', 'high');

CREATE TABLE public.journal (
    entry_id integer PRIMARY KEY,
    mood mood NOT NULL,
    priority public.priority DEFAULT 'low'::public.priority,
    moods mood[],
    scores integer[],
    labels text ARRAY,
    ratio double precision,
    weight real CHECK (weight > 0),
    amount numeric(7) DEFAULT 0,
    body text DEFAULT E'first line\nsecond line',
    quote text DEFAULT $$it's "quoted"$$,
    written_at timestamp with time zone,
    noted_at time without time zone
);
COMMENT ON COLUMN journal.mood IS 'how the day went';
