#include "model/ops/moe_routing.h"

#include <cstddef>

#include "model/ops/activations.h"

namespace gemma::model::ops {

void RouteExperts(float* logits, int rows, int num_experts, int k,
                  const float* per_expert_scale, int* experts, float* weights) {
  for (int r = 0; r < rows; ++r) {
    float* p = logits + static_cast<size_t>(r) * num_experts;
    int* ids = experts + static_cast<size_t>(r) * k;
    float* w = weights + static_cast<size_t>(r) * k;
    Softmax(p, num_experts);
    // Selection by repeated arg-max; strict '>' keeps the lower index on
    // ties. k is small (8), so k·E comparisons are cheap.
    float sum = 0;
    for (int j = 0; j < k; ++j) {
      int best = -1;
      for (int e = 0; e < num_experts; ++e) {
        bool taken = false;
        for (int i = 0; i < j; ++i) taken = taken || ids[i] == e;
        if (taken) continue;
        if (best < 0 || p[e] > p[best]) best = e;
      }
      ids[j] = best;
      sum += p[best];
    }
    const float denom = sum < 1e-9f ? 1e-9f : sum;
    for (int j = 0; j < k; ++j) {
      w[j] = p[ids[j]] / denom;
      if (per_expert_scale != nullptr) w[j] *= per_expert_scale[ids[j]];
    }
  }
}

}  // namespace gemma::model::ops
