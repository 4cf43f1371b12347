#include <exadoc/base/error.h>
#include <exadoc/model/backend.h>

namespace exadoc::model {

Tensor concatenate_rows(Backend& backend, std::span<const Tensor> parts) {
  if (parts.empty()) throw InternalError("concatenate_rows needs at least one tensor");
  Shape shape = parts.front().shape();
  shape.dims[0] = 0;
  for (const Tensor& part : parts) {
    Shape row_shape = part.shape();
    row_shape.dims[0] = 0;
    if (!(row_shape == shape) || part.dtype() != parts.front().dtype()) {
      throw InternalError("concatenate_rows: " + part.shape().text() + " does not stack onto " +
                          parts.front().shape().text());
    }
  }
  for (const Tensor& part : parts) shape.dims[0] += part.dim(0);
  Tensor stacked = backend.allocate(parts.front().dtype(), shape);
  int64_t row = 0;
  for (const Tensor& part : parts) {
    backend.copy_rows(part, stacked, row);
    row += part.dim(0);
  }
  return stacked;
}

}  // namespace exadoc::model
