// A linear layer without bias as the Gemma 4 towers use it (multimodal spec
// §2.3 "Clipped linears", §4.3): y = clamp(W·clamp(x, in_min, in_max),
// out_min, out_max) when the checkpoint carries the four clip scalars
// ("<prefix>.input_min" ... "<prefix>.output_max"), plain y = W·x otherwise.
// W is packed once for oneDNN (model/ops/linear.h) in float32 (bfloat16
// checkpoints are upcast exactly) or, on request, bfloat16. Shared by the
// vision and audio towers.
//
// Thread-safety: immutable after Load(); Run() needs the caller's runner and
// scratch, so one layer may serve many threads each with its own runner.
#ifndef GEMMA_MODEL_VISION_CLIPPED_LINEAR_H_
#define GEMMA_MODEL_VISION_CLIPPED_LINEAR_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "model/ops/linear.h"
#include "model/weights.h"
#include "oneapi/dnnl/dnnl.hpp"

namespace gemma::model {

class ClippedLinear {
 public:
  ClippedLinear() = default;
  ClippedLinear(ClippedLinear&&) = default;
  ClippedLinear& operator=(ClippedLinear&&) = default;

  // Packs `weight_name` ([out, in], checked) and, when `clip_prefix` is not
  // empty, reads the four clip bounds "<clip_prefix>.{input,output}_{min,max}".
  static absl::StatusOr<ClippedLinear> Load(const dnnl::engine& engine,
                                            const WeightStore& store,
                                            const std::string& weight_name,
                                            int out, int in,
                                            const std::string& clip_prefix,
                                            ops::WeightFormat format);

  int in_dim() const { return weight_->in_dim(); }
  int out_dim() const { return weight_->out_dim(); }
  bool clipped() const { return clipped_; }

  // y[m, out] = clip_out(x[m, in]·Wᵀ) with x clipped first (into `scratch`,
  // x itself is not modified).
  absl::Status Run(ops::MatmulRunner* runner, const float* x, int m, float* y,
                   std::vector<float>* scratch) const;

 private:
  std::unique_ptr<ops::PackedWeight> weight_;
  bool clipped_ = false;
  float in_min_ = 0, in_max_ = 0, out_min_ = 0, out_max_ = 0;
};

// Packs a plain linear weight `name` ([out, in], checked) in `format`.
absl::StatusOr<std::unique_ptr<ops::PackedWeight>> PackLinear(
    const dnnl::engine& engine, const WeightStore& store,
    const std::string& name, int out, int in, ops::WeightFormat format);

}  // namespace gemma::model

#endif  // GEMMA_MODEL_VISION_CLIPPED_LINEAR_H_
