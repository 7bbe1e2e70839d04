-- Resume files kept in the database (STORAGE=db), so any instance can serve any upload and the
-- parse job can run on any machine. A file is a run of chunks of at most 256 KiB (seq 0, 1, ...;
-- an empty file is one empty chunk): writing, reading and copying it never holds more than one
-- chunk in memory on either side, and no value comes near a server's packet limit. The chunks go
-- with their resume (ON DELETE CASCADE). A resume without chunks has its file in UPLOAD_FOLDER.
-- 0001's resume_files (a whole file in one value) is never written: chunks replace it.
CREATE TABLE resume_file_chunks (
    resume_id INTEGER NOT NULL REFERENCES resumes (id) ON DELETE CASCADE,
    seq       INTEGER NOT NULL CHECK (seq >= 0),
    data      BLOB NOT NULL,
    PRIMARY KEY (resume_id, seq)
);
