#include <exadoc/model/device_info.h>

#include "device_query.h"

namespace exadoc::model {

DeviceReport query_devices() {
  DeviceReport report;
#ifdef EXADOC_WITH_CUDA
  report.built_with_cuda = true;
  query_cuda_devices(report);
#else
  report.unavailable_reason =
      "exadoc was built without CUDA (configure with nvcc installed, or -DEXADOC_CUDA=ON)";
#endif
  return report;
}

}  // namespace exadoc::model
