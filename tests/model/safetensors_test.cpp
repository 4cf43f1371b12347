// Every malformed-checkpoint case of the issue, with the message a user reads.
#include <gtest/gtest.h>

#include <exadoc/model/model_error.h>
#include <exadoc/model/safetensors.h>

#include "model/safetensors_writer.h"
#include "test_support.h"

namespace exadoc::model {
namespace {

using exadoc::testing::RawTensor;
using exadoc::testing::safetensors_bytes;
using exadoc::testing::TempDir;
using exadoc::testing::write_file;

std::string parse_error(const std::string& bytes) {
  try {
    parse_safetensors_header(std::as_bytes(std::span(bytes.data(), bytes.size())), "model.safetensors");
  } catch (const ModelFormatError& error) {
    return error.what();
  }
  return "";
}

void expect_parse_error(const std::string& bytes, const std::string& expected) {
  const std::string message = parse_error(bytes);
  EXPECT_EQ(message.rfind("model.safetensors: ", 0), 0u) << message;
  EXPECT_NE(message.find(expected), std::string::npos) << "expected '" << expected << "' in: " << message;
}

TEST(Safetensors, ParsesAWellFormedFile) {
  const std::string bytes = safetensors_bytes(
      {{"a.weight", "F32", {2, 3}, {1, 2, 3, 4, 5, 6}}, {"b.weight", "BF16", {4}, {1, 2, 3, 4}}});
  const SafetensorsHeader header =
      parse_safetensors_header(std::as_bytes(std::span(bytes.data(), bytes.size())), "model.safetensors");
  ASSERT_EQ(header.tensors.size(), 2u);
  EXPECT_EQ(header.tensors[0].name, "a.weight");
  EXPECT_EQ(header.tensors[0].shape, (Shape{2, 3}));
  EXPECT_EQ(header.tensors[1].dtype, DType::kBF16);
  EXPECT_EQ(header.tensors[1].end - header.tensors[1].begin, 8u);
}

TEST(Safetensors, FileTooShort) {
  expect_parse_error("abc", "the file is 3 bytes long, too short for a safetensors header");
}

TEST(Safetensors, HeaderLengthBeyondTheFile) {
  std::string bytes = safetensors_bytes({{"a", "F32", {1}, {1}}});
  bytes[0] = '\xff';
  bytes[1] = '\xff';
  expect_parse_error(bytes, "the header length 65");
  expect_parse_error(bytes, "runs past the end of the file");
}

TEST(Safetensors, HeaderIsNotJson) {
  expect_parse_error(safetensors_bytes("{\"a\": {\"dtype\": \"F32\",", "xxxx"),
                     "the header is not valid JSON; the file is damaged");
}

TEST(Safetensors, OffsetsOutsideTheDataArea) {
  expect_parse_error(
      safetensors_bytes(R"({"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}})", "12345678"),
      "tensor 'w': data_offsets [0, 16] lie outside the data area (8 bytes)");
}

TEST(Safetensors, OverlappingTensors) {
  expect_parse_error(safetensors_bytes(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                            "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}})",
                                       std::string(12, '\0')),
                     "tensor 'b' overlaps tensor 'a' in the data area");
}

TEST(Safetensors, ShapeTimesDtypeDiffersFromTheByteRange) {
  expect_parse_error(safetensors_bytes(R"({"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}})",
                                       std::string(8, '\0')),
                     "tensor 'w': shape [3] x F32 needs 12 bytes but data_offsets cover 8");
}

TEST(Safetensors, UnsupportedDtype) {
  expect_parse_error(safetensors_bytes(R"({"w": {"dtype": "F64", "shape": [1], "data_offsets": [0, 8]}})",
                                       std::string(8, '\0')),
                     "tensor 'w': unsupported dtype 'F64' (exadoc reads F32, BF16, F16, I32, I64 and U8)");
}

TEST(Safetensors, EntryWithoutOffsets) {
  expect_parse_error(safetensors_bytes(R"({"w": {"dtype": "F32", "shape": [1]}})", std::string(4, '\0')),
                     "tensor 'w': an entry needs 'dtype', 'shape' and 'data_offsets'");
}

TEST(Safetensors, MetadataIsIgnored) {
  EXPECT_EQ(parse_error(safetensors_bytes(R"({"__metadata__": {"format": "pt"}})", "")), "");
}

TEST(Checkpoint, ReadsTensorsFromAMappedFile) {
  const TempDir temp;
  write_file(temp.path() / "model.safetensors",
             safetensors_bytes({{"w", "BF16", {2, 2}, {1.5f, -2.0f, 0.25f, 8.0f}}}));
  const Checkpoint checkpoint = Checkpoint::open(temp.path());
  const Tensor tensor = checkpoint.tensor("w");
  EXPECT_EQ(tensor.dtype(), DType::kBF16);
  std::vector<float> values(4);
  to_f32(tensor.data(), tensor.dtype(), values.data(), 4);
  EXPECT_EQ(values, (std::vector<float>{1.5f, -2.0f, 0.25f, 8.0f}));
  try {
    checkpoint.tensor("lm_head.weight");
    FAIL();
  } catch (const ModelFormatError& error) {
    EXPECT_NE(std::string(error.what()).find("missing tensor 'lm_head.weight'"), std::string::npos)
        << error.what();
  }
}

TEST(Checkpoint, FolderWithoutWeights) {
  const TempDir temp;
  try {
    Checkpoint::open(temp.path());
    FAIL();
  } catch (const ModelFormatError& error) {
    EXPECT_STREQ(error.what(),
                 "model.safetensors: no weights: the folder has neither model.safetensors nor "
                 "model.safetensors.index.json");
  }
}

std::string checkpoint_error(const std::filesystem::path& folder) {
  try {
    Checkpoint::open(folder);
  } catch (const ModelFormatError& error) {
    return error.what();
  }
  return "";
}

TEST(Checkpoint, ShardedIndexIsValidated) {
  const TempDir temp;
  write_file(temp.path() / "model-00001-of-00002.safetensors", safetensors_bytes({{"a", "F32", {1}, {1}}}));
  write_file(temp.path() / "model-00002-of-00002.safetensors", safetensors_bytes({{"b", "F32", {1}, {2}}}));
  const auto index = temp.path() / "model.safetensors.index.json";
  write_file(
      index,
      R"({"weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}})");
  const Checkpoint checkpoint = Checkpoint::open(temp.path());
  EXPECT_EQ(checkpoint.names(), (std::vector<std::string>{"a", "b"}));

  write_file(
      index,
      R"({"weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00003-of-00003.safetensors"}})");
  EXPECT_EQ(
      checkpoint_error(temp.path()),
      "model.safetensors.index.json: names shard 'model-00003-of-00003.safetensors', which is missing from " +
          temp.path().string());

  write_file(
      index,
      R"({"weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00001-of-00002.safetensors"}})");
  EXPECT_EQ(checkpoint_error(temp.path()),
            "model.safetensors.index.json: places tensor 'b' in model-00001-of-00002.safetensors, but that "
            "shard does not hold it");

  write_file(index, R"({"weight_map": {"a": "model-00001-of-00002.safetensors"}})");
  write_file(temp.path() / "model-00001-of-00002.safetensors",
             safetensors_bytes({{"a", "F32", {1}, {1}}, {"stray", "F32", {1}, {1}}}));
  EXPECT_EQ(checkpoint_error(temp.path()),
            "model-00001-of-00002.safetensors: tensor 'stray' is not listed in model.safetensors.index.json");

  write_file(index, "not json");
  EXPECT_EQ(checkpoint_error(temp.path()),
            "model.safetensors.index.json: not valid JSON with a 'weight_map' object");
}

TEST(Checkpoint, TensorInTwoShards) {
  const TempDir temp;
  write_file(temp.path() / "one.safetensors", safetensors_bytes({{"a", "F32", {1}, {1}}}));
  write_file(temp.path() / "two.safetensors", safetensors_bytes({{"a", "F32", {1}, {1}}}));
  write_file(temp.path() / "model.safetensors.index.json",
             R"({"weight_map": {"a": "one.safetensors", "b": "two.safetensors"}})");
  EXPECT_EQ(checkpoint_error(temp.path()), "two.safetensors: tensor 'a' is also in one.safetensors");
}

TEST(Checkpoint, TruncatedShard) {
  const TempDir temp;
  const std::string bytes = safetensors_bytes({{"a", "F32", {64}, std::vector<float>(64, 1.0f)}});
  write_file(temp.path() / "model.safetensors", bytes.substr(0, bytes.size() - 100));
  EXPECT_NE(checkpoint_error(temp.path()).find("tensor 'a': data_offsets [0, 256] lie outside the data area"),
            std::string::npos);
}

// Corrupted copies of a valid file never crash the parser (run under ASan in the sanitizer build); the
// libFuzzer target tests/fuzz/safetensors_fuzzer explores further.
TEST(Safetensors, MutatedHeadersFailCleanly) {
  const std::string valid =
      safetensors_bytes({{"a.weight", "F32", {2, 3}, {1, 2, 3, 4, 5, 6}}, {"b", "BF16", {4}, {1, 2, 3, 4}}});
  std::mt19937 random(7);
  for (int round = 0; round < 3000; ++round) {
    std::string bytes = valid;
    const int flips = 1 + static_cast<int>(random() % 4);
    for (int i = 0; i < flips; ++i) bytes[random() % bytes.size()] = static_cast<char>(random());
    if (random() % 5 == 0) bytes.resize(random() % bytes.size());
    (void)parse_error(bytes);
  }
}

}  // namespace
}  // namespace exadoc::model
