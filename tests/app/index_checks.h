// Test helper for the commands that write the index (batch, watch, parse): reading values back, and the
// invariants no crash or rerun may break.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <exadoc/export/index.h>

namespace exadoc::testing {

using exporter::Index;

// The first column of every row, as text.
std::vector<std::string> column(const Index& index, const std::string& sql) {
  std::vector<std::string> values;
  for (const auto& row : index.query(sql).rows) values.push_back(exporter::value_to_string(row.at(0)));
  return values;
}

int64_t count(const Index& index, const std::string& sql) {
  return std::stoll(column(index, sql).at(0));
}

// No orphans anywhere, every 'ok' document complete: the invariants a crash must not break.
void expect_consistent(const Index& index) {
  EXPECT_TRUE(index.query("PRAGMA foreign_key_check").rows.empty());
  EXPECT_EQ(count(index,
                  "SELECT count(*) FROM documents d WHERE status = 'ok' AND (page_count < 1 OR page_count != "
                  "(SELECT count(*) FROM pages p WHERE p.document_id = d.id))"),
            0);
  EXPECT_EQ(count(index,
                  "SELECT count(*) FROM pages p WHERE NOT EXISTS "
                  "(SELECT 1 FROM documents d WHERE d.id = p.document_id AND d.status = 'ok')"),
            0);
  EXPECT_EQ(
      count(index,
            "SELECT count(*) FROM blocks b WHERE NOT EXISTS (SELECT 1 FROM pages p WHERE p.id = b.page_id "
            "AND p.document_id = b.document_id AND p.number = b.page)"),
      0);
  EXPECT_EQ(count(index,
                  "SELECT count(*) FROM mentions m WHERE NOT EXISTS (SELECT 1 FROM blocks b WHERE b.id = "
                  "m.block_id AND b.document_id = m.document_id)"),
            0);
  EXPECT_EQ(count(index,
                  "SELECT count(*) FROM document_paths dp WHERE NOT EXISTS "
                  "(SELECT 1 FROM documents d WHERE d.id = dp.document_id)"),
            0);
  EXPECT_EQ(count(index,
                  "SELECT count(*) FROM documents WHERE status = 'failed' AND (error IS NULL OR "
                  "error = '' OR EXISTS (SELECT 1 FROM pages p WHERE p.document_id = documents.id))"),
            0);
  // The full-text index holds exactly the blocks.
  EXPECT_EQ(count(index, "SELECT count(*) FROM blocks_fts"), count(index, "SELECT count(*) FROM blocks"));
}

}  // namespace exadoc::testing
