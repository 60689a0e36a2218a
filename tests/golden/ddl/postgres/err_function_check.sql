CREATE TABLE users (
    id integer PRIMARY KEY,
    email text CHECK (position('@' in email) > 1)
);
