// Fuzz target: image decoding, then the full image processor on whatever
// decodes. Any input must yield a Status or an image, never a crash.
#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "preprocess/image_decode.h"
#include "preprocess/image_processor.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace pp = ::gemma::preprocess;
  pp::ImageDecodeLimits limits;
  limits.max_pixels = int64_t{1} << 22;  // Keep single runs fast.
  limits.max_side = 4096;
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto image = pp::DecodeImage(bytes, {}, limits);
  if (!image.ok()) return 0;
  pp::ImageProcessorOptions options;
  options.max_soft_tokens = 70;
  auto processed = pp::ProcessImage(*image, options);
  if (processed.ok() && processed->num_real_patches > processed->max_patches) {
    __builtin_trap();  // Invariant: never more patches than the budget.
  }
  return 0;
}
