// Expert routing of Gemma 4's MoE block (spec §2.7 step 2): softmax over all
// experts (float32), then the top k (ties to the lower index), renormalised
// over the chosen k (denominator clamped at 1e-9 as keras-hub does), times
// the per-expert scale.
// Thread-safety: pure function.
#ifndef GEMMA_MODEL_OPS_MOE_ROUTING_H_
#define GEMMA_MODEL_OPS_MOE_ROUTING_H_

namespace gemma::model::ops {

// logits: [rows, E] router logits (overwritten with probabilities).
// experts: [rows, k] chosen expert ids, in descending probability;
// weights: [rows, k] their effective weights w_e·σ_e.
// per_expert_scale (length E) may be null (σ = 1).
void RouteExperts(float* logits, int rows, int num_experts, int k,
                  const float* per_expert_scale, int* experts, float* weights);

}  // namespace gemma::model::ops

#endif  // GEMMA_MODEL_OPS_MOE_ROUTING_H_
