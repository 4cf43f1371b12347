// exadoc doctor: what this machine offers exadoc.
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>
#include <sys/sysinfo.h>

#include <exadoc/app/cli.h>
#include <exadoc/ingest/versions.h>
#include <exadoc/layout/ocr_info.h>
#include <exadoc/model/device_info.h>

#include "commands.h"

namespace exadoc::app {
namespace {

std::string cuda_version_text(int version) {
  if (version == 0) return "none";
  return std::to_string(version / 1000) + "." + std::to_string(version % 1000 / 10);
}

double gib(uint64_t bytes) {
  return static_cast<double>(bytes) / (1024.0 * 1024.0 * 1024.0);
}

nlohmann::json collect() {
  nlohmann::json report;
  report["exadoc"] = EXADOC_VERSION;
  struct sysinfo system {};
  sysinfo(&system);
  report["cpu_cores"] = std::thread::hardware_concurrency();
  report["memory_bytes"] = static_cast<uint64_t>(system.totalram) * system.mem_unit;

  const model::DeviceReport devices = model::query_devices();
  nlohmann::json gpus = nlohmann::json::array();
  for (const model::GpuInfo& gpu : devices.gpus) {
    gpus.push_back(
        {{"index", gpu.index},
         {"name", gpu.name},
         {"compute_capability", std::to_string(gpu.compute_major) + "." + std::to_string(gpu.compute_minor)},
         {"memory_bytes", gpu.total_memory_bytes},
         {"free_memory_bytes", gpu.free_memory_bytes},
         {"multiprocessors", gpu.multiprocessors}});
  }
  report["cuda"] = {{"built_with_cuda", devices.built_with_cuda},
                    {"runtime", cuda_version_text(devices.runtime_version)},
                    {"driver", cuda_version_text(devices.driver_version)},
                    {"gpus", gpus},
                    {"unavailable_reason", devices.unavailable_reason}};

  nlohmann::json libraries = nlohmann::json::object();
  for (const auto& [name, version] : ingest::library_versions()) libraries[name] = version;
  const layout::OcrInfo ocr = layout::query_ocr();
  libraries["tesseract"] = ocr.tesseract_version;
  report["libraries"] = libraries;
  report["tesseract"] = {{"data_path", ocr.data_path}, {"languages", ocr.languages}};
  return report;
}

void print_text(const nlohmann::json& report) {
  std::printf("exadoc %s\n\n", report["exadoc"].get<std::string>().c_str());
  std::printf("machine\n  cpu cores   %u\n  memory      %.1f GiB\n\n", report["cpu_cores"].get<unsigned>(),
              gib(report["memory_bytes"].get<uint64_t>()));
  const auto& cuda = report["cuda"];
  std::printf("gpu\n  built with CUDA  %s\n  CUDA runtime     %s\n  CUDA driver      %s\n",
              cuda["built_with_cuda"].get<bool>() ? "yes" : "no", cuda["runtime"].get<std::string>().c_str(),
              cuda["driver"].get<std::string>().c_str());
  if (cuda["gpus"].empty()) {
    std::printf(
        "  GPUs             none: %s\n  -> the exaone engine needs a GPU for real models; the native engine "
        "runs here\n\n",
        cuda["unavailable_reason"].get<std::string>().c_str());
  } else {
    for (const auto& gpu : cuda["gpus"]) {
      std::printf("  GPU %d            %s, compute %s, %.1f GiB (%.1f GiB free), %d SMs\n",
                  gpu["index"].get<int>(), gpu["name"].get<std::string>().c_str(),
                  gpu["compute_capability"].get<std::string>().c_str(),
                  gib(gpu["memory_bytes"].get<uint64_t>()), gib(gpu["free_memory_bytes"].get<uint64_t>()),
                  gpu["multiprocessors"].get<int>());
    }
    std::printf("\n");
  }
  std::printf("libraries\n");
  for (const auto& [name, version] : report["libraries"].items()) {
    std::printf("  %-11s %s\n", name.c_str(), version.get<std::string>().c_str());
  }
  const auto& tesseract = report["tesseract"];
  std::string languages;
  for (const auto& language : tesseract["languages"])
    languages += (languages.empty() ? "" : " ") + language.get<std::string>();
  std::printf("\ntesseract\n  data path   %s\n  languages   %s\n",
              tesseract["data_path"].get<std::string>().c_str(),
              languages.empty() ? "none installed (apt install tesseract-ocr-eng tesseract-ocr-kor)"
                                : languages.c_str());
}

}  // namespace

CommandAction add_doctor_command(CLI::App& app) {
  auto json_output = std::make_shared<bool>(false);
  CLI::App* command = app.add_subcommand(
      "doctor", "Show what this machine offers exadoc: GPUs and CUDA, library versions, OCR languages");
  command->add_flag("--json", *json_output, "Print the report as JSON");
  command->footer("Example:\n  exadoc doctor\n  exadoc doctor --json | jq .cuda");
  return [json_output] {
    const nlohmann::json report = collect();
    if (*json_output) {
      std::printf("%s\n", report.dump(2).c_str());
    } else {
      print_text(report);
    }
    return report["tesseract"]["languages"].empty() ? kExitEnvironment : kExitOk;
  };
}

}  // namespace exadoc::app
