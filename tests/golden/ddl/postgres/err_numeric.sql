CREATE TABLE prices (
    id integer PRIMARY KEY,
    value numeric NOT NULL
);
