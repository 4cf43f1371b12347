// Private to model: the CUDA side of query_devices (compiled by nvcc when the CUDA backend is built).
#pragma once

#include <exadoc/model/device_info.h>

namespace exadoc::model {

void query_cuda_devices(DeviceReport& report);

}  // namespace exadoc::model
