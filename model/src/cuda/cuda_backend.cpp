// The CUDA backend (issue 8, first version): every Backend op on one GPU, tested op by op against the CPU
// reference (tests/model/cuda_backend_test.cpp).
//
// - Activations are fp32 in device memory, as on the CPU; weights are device copies made by upload() and may
//   be F32, BF16 or F16.
// - matmul is one cublasGemmEx with fp32 accumulation (CUBLAS_COMPUTE_32F) and fp32 output. For BF16/F16
//   weights the fp32 activations are first rounded to the weight dtype into a scratch buffer; F32 weights
//   stay in fp32 (no TF32), so fp32 checkpoints match the CPU to rounding.
// - Everything else is a kernel of cuda_kernels.cu. Spans of the interface (positions, ids, rows, boundaries,
//   inv_freq) are host memory: each op copies its spans into device scratch with one transfer.
// - One stream; a host-visible result (read_f32, sample) synchronises it. allocate() is cudaMalloc + memset.
// - cuBLAS is opened with dlopen on first use, so that exadoc (linked with the static CUDA runtime) still
//   starts on machines without the CUDA libraries.
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <dlfcn.h>

#include <exadoc/base/error.h>
#include <exadoc/model/backend.h>
#include <exadoc/model/device_info.h>

#include "cuda_check.h"
#include "cuda_kernels.h"

namespace exadoc::model {
namespace cuda {

namespace {

std::string where(const char* file, int line) {
  return std::filesystem::path(file).filename().string() + ":" + std::to_string(line);
}

// cublasGemmEx with int sizes (cublas_api.h also declares an inline overload, so decltype cannot name it).
using GemmEx = cublasStatus_t (*)(cublasHandle_t, cublasOperation_t, cublasOperation_t, int, int, int,
                                  const void*, const void*, cudaDataType, int, const void*, cudaDataType, int,
                                  const void*, void*, cudaDataType, int, cublasComputeType_t,
                                  cublasGemmAlgo_t);

// The cuBLAS entry points the backend calls, resolved from libcublas.so.<major> at run time.
struct CublasLibrary {
  decltype(&cublasCreate_v2) create = nullptr;
  decltype(&cublasDestroy_v2) destroy = nullptr;
  decltype(&cublasSetStream_v2) set_stream = nullptr;
  decltype(&cublasSetMathMode) set_math_mode = nullptr;
  GemmEx gemm_ex = nullptr;
  decltype(&cublasGetStatusString) status_string = nullptr;
};

CublasLibrary load_cublas() {
  const std::string name = "libcublas.so." + std::to_string(CUBLAS_VER_MAJOR);
  void* handle =
      dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);  // never closed: it lives as long as the process
  if (handle == nullptr) {
    const char* reason = dlerror();
    throw BackendError("cuda backend unavailable: cannot load " + name + " (" +
                       (reason != nullptr ? reason : "not found") + "); install the CUDA " +
                       std::to_string(CUBLAS_VER_MAJOR) +
                       " cuBLAS library or add its folder to LD_LIBRARY_PATH");
  }
  auto symbol = [&](const char* entry) {
    void* address = dlsym(handle, entry);
    if (address == nullptr) throw BackendError("cuda backend unavailable: " + name + " has no " + entry);
    return address;
  };
  CublasLibrary library;
  library.create = reinterpret_cast<decltype(library.create)>(symbol("cublasCreate_v2"));
  library.destroy = reinterpret_cast<decltype(library.destroy)>(symbol("cublasDestroy_v2"));
  library.set_stream = reinterpret_cast<decltype(library.set_stream)>(symbol("cublasSetStream_v2"));
  library.set_math_mode = reinterpret_cast<decltype(library.set_math_mode)>(symbol("cublasSetMathMode"));
  library.gemm_ex = reinterpret_cast<GemmEx>(symbol("cublasGemmEx"));
  library.status_string = reinterpret_cast<decltype(library.status_string)>(symbol("cublasGetStatusString"));
  return library;
}

// Loaded once; a failed load throws here and is tried again by the next caller.
const CublasLibrary& cublas() {
  static const CublasLibrary library = load_cublas();
  return library;
}

}  // namespace

void throw_cuda_error(const char* call, cudaError_t status, const char* file, int line) {
  throw BackendError(std::string("cuda backend: ") + call + " failed at " + where(file, line) + ": " +
                     cudaGetErrorName(status) + " (" + cudaGetErrorString(status) + ")");
}

void throw_cublas_error(const char* call, int status, const char* file, int line) {
  throw BackendError(std::string("cuda backend: ") + call + " failed at " + where(file, line) + ": " +
                     cublas().status_string(static_cast<cublasStatus_t>(status)) + " (cublasStatus_t " +
                     std::to_string(status) + ")");
}

std::shared_ptr<void> device_alloc(size_t bytes, bool zero) {
  void* pointer = nullptr;
  const cudaError_t status = cudaMalloc(&pointer, std::max<size_t>(bytes, 1));
  if (status != cudaSuccess) {
    cudaGetLastError();  // out of memory is not sticky: later calls may still succeed
    throw BackendError("cuda backend: cannot allocate " + std::to_string(bytes) +
                       " bytes of device memory: " + cudaGetErrorName(status) + " (" +
                       cudaGetErrorString(status) + ")");
  }
  std::shared_ptr<void> memory(pointer, [](void* address) { cudaFree(address); });
  if (zero) EXADOC_CUDA_CHECK(cudaMemset(pointer, 0, bytes));
  return memory;
}

}  // namespace cuda

namespace {

#define EXADOC_CUBLAS_CHECK(call)                                                                 \
  do {                                                                                            \
    const cublasStatus_t exadoc_cublas_status = (call);                                           \
    if (exadoc_cublas_status != CUBLAS_STATUS_SUCCESS) {                                          \
      ::exadoc::model::cuda::throw_cublas_error(#call, exadoc_cublas_status, __FILE__, __LINE__); \
    }                                                                                             \
  } while (false)

void require(bool condition, const std::string& what) {
  if (!condition) throw InternalError("cuda backend: " + what);
}

int64_t last_dim(const Tensor& tensor) {
  return tensor.dim(tensor.shape().rank - 1);
}

int to_int(int64_t value, const char* what) {
  require(value >= 0 && value <= std::numeric_limits<int>::max(),
          std::string(what) + " exceeds cuBLAS's int");
  return static_cast<int>(value);
}

// A host span to copy to the device: its address and size in bytes.
struct HostBytes {
  const void* data;
  size_t bytes;
};
template <typename T>
HostBytes host_bytes(std::span<const T> values) {
  return {values.data(), values.size_bytes()};
}

struct StreamDeleter {
  void operator()(cudaStream_t stream) const { cudaStreamDestroy(stream); }
};
struct CublasDeleter {
  void operator()(cublasHandle_t handle) const { cuda::cublas().destroy(handle); }
};

class CudaBackend final : public Backend {
 public:
  explicit CudaBackend(int device) : device_(device), host_(make_cpu_backend(1)) {
    EXADOC_CUDA_CHECK(cudaSetDevice(device_));
    cudaStream_t stream = nullptr;
    EXADOC_CUDA_CHECK(cudaStreamCreate(&stream));
    stream_.reset(stream);
    const cuda::CublasLibrary& library = cuda::cublas();
    cublasHandle_t handle = nullptr;
    EXADOC_CUBLAS_CHECK(library.create(&handle));
    cublas_.reset(handle);
    EXADOC_CUBLAS_CHECK(library.set_stream(handle, stream));
    // No TF32: fp32 weights are multiplied in fp32, which is what makes fp32 parity with the CPU hold.
    EXADOC_CUBLAS_CHECK(library.set_math_mode(handle, CUBLAS_DEFAULT_MATH));
  }

  std::string_view name() const override { return "cuda"; }
  Device device() const override { return Device::kCuda; }
  bool supports(Op /*op*/, DType weight_dtype) const override { return is_floating(weight_dtype); }

  Tensor allocate(DType dtype, Shape shape) override {
    activate();
    std::shared_ptr<void> memory =
        cuda::device_alloc(static_cast<size_t>(shape.elements()) * dtype_size(dtype));
    return {memory.get(), dtype, shape, Device::kCuda, memory};
  }

  void read_f32(const Tensor& tensor, float* host) override {
    const auto count = static_cast<size_t>(tensor.elements());
    if (tensor.device() == Device::kCpu) {
      to_f32(tensor.data(), tensor.dtype(), host, count);
      return;
    }
    activate();
    if (tensor.dtype() == DType::kF32) {
      EXADOC_CUDA_CHECK(
          cudaMemcpyAsync(host, tensor.data(), tensor.bytes(), cudaMemcpyDeviceToHost, stream()));
      synchronize();
      return;
    }
    std::vector<std::byte> raw(tensor.bytes());
    EXADOC_CUDA_CHECK(
        cudaMemcpyAsync(raw.data(), tensor.data(), raw.size(), cudaMemcpyDeviceToHost, stream()));
    synchronize();
    to_f32(raw.data(), tensor.dtype(), host, count);
  }

  Tensor upload(const Tensor& host) override {
    if (host.device() == Device::kCuda) return host;
    activate();
    std::shared_ptr<void> memory = cuda::device_alloc(host.bytes(), false);
    EXADOC_CUDA_CHECK(
        cudaMemcpyAsync(memory.get(), host.data(), host.bytes(), cudaMemcpyHostToDevice, stream()));
    synchronize();  // the host view (a memory-mapped file) may go away as soon as we return
    return {memory.get(), host.dtype(), host.shape(), Device::kCuda, memory};
  }

  void matmul(const Tensor& x, const Tensor& weight, Tensor& y) override {
    require(x.dtype() == DType::kF32 && y.dtype() == DType::kF32, "matmul needs fp32 activations");
    require_device({&x, &weight, &y}, "matmul");
    const int64_t in = weight.dim(1);
    const int64_t out = weight.dim(0);
    const int64_t tokens = x.elements() / in;
    require(last_dim(x) == in && y.elements() == tokens * out, "matmul shapes do not match");
    if (tokens == 0) return;
    activate();
    const void* activations = x.data();
    cudaDataType_t type = CUDA_R_32F;
    if (weight.dtype() == DType::kBF16 || weight.dtype() == DType::kF16) {
      type = weight.dtype() == DType::kBF16 ? CUDA_R_16BF : CUDA_R_16F;
      void* converted = convert_scratch_.reserve(static_cast<size_t>(x.elements()) * 2);
      cuda::convert_f32(x.data_as<float>(), weight.dtype(), converted, x.elements(), stream());
      activations = converted;
    } else {
      require(weight.dtype() == DType::kF32, "matmul weights must be F32, BF16 or F16");
    }
    // Row-major y[T, out] = x[T, in] · W[out, in]ᵀ is column-major yᵀ[out, T] = W'ᵀ · x' with W' = Wᵀ [in,
    // out] and x' = xᵀ [in, T] as cuBLAS sees the same memory.
    const float alpha = 1.0f;
    const float beta = 0.0f;
    EXADOC_CUBLAS_CHECK(cuda::cublas().gemm_ex(
        cublas_.get(), CUBLAS_OP_T, CUBLAS_OP_N, to_int(out, "matmul output width"),
        to_int(tokens, "matmul tokens"), to_int(in, "matmul input width"), &alpha, weight.data(), type,
        to_int(in, "lda"), activations, type, to_int(in, "ldb"), &beta, y.data(), CUDA_R_32F,
        to_int(out, "ldc"), CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
  }

  void add_bias(Tensor& y, const Tensor& bias) override {
    const int64_t width = bias.elements();
    require(width > 0 && y.elements() == y.dim(0) * width, "add_bias: the bias does not match the row width");
    require(y.dtype() == DType::kF32, "add_bias needs fp32 activations");
    require_device({&y, &bias}, "add_bias");
    activate();
    cuda::add_bias(y.data_as<float>(), bias.data(), bias.dtype(), y.elements() / width, width, stream());
  }

  void rms_norm(const Tensor& x, const Tensor& weight, float eps, Tensor& y) override {
    const int64_t width = last_dim(x);
    require(weight.elements() == width && x.elements() == y.elements(), "rms_norm shapes do not match");
    require(x.dtype() == DType::kF32 && y.dtype() == DType::kF32, "rms_norm needs fp32 activations");
    require_device({&x, &weight, &y}, "rms_norm");
    activate();
    cuda::rms_norm(x.data_as<float>(), weight.data(), weight.dtype(), eps, y.data_as<float>(),
                   x.elements() / width, width, stream());
  }

  void rope_1d(Tensor& x, std::span<const int32_t> positions, std::span<const float> inv_freq) override {
    const Shape& shape = x.shape();
    require(shape.rank == 3 && shape[0] == static_cast<int64_t>(positions.size()),
            "rope needs x[T, heads, d]");
    require(static_cast<int64_t>(inv_freq.size()) == shape[2] / 2, "rope_1d needs head_dim/2 frequencies");
    require_device({&x}, "rope_1d");
    activate();
    const std::vector<const void*> device = stage({host_bytes(positions), host_bytes(inv_freq)});
    cuda::rope_1d(x.data_as<float>(), static_cast<const int32_t*>(device[0]),
                  static_cast<const float*>(device[1]), shape[0], shape[1], shape[2], stream());
  }

  void rope_2d(Tensor& x, std::span<const int32_t> rows, std::span<const int32_t> columns,
               std::span<const float> inv_freq) override {
    const Shape& shape = x.shape();
    require(shape.rank == 3 && shape[0] == static_cast<int64_t>(rows.size()) && rows.size() == columns.size(),
            "rope_2d needs x[T, heads, d] and a row and column per token");
    require(static_cast<int64_t>(inv_freq.size()) == shape[2] / 4, "rope_2d needs head_dim/4 frequencies");
    require_device({&x}, "rope_2d");
    activate();
    const std::vector<const void*> device =
        stage({host_bytes(rows), host_bytes(columns), host_bytes(inv_freq)});
    cuda::rope_2d(x.data_as<float>(), static_cast<const int32_t*>(device[0]),
                  static_cast<const int32_t*>(device[1]), static_cast<const float*>(device[2]), shape[0],
                  shape[1], shape[2], stream());
  }

  void swiglu(const Tensor& gate, const Tensor& up, Tensor& out) override {
    require(gate.elements() == up.elements() && up.elements() == out.elements(),
            "swiglu shapes do not match");
    require_device({&gate, &up, &out}, "swiglu");
    activate();
    cuda::swiglu(gate.data_as<float>(), up.data_as<float>(), out.data_as<float>(), out.elements(), stream());
  }

  void gelu(Tensor& x) override {
    require_device({&x}, "gelu");
    activate();
    cuda::gelu(x.data_as<float>(), x.elements(), stream());
  }

  void add(const Tensor& x, Tensor& accumulator) override {
    require(x.elements() == accumulator.elements(), "add shapes do not match");
    require_device({&x, &accumulator}, "add");
    activate();
    cuda::add(x.data_as<float>(), accumulator.data_as<float>(), x.elements(), stream());
  }

  void softmax(Tensor& x) override {
    require_device({&x}, "softmax");
    const int64_t width = last_dim(x);
    if (width == 0) return;
    activate();
    cuda::softmax(x.data_as<float>(), x.elements() / width, width, stream());
  }

  void embedding(const Tensor& table, std::span<const int32_t> ids, Tensor& out) override {
    const int64_t width = table.dim(1);
    require(out.elements() == static_cast<int64_t>(ids.size()) * width,
            "embedding output has the wrong size");
    require_device({&table, &out}, "embedding");
    for (const int32_t id : ids) {
      if (id < 0 || id >= table.dim(0)) {
        throw Error("token id " + std::to_string(id) + " is outside the vocabulary (" +
                    std::to_string(table.dim(0)) + ")");
      }
    }
    if (ids.empty()) return;
    activate();
    const std::vector<const void*> device = stage({host_bytes(ids)});
    cuda::embedding(table.data(), table.dtype(), static_cast<const int32_t*>(device[0]), out.data_as<float>(),
                    static_cast<int64_t>(ids.size()), width, stream());
  }

  void attention(const Tensor& q, const Tensor& k, const Tensor& v, std::span<const int32_t> positions,
                 const KvView& past, const AttentionParams& params, Tensor& out) override {
    cuda::AttentionArgs args = heads_of(q, k, v, out, "attention");
    require(static_cast<int64_t>(positions.size()) == args.tokens, "attention needs a position per query");
    args.slots = past.keys.defined() ? past.keys.dim(0) : 0;
    if (args.slots > 0) {
      require(past.keys.dtype() == DType::kF32 && past.values.dtype() == DType::kF32 &&
                  past.keys.shape() == past.values.shape() && past.keys.dim(1) == args.kv_heads &&
                  past.keys.dim(2) == args.dim && static_cast<int64_t>(past.positions.size()) == args.slots,
              "attention: the KV view does not match the chunk's keys");
      require_device({&past.keys, &past.values}, "attention");
      args.past_keys = past.keys.data_as<float>();
      args.past_values = past.values.data_as<float>();
    }
    if (args.tokens == 0) return;
    activate();
    const std::vector<const void*> device = stage(
        {host_bytes(positions), host_bytes(past.positions.subspan(0, static_cast<size_t>(args.slots)))});
    args.positions = static_cast<const int32_t*>(device[0]);
    args.past_positions = static_cast<const int32_t*>(device[1]);
    args.scale = params.scale;
    args.window = params.window;
    cuda::attention(args, stream());
  }

  void attention_segments(const Tensor& q, const Tensor& k, const Tensor& v,
                          std::span<const int32_t> boundaries, float scale, Tensor& out) override {
    cuda::AttentionArgs args = heads_of(q, k, v, out, "attention_segments");
    require(boundaries.size() >= 2 && boundaries.front() == 0 && boundaries.back() == args.tokens,
            "attention_segments: boundaries must run from 0 to the token count");
    std::vector<int32_t> segment_of(static_cast<size_t>(args.tokens));
    for (size_t s = 0; s + 1 < boundaries.size(); ++s) {
      require(boundaries[s] <= boundaries[s + 1], "attention_segments: boundaries must not decrease");
      for (int32_t t = boundaries[s]; t < boundaries[s + 1]; ++t)
        segment_of[static_cast<size_t>(t)] = static_cast<int32_t>(s);
    }
    if (args.tokens == 0) return;
    activate();
    const std::vector<const void*> device =
        stage({host_bytes(boundaries), host_bytes(std::span<const int32_t>(segment_of))});
    args.boundaries = static_cast<const int32_t*>(device[0]);
    args.segment_of = static_cast<const int32_t*>(device[1]);
    args.scale = scale;
    cuda::attention(args, stream());
  }

  void gather_rows(const Tensor& source, std::span<const int32_t> rows, Tensor& destination) override {
    const size_t row_bytes = source.bytes() / static_cast<size_t>(source.dim(0));
    require(destination.dtype() == source.dtype() &&
                destination.dim(0) == static_cast<int64_t>(rows.size()) &&
                destination.bytes() == rows.size() * row_bytes,
            "gather_rows shapes do not match");
    check_rows(rows, source.dim(0), "gather_rows");
    move_rows(source, rows, destination, row_bytes, false);
  }

  void scatter_rows(const Tensor& source, std::span<const int32_t> rows, Tensor& destination) override {
    const size_t row_bytes = destination.bytes() / static_cast<size_t>(destination.dim(0));
    require(destination.dtype() == source.dtype() && source.dim(0) == static_cast<int64_t>(rows.size()) &&
                source.bytes() == rows.size() * row_bytes,
            "scatter_rows shapes do not match");
    check_rows(rows, destination.dim(0), "scatter_rows");
    move_rows(source, rows, destination, row_bytes, true);
  }

  // Either side may also be a CPU tensor (concatenate_rows of host pixel rows into device memory).
  void copy_rows(const Tensor& source, Tensor& destination, int64_t first_row) override {
    require(source.dtype() == destination.dtype(), "copy_rows dtypes differ");
    Tensor target = destination.rows(first_row, source.dim(0));
    require(target.bytes() == source.bytes(), "copy_rows row sizes differ");
    if (source.bytes() == 0) return;
    activate();
    const bool from_device = source.device() == Device::kCuda;
    const bool to_device = destination.device() == Device::kCuda;
    const cudaMemcpyKind kind = from_device ? (to_device ? cudaMemcpyDeviceToDevice : cudaMemcpyDeviceToHost)
                                            : (to_device ? cudaMemcpyHostToDevice : cudaMemcpyHostToHost);
    EXADOC_CUDA_CHECK(cudaMemcpyAsync(target.data(), source.data(), source.bytes(), kind, stream()));
    if (!to_device) synchronize();  // host memory is read as soon as we return
  }

  int32_t sample(const Tensor& logits, const SamplingParams& params, std::span<const int32_t> generated,
                 std::mt19937_64& rng) override {
    const int64_t vocab = logits.elements();
    require(vocab > 0, "sample needs logits");
    if (params.temperature > 0.0f || logits.dtype() != DType::kF32 || logits.device() != Device::kCuda) {
      // Sampling proper copies the logits to the host and runs the CPU backend's code, so that one seed picks
      // the same tokens on either backend (top-k/top-p sorting and the rng draw are not worth a kernel yet).
      Tensor host = Tensor::zeros_cpu(DType::kF32, {vocab});
      read_f32(logits, host.data_as<float>());
      return host_->sample(host, params, generated, rng);
    }
    // Greedy on the device: the presence penalty on a copy of the logits, then argmax (first index on ties).
    activate();
    auto* scratch =
        static_cast<std::byte*>(sample_scratch_.reserve(static_cast<size_t>(vocab) * sizeof(float) + 16));
    const float* values = logits.data_as<float>();
    if (params.presence_penalty != 0.0f) {
      std::vector<bool> seen(static_cast<size_t>(vocab), false);
      std::vector<int32_t> penalised;
      for (const int32_t id : generated) {
        if (id >= 0 && id < vocab && !seen[static_cast<size_t>(id)]) {
          seen[static_cast<size_t>(id)] = true;
          penalised.push_back(id);
        }
      }
      auto* copy = reinterpret_cast<float*>(scratch);
      EXADOC_CUDA_CHECK(cudaMemcpyAsync(copy, values, logits.bytes(), cudaMemcpyDeviceToDevice, stream()));
      if (!penalised.empty()) {
        const std::vector<const void*> device = stage({host_bytes(std::span<const int32_t>(penalised))});
        cuda::subtract_at(copy, static_cast<const int32_t*>(device[0]),
                          static_cast<int64_t>(penalised.size()), params.presence_penalty, stream());
      }
      values = copy;
    }
    auto* index = reinterpret_cast<int32_t*>(scratch + static_cast<size_t>(vocab) * sizeof(float));
    cuda::argmax(values, vocab, index, stream());
    int32_t result = 0;
    EXADOC_CUDA_CHECK(cudaMemcpyAsync(&result, index, sizeof(result), cudaMemcpyDeviceToHost, stream()));
    synchronize();
    return result;
  }

 private:
  cudaStream_t stream() const { return stream_.get(); }

  // Ops may come from a thread whose current device is another GPU.
  void activate() const { EXADOC_CUDA_CHECK(cudaSetDevice(device_)); }

  void synchronize() const { EXADOC_CUDA_CHECK(cudaStreamSynchronize(stream())); }

  static void require_device(std::initializer_list<const Tensor*> tensors, const char* op) {
    for (const Tensor* tensor : tensors) {
      require(tensor->device() == Device::kCuda,
              std::string(op) + " got a CPU tensor; weights and inputs go to the GPU with Backend::upload");
    }
  }

  static void check_rows(std::span<const int32_t> rows, int64_t limit, const char* op) {
    for (const int32_t row : rows) require(row >= 0 && row < limit, std::string(op) + ": row out of range");
  }

  // Shapes shared by both attention ops: q[T, Hq, d], k and v [T, Hkv, d], out like q, fp32 on the device.
  static cuda::AttentionArgs heads_of(const Tensor& q, const Tensor& k, const Tensor& v, Tensor& out,
                                      const char* op) {
    require(q.shape().rank == 3 && k.shape().rank == 3 && k.shape() == v.shape() && out.shape() == q.shape(),
            std::string(op) + " needs q, out [T, Hq, d] and k, v [T, Hkv, d]");
    cuda::AttentionArgs args;
    args.tokens = q.dim(0);
    args.q_heads = q.dim(1);
    args.dim = q.dim(2);
    args.kv_heads = k.dim(1);
    require(k.dim(0) == args.tokens && k.dim(2) == args.dim && args.kv_heads > 0 &&
                args.q_heads % args.kv_heads == 0,
            std::string(op) + " shapes do not match");
    require(args.dim <= cuda::kMaxAttentionHeadDim,
            std::string(op) + ": head_dim " + std::to_string(args.dim) +
                " is larger than the kernel takes (" + std::to_string(cuda::kMaxAttentionHeadDim) + ")");
    for (const Tensor* tensor : {&q, &k, &v, static_cast<const Tensor*>(&out)})
      require(tensor->dtype() == DType::kF32, std::string(op) + " needs fp32 activations");
    require_device({&q, &k, &v, &out}, op);
    args.q = q.data_as<float>();
    args.k = k.data_as<float>();
    args.v = v.data_as<float>();
    args.out = out.data_as<float>();
    return args;
  }

  void move_rows(const Tensor& source, std::span<const int32_t> rows, Tensor& destination, size_t row_bytes,
                 bool scatter) {
    require_device({&source, &destination}, scatter ? "scatter_rows" : "gather_rows");
    if (rows.empty() || row_bytes == 0) return;
    activate();
    const std::vector<const void*> device = stage({host_bytes(rows)});
    const auto* device_rows = static_cast<const int32_t*>(device[0]);
    const auto count = static_cast<int64_t>(rows.size());
    if (scatter) {
      cuda::scatter_rows(source.data(), device_rows, destination.data(), count,
                         static_cast<int64_t>(row_bytes), stream());
    } else {
      cuda::gather_rows(source.data(), device_rows, destination.data(), count,
                        static_cast<int64_t>(row_bytes), stream());
    }
  }

  // Copies host spans into device scratch with one transfer and returns their device addresses, in order.
  // The host staging vector may be refilled by the next op at once: a copy from pageable memory returns only
  // after the source has been read. The device scratch is reused in stream order.
  std::vector<const void*> stage(std::initializer_list<HostBytes> spans) {
    constexpr size_t kAlignment = 16;
    std::vector<size_t> offsets;
    offsets.reserve(spans.size());
    size_t total = 0;
    for (const HostBytes& span : spans) {
      offsets.push_back(total);
      total += (span.bytes + kAlignment - 1) / kAlignment * kAlignment;
    }
    staging_host_.resize(std::max<size_t>(total, 1));
    size_t index = 0;
    for (const HostBytes& span : spans) {
      if (span.bytes > 0) std::memcpy(staging_host_.data() + offsets[index], span.data, span.bytes);
      ++index;
    }
    auto* device = static_cast<std::byte*>(staging_.reserve(staging_host_.size()));
    if (total > 0) {
      EXADOC_CUDA_CHECK(
          cudaMemcpyAsync(device, staging_host_.data(), total, cudaMemcpyHostToDevice, stream()));
    }
    std::vector<const void*> addresses;
    addresses.reserve(offsets.size());
    for (const size_t offset : offsets) addresses.push_back(device + offset);
    return addresses;
  }

  int device_;
  std::unique_ptr<Backend> host_;  // the CPU reference, for sampling with a temperature
  std::unique_ptr<CUstream_st, StreamDeleter> stream_;
  std::unique_ptr<cublasContext, CublasDeleter> cublas_;
  cuda::ScratchBuffer convert_scratch_;  // activations rounded to a BF16/F16 weight's dtype
  cuda::ScratchBuffer staging_;          // host spans, per op
  cuda::ScratchBuffer sample_scratch_;   // penalised logits and the argmax
  std::vector<std::byte> staging_host_;
};

}  // namespace

std::unique_ptr<Backend> make_cuda_backend(int device) {
  const DeviceReport report = query_devices();
  if (report.gpus.empty()) throw BackendError("cuda backend unavailable: " + report.unavailable_reason);
  if (device < 0 || device >= static_cast<int>(report.gpus.size())) {
    throw BackendError("cuda backend unavailable: there is no GPU " + std::to_string(device) + " (" +
                       std::to_string(report.gpus.size()) + " found)");
  }
  return std::make_unique<CudaBackend>(device);
}

}  // namespace exadoc::model
