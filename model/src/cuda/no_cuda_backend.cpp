// make_cuda_backend in a build without CUDA (nvcc not found at configure time, or EXADOC_CUDA=OFF).
#include <exadoc/model/backend.h>

namespace exadoc::model {

std::unique_ptr<Backend> make_cuda_backend(int /*device*/) {
  throw BackendError(
      "cuda backend unavailable: exadoc was built without CUDA (no nvcc at configure time, or "
      "EXADOC_CUDA=OFF); "
      "rebuild with the CUDA toolkit installed to use a GPU");
}

}  // namespace exadoc::model
