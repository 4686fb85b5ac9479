// A main() for fuzz targets built without libFuzzer: runs LLVMFuzzerTestOneInput once on each
// file named on the command line (directories: on each regular file inside, not recursively).
//
//   bazel build //libs/hashing/fuzz:phc_string_fuzzer
//   bazel-bin/libs/hashing/fuzz/phc_string_fuzzer libs/hashing/fuzz/corpus/phc_string_fuzzer
//
// It exists to reproduce a crash found under --config=fuzz with gcc, gdb or plain logging; it
// does no fuzzing of its own.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

bool RunFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", path.c_str());
    return false;
  }
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::fprintf(stderr, "running %s (%zu bytes)\n", path.c_str(), bytes.size());
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  int failures = 0;
  int ran = 0;
  for (int i = 1; i < argc; ++i) {
    const std::filesystem::path arg(argv[i]);
    std::error_code error;
    if (std::filesystem::is_directory(arg, error)) {
      std::vector<std::filesystem::path> files;
      for (const auto& entry : std::filesystem::directory_iterator(arg, error)) {
        if (entry.is_regular_file()) files.push_back(entry.path());
      }
      for (const auto& file : files) {
        failures += RunFile(file) ? 0 : 1;
        ++ran;
      }
    } else {
      failures += RunFile(arg) ? 0 : 1;
      ++ran;
    }
  }
  std::fprintf(stderr, "replayed %d inputs, %d unreadable\n", ran - failures, failures);
  return failures == 0 ? 0 : 1;
}
