// exadoc/model/device_info.h — which GPUs this process can use, for `exadoc doctor` and engine selection.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace exadoc::model {

struct GpuInfo {
  int index = 0;
  std::string name;       // e.g. "NVIDIA H100 80GB HBM3"
  int compute_major = 0;  // 9 for Hopper
  int compute_minor = 0;
  uint64_t total_memory_bytes = 0;
  uint64_t free_memory_bytes = 0;
  int multiprocessors = 0;
};

struct DeviceReport {
  bool built_with_cuda = false;  // false when exadoc was configured without nvcc (EXADOC_CUDA=OFF)
  int runtime_version = 0;       // CUDA runtime, as 12080 for 12.8; 0 when not built with CUDA
  int driver_version = 0;        // highest CUDA version the driver supports; 0 when there is no driver
  std::vector<GpuInfo> gpus;
  // Why there are no GPUs, in words ("no NVIDIA driver is installed", "built without CUDA"); empty when some.
  std::string unavailable_reason;
};

// Never throws: an absent driver or GPU is a normal answer, reported in unavailable_reason.
DeviceReport query_devices();

}  // namespace exadoc::model
