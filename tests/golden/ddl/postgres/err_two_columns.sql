CREATE TABLE bookings (
    id integer PRIMARY KEY,
    starts_on date NOT NULL,
    ends_on date NOT NULL,
    CONSTRAINT bookings_dates CHECK (ends_on > starts_on)
);
