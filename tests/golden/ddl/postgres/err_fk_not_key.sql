CREATE TABLE users (
    id integer PRIMARY KEY,
    handle text UNIQUE NOT NULL
);
CREATE TABLE posts (
    id integer PRIMARY KEY,
    author text NOT NULL REFERENCES users (handle)
);
