-- schemas/index.sql: exadoc's SQLite index, schema version 1.
--
-- One file (OUT/exadoc.sqlite by default) in WAL mode, so `exadoc query` reads a consistent snapshot while a
-- batch writes. exadoc applies this script to an empty database (PRAGMA user_version 0) and then sets
-- user_version to 1 and application_id to 0x65786164 ("exad"), in one transaction. A later schema change is a
-- new script, schemas/index-NNNN.sql, that migrates version NNNN-1 to NNNN; the scripts are compiled into the
-- binary (export/CMakeLists.txt), so exadoc needs no source tree at run time.
--
-- Conventions: times are ISO 8601 UTC text ("2025-01-31T12:00:00.000Z"); boxes are on the 0-1000 grid of the
-- page as displayed (top-left origin, see layout/geometry.h); JSON columns hold valid JSON text, so json_each()
-- and the -> / ->> operators work on them. Documents are keyed by the SHA-256 of their content: one row per
-- content, however many paths it was seen under. Storing a document again (--force, or other settings)
-- replaces its pages, blocks and mentions in the same transaction, so no duplicate rows are left behind.

-- runs: each batch, watch session or parse that wrote to the index. finished_at stays NULL when the run was
-- interrupted (killed, crashed); the documents it committed are complete all the same.
CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('batch', 'watch', 'parse')),
  started_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  finished_at TEXT,
  settings TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(settings)),
  done INTEGER NOT NULL DEFAULT 0,     -- documents parsed and stored
  skipped INTEGER NOT NULL DEFAULT 0,  -- documents already indexed with the same engine and settings
  failed INTEGER NOT NULL DEFAULT 0,   -- documents that could not be parsed
  pages INTEGER NOT NULL DEFAULT 0,    -- pages parsed
  seconds REAL                         -- wall time of the run
);

-- documents: one row per document content (SHA-256 of the file's bytes), the outcome of its last parse.
-- status 'ok': pages, blocks and mentions below belong to it. status 'failed': error says why, and it has
-- no pages. A failure never replaces an 'ok' row of the same content (the earlier result stays usable).
CREATE TABLE documents (
  id INTEGER PRIMARY KEY,
  sha256 TEXT NOT NULL UNIQUE CHECK (length(sha256) = 64),  -- lower-case hex
  path TEXT NOT NULL,                  -- the path it was last parsed from; every path: document_paths
  file_type TEXT NOT NULL,             -- "pdf", "tiff", "png", ... read from the content
  page_count INTEGER NOT NULL DEFAULT 0,
  engine TEXT NOT NULL,                -- "native" or "exaone"
  model TEXT,                          -- the model the engine ran, when it runs one
  settings TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(settings)),  -- what changes the output (minified)
  status TEXT NOT NULL CHECK (status IN ('ok', 'failed')),
  error TEXT,                          -- status 'failed': the reason
  warnings TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(warnings)),  -- document-level warnings
  started_at TEXT,
  finished_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  seconds REAL,                        -- time spent parsing it
  run_id INTEGER REFERENCES runs (id) ON DELETE SET NULL  -- the run that wrote this row
);
CREATE INDEX documents_run ON documents (run_id);

-- document_paths: every path a document's content was seen under (copies, renames, the same file in two
-- folders); a batch that skips an indexed file still records its path here.
CREATE TABLE document_paths (
  document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
  path TEXT NOT NULL,
  first_seen_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  last_seen_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  UNIQUE (document_id, path)
);
CREATE INDEX document_paths_path ON document_paths (path);

-- pages: the parsed pages of an 'ok' document, with their size and how they were read.
CREATE TABLE pages (
  id INTEGER PRIMARY KEY,
  document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
  number INTEGER NOT NULL CHECK (number >= 1),  -- 1-based
  width_pt REAL NOT NULL,
  height_pt REAL NOT NULL,
  width_px INTEGER NOT NULL,
  height_px INTEGER NOT NULL,
  dpi REAL NOT NULL,
  rotation INTEGER NOT NULL DEFAULT 0,  -- degrees applied to display the page
  skew REAL,                            -- degrees, measured on scans; NULL where not measured
  warnings TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(warnings)),
  UNIQUE (document_id, number)
);

-- blocks: the layout blocks of every page, in reading order, with their box and text. document_id and page
-- repeat what page_id says, so most queries need no join.
CREATE TABLE blocks (
  id INTEGER PRIMARY KEY,
  page_id INTEGER NOT NULL REFERENCES pages (id) ON DELETE CASCADE,
  document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
  page INTEGER NOT NULL,               -- page number, 1-based
  block_key TEXT NOT NULL,             -- "p3-b12", as in the JSON export
  reading_order INTEGER NOT NULL,
  type TEXT NOT NULL,                  -- "text", "section_header", "table", "title_block", "bom_table", ...
  x1 INTEGER NOT NULL CHECK (x1 BETWEEN 0 AND 1000),
  y1 INTEGER NOT NULL CHECK (y1 BETWEEN 0 AND 1000),
  x2 INTEGER NOT NULL CHECK (x2 BETWEEN 0 AND 1000),
  y2 INTEGER NOT NULL CHECK (y2 BETWEEN 0 AND 1000),
  text TEXT NOT NULL DEFAULT '',       -- plain text; tables: cells tab-separated, one row per line
  html TEXT,                           -- tables: <table> with spans
  latex TEXT,                          -- formulas, when known
  level INTEGER NOT NULL DEFAULT 0,    -- section headers: 1 for the top level
  source TEXT NOT NULL,                -- "text-layer", "ocr" or "vlm"
  confidence REAL,
  fields TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(fields)),  -- title blocks: drawing_number, revision, ...
  UNIQUE (document_id, block_key)
);
CREATE INDEX blocks_page ON blocks (page_id);
CREATE INDEX blocks_type ON blocks (type);

-- blocks_fts: full-text index over blocks.text (FTS5, external content: the text is stored once, in blocks).
-- The triggers keep it in step with blocks, deletes by ON DELETE CASCADE included. Query it with
-- `blocks_fts MATCH '...'`, join on blocks.id = blocks_fts.rowid.
CREATE VIRTUAL TABLE blocks_fts USING fts5 (
  text,
  content = 'blocks',
  content_rowid = 'id',
  tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER blocks_fts_insert AFTER INSERT ON blocks BEGIN
  INSERT INTO blocks_fts (rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER blocks_fts_delete AFTER DELETE ON blocks BEGIN
  INSERT INTO blocks_fts (blocks_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER blocks_fts_update AFTER UPDATE OF text ON blocks BEGIN
  INSERT INTO blocks_fts (blocks_fts, rowid, text) VALUES ('delete', old.id, old.text);
  INSERT INTO blocks_fts (rowid, text) VALUES (new.id, new.text);
END;

-- mentions: identifiers found in block text (schemas/identifiers.json): part numbers, drawing numbers and
-- revisions, standards, section/figure/table references. `normalized` is the form spellings meet in
-- (P-1234, P1234 and p-1234 are all P1234); byte_offset locates `raw` in blocks.text.
CREATE TABLE mentions (
  id INTEGER PRIMARY KEY,
  block_id INTEGER NOT NULL REFERENCES blocks (id) ON DELETE CASCADE,
  document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
  page INTEGER NOT NULL,               -- page number, 1-based
  kind TEXT NOT NULL,                  -- "part_number", "drawing_number", "standard", "section_ref", ...
  raw TEXT NOT NULL,
  normalized TEXT NOT NULL,
  byte_offset INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX mentions_normalized ON mentions (normalized, document_id);
CREATE INDEX mentions_block ON mentions (block_id);
CREATE INDEX mentions_document ON mentions (document_id, page);

-- xrefs: the cross-references: identifiers (by normalised value) mentioned in more than one document, one
-- row per identifier, kind, document and page, with how many documents share the identifier.
-- Example: SELECT * FROM xrefs WHERE normalized = 'DWGHX200001';
CREATE VIEW xrefs AS
SELECT
  m.normalized,
  m.kind,
  shared.document_count,
  m.document_id,
  d.path AS document_path,
  d.file_type,
  m.page,
  count(*) AS mention_count,
  min(m.raw) AS raw
FROM mentions AS m
JOIN (
  SELECT normalized, count(DISTINCT document_id) AS document_count
  FROM mentions
  GROUP BY normalized
  HAVING count(DISTINCT document_id) > 1
) AS shared ON shared.normalized = m.normalized
JOIN documents AS d ON d.id = m.document_id
GROUP BY m.normalized, m.kind, m.document_id, m.page;
