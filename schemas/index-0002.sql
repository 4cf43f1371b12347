-- schemas/index-0002.sql: migrates the index from schema version 1 to 2 (exadoc applies it in one transaction
-- and sets user_version to 2).
--
-- Pages parsed by the EXAONE engine record how the model answered and how far its text strays from the PDF's
-- own text layer, so that users can find pages to check:
--   SELECT d.path, p.number, p.text_disagreement FROM pages p JOIN documents d ON d.id = p.document_id
--   WHERE p.text_disagreement > 0.2 OR p.model_output != 'html' ORDER BY p.text_disagreement DESC;

-- model_output: NULL for pages of the native engine; "html" when the model answered as asked; "json",
-- "markdown", "text" or "empty" when it did not (the page then carries warnings, and boxes may be missing).
ALTER TABLE pages ADD COLUMN model_output TEXT;
-- text_disagreement: 0-1, the share of the model's words not found in the text layer inside their blocks;
-- NULL where the page has no text layer or the engine is native.
ALTER TABLE pages ADD COLUMN text_disagreement REAL CHECK (text_disagreement BETWEEN 0 AND 1);
