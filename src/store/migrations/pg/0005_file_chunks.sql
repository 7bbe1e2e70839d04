-- PostgreSQL dialect of ../0005_file_chunks.sql (whose comments explain it): chunks are BYTEA.
CREATE TABLE resume_file_chunks (
    resume_id BIGINT NOT NULL REFERENCES resumes (id) ON DELETE CASCADE,
    seq       BIGINT NOT NULL CHECK (seq >= 0),
    data      BYTEA NOT NULL,
    PRIMARY KEY (resume_id, seq)
);
