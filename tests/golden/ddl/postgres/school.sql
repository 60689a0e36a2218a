-- A school, as a developer would write it by hand.
CREATE TABLE teachers (
    teacher_id   SERIAL PRIMARY KEY,
    first_name   TEXT NOT NULL,
    last_name    TEXT NOT NULL,
    email        VARCHAR(120) UNIQUE NOT NULL,
    department   VARCHAR(60),
    hired_on     DATE NOT NULL DEFAULT CURRENT_DATE,
    salary       NUMERIC(9,2) CHECK (salary BETWEEN 30000 AND 150000)
);

CREATE TABLE students (
    student_id   UUID PRIMARY KEY,
    full_name    VARCHAR(100) NOT NULL,
    date_of_birth DATE,
    grade_level  SMALLINT NOT NULL CHECK (grade_level >= 1 AND grade_level <= 12),
    gpa          NUMERIC(3,2) CHECK (gpa BETWEEN 0.00 AND 4.00),
    enrolled_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    is_boarding  BOOLEAN NOT NULL DEFAULT false
);

CREATE TABLE classes (
    class_id     SERIAL,
    teacher_id   INTEGER NOT NULL REFERENCES teachers (teacher_id) ON DELETE RESTRICT,
    subject      VARCHAR(40) NOT NULL,
    room         CHAR(4),
    capacity     INTEGER NOT NULL DEFAULT 30 CHECK (capacity > 0 AND capacity <= 40),
    term         TEXT NOT NULL CHECK (term IN ('fall', 'spring', 'summer')),
    PRIMARY KEY (class_id)
);

CREATE TABLE enrollments (
    student_id   UUID NOT NULL REFERENCES students,
    class_id     INTEGER NOT NULL REFERENCES classes,
    enrolled_on  DATE NOT NULL,
    final_grade  CHAR(2),
    CONSTRAINT enrollments_pkey PRIMARY KEY (student_id, class_id)
);
