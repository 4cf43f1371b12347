-- schemas/index-0003.sql: migrates the index from schema version 2 to 3.
--
-- The xrefs view now lists only identifiers that name something outside the document they are found in: part,
-- drawing and document numbers, standards, and revisions tied to a drawing number ("DWGHX200001/REVC"). References
-- to a document's own sections, figures and tables ("Figure 1", "section 4.2") and bare revisions ("Rev. 3" in a
-- page header) appear in many documents without linking them; they stay in `mentions` for queries of their own.
DROP VIEW xrefs;
CREATE VIEW xrefs AS
WITH linking AS (
  SELECT * FROM mentions
  WHERE kind NOT IN ('section_ref', 'figure_ref', 'table_ref')
    AND NOT (kind = 'revision' AND instr(normalized, '/') = 0)
)
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
FROM linking AS m
JOIN (
  SELECT normalized, count(DISTINCT document_id) AS document_count
  FROM linking
  GROUP BY normalized
  HAVING count(DISTINCT document_id) > 1
) AS shared ON shared.normalized = m.normalized
JOIN documents AS d ON d.id = m.document_id
GROUP BY m.normalized, m.kind, m.document_id, m.page;
