// How the vision and audio towers run their matmuls.
// Thread-safety: plain values.
#ifndef GEMMA_MODEL_VISION_TOWER_OPTIONS_H_
#define GEMMA_MODEL_VISION_TOWER_OPTIONS_H_

#include "model/ops/linear.h"

namespace gemma::model {

struct TowerOptions {
  // kF32: float32 weights (bfloat16 checkpoints upcast exactly) and
  // activations — the reference numerics. kBF16: bfloat16 weights and
  // activations with float32 accumulation, half the packed memory; needs a
  // CPU with bf16 matmul (FAILED_PRECONDITION at Create otherwise). Norms,
  // clips, attention and pooling stay float32 either way.
  ops::WeightFormat format = ops::WeightFormat::kF32;
};

}  // namespace gemma::model

#endif  // GEMMA_MODEL_VISION_TOWER_OPTIONS_H_
