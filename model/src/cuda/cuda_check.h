// Private to the CUDA backend: CUDA and cuBLAS status checks that become exadoc::model::BackendError (naming
// the call, the reason and the source line), and device memory owned through std::shared_ptr.
//
// Included from C++20 host files and from C++17 .cu files: nothing here may need more than C++17.
#pragma once

#include <cstddef>
#include <memory>

#include <cuda_runtime_api.h>

namespace exadoc::model::cuda {

// Throws BackendError("cuda backend: <call> failed at <file>:<line>: <reason>"). Defined in cuda_backend.cpp.
[[noreturn]] void throw_cuda_error(const char* call, cudaError_t status, const char* file, int line);
[[noreturn]] void throw_cublas_error(const char* call, int status, const char* file, int line);

inline void check_cuda(cudaError_t status, const char* call, const char* file, int line) {
  if (status != cudaSuccess) throw_cuda_error(call, status, file, line);
}

// Device memory of `bytes` bytes (at least one), zeroed unless `zero` is false, freed when the last owner
// goes (cudaFree waits for the work queued on the device, so a tensor may go while kernels that read it are
// still queued). Synchronous with respect to the host (cudaMalloc, cudaMemset). Throws BackendError naming
// the size when the device is out of memory.
std::shared_ptr<void> device_alloc(size_t bytes, bool zero = true);

// A grow-only device buffer for per-call scratch (converted activations, host spans). Reuse across calls on
// one stream is safe: work is ordered on the stream, and growing waits for the device before it frees the old
// buffer.
class ScratchBuffer {
 public:
  void* reserve(size_t bytes) {
    if (bytes > capacity_) {
      if (memory_) check_cuda(cudaDeviceSynchronize(), "cudaDeviceSynchronize", __FILE__, __LINE__);
      memory_ = device_alloc(bytes);
      capacity_ = bytes;
    }
    return memory_.get();
  }

 private:
  std::shared_ptr<void> memory_;
  size_t capacity_ = 0;
};

}  // namespace exadoc::model::cuda

// The call is spelled out in the error message: CUDA_CHECK(cudaMemcpyAsync(...)).
#define EXADOC_CUDA_CHECK(call) ::exadoc::model::cuda::check_cuda((call), #call, __FILE__, __LINE__)
// After a kernel launch: launch-configuration errors now, asynchronous faults at the next synchronising call.
#define EXADOC_CUDA_CHECK_LAUNCH(kernel) \
  ::exadoc::model::cuda::check_cuda(cudaGetLastError(), "launch of " kernel, __FILE__, __LINE__)
