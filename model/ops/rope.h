// Rotary position embedding, half-split ("rotate_half") pairing, with the
// partial "proportional" variant of Gemma 4's global layers (spec §2.5).
//
// For a head of width D rotating r dimensions (r even, r <= D), pair
// (i, i + D/2) for i < r/2 rotates by θ = pos·ω_i with
// ω_i = base^(−2i/D) / scaling (keras-hub's float32 formula: the exponent's
// denominator is the full D even when only r dimensions rotate); the other
// dimensions pass through. Local layers: r = D.
// Thread-safety: a RopeTable is immutable after Compute() and may be shared
// for reading.
#ifndef GEMMA_MODEL_OPS_ROPE_H_
#define GEMMA_MODEL_OPS_ROPE_H_

#include <vector>

namespace gemma::model::ops {

struct RopeParams {
  int head_dim = 0;  // D.
  int rotated = 0;   // r.
  float base = 10000.0f;
  float scaling = 1.0f;
};

// ω_i for i < r/2, in float32 as keras-hub computes them.
std::vector<float> RopeInverseFrequencies(const RopeParams& p);

// cos/sin of θ for a list of positions, r/2 of each per position.
class RopeTable {
 public:
  void Compute(const RopeParams& p, const int* positions, int n);
  const RopeParams& params() const { return params_; }
  // Rotates `heads` vectors of width D that belong to row t (position
  // positions[t]) in place; vectors are D apart.
  void Apply(float* x, int t, int heads) const;

 private:
  RopeParams params_;
  std::vector<float> inv_freq_;
  std::vector<float> cos_, sin_;  // [n, r/2]
};

}  // namespace gemma::model::ops

#endif  // GEMMA_MODEL_OPS_ROPE_H_
