// Enumerates CUDA devices through the runtime API. Every failure is an answer, not an error: a machine
// without a driver or GPU is where exadoc runs its native engine.
#include <string>

#include <cuda_runtime_api.h>

#include "../device_query.h"

namespace exadoc::model {

void query_cuda_devices(DeviceReport& report) {
  cudaRuntimeGetVersion(&report.runtime_version);
  if (cudaDriverGetVersion(&report.driver_version) != cudaSuccess || report.driver_version == 0) {
    report.unavailable_reason = "no NVIDIA driver is installed (libcuda.so not found)";
    return;
  }
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    report.unavailable_reason =
        std::string("the CUDA runtime found no usable GPU: ") + cudaGetErrorString(status);
    cudaGetLastError();  // clear the sticky error state for later callers
    return;
  }
  for (int index = 0; index < count; ++index) {
    cudaDeviceProp properties{};
    if (cudaGetDeviceProperties(&properties, index) != cudaSuccess) continue;
    GpuInfo gpu;
    gpu.index = index;
    gpu.name = properties.name;
    gpu.compute_major = properties.major;
    gpu.compute_minor = properties.minor;
    gpu.total_memory_bytes = properties.totalGlobalMem;
    gpu.multiprocessors = properties.multiProcessorCount;
    size_t free_bytes = 0, total_bytes = 0;
    if (cudaSetDevice(index) == cudaSuccess && cudaMemGetInfo(&free_bytes, &total_bytes) == cudaSuccess) {
      gpu.free_memory_bytes = free_bytes;
    }
    report.gpus.push_back(gpu);
  }
  if (report.gpus.empty()) report.unavailable_reason = "the driver reports no GPU";
}

}  // namespace exadoc::model
