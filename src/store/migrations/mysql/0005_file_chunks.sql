-- MySQL/MariaDB dialect of ../0005_file_chunks.sql (whose comments explain it): chunks are
-- LONGBLOB, well under the servers' default max_allowed_packet (16 MiB).
CREATE TABLE resume_file_chunks (
    resume_id BIGINT NOT NULL,
    seq       BIGINT NOT NULL CHECK (seq >= 0),
    data      LONGBLOB NOT NULL,
    PRIMARY KEY (resume_id, seq),
    CONSTRAINT fk_resume_file_chunks_resume FOREIGN KEY (resume_id) REFERENCES resumes (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
