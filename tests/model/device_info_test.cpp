// GPU discovery. Runs everywhere: without a GPU the report must say why; with one, it must describe it.
#include <gtest/gtest.h>

#include <exadoc/model/device_info.h>

namespace exadoc::model {
namespace {

TEST(DeviceInfo, ExplainsWhyThereIsNoGpu) {
  const DeviceReport report = query_devices();
  if (!report.gpus.empty())
    GTEST_SKIP() << "a GPU is present (" << report.gpus[0].name << "); nothing to explain";
  EXPECT_FALSE(report.unavailable_reason.empty());
}

TEST(DeviceInfo, DescribesEachGpu) {
  const DeviceReport report = query_devices();
  if (report.gpus.empty()) GTEST_SKIP() << "no GPU on this machine: " << report.unavailable_reason;
  EXPECT_TRUE(report.built_with_cuda);
  EXPECT_GT(report.runtime_version, 0);
  EXPECT_GE(report.driver_version, report.runtime_version / 1000 * 1000)
      << "the driver must run this runtime";
  for (const GpuInfo& gpu : report.gpus) {
    EXPECT_FALSE(gpu.name.empty());
    EXPECT_GE(gpu.compute_major, 8) << "exadoc targets sm_80 and newer";
    EXPECT_GT(gpu.total_memory_bytes, 0u);
    EXPECT_LE(gpu.free_memory_bytes, gpu.total_memory_bytes);
    EXPECT_GT(gpu.multiprocessors, 0);
  }
}

}  // namespace
}  // namespace exadoc::model
