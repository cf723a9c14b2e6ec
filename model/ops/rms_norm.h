// RMS normalisation as Gemma 4 defines it (spec §2.1):
// y = x · (mean(x²) + eps)^(-1/2) · w, with w the stored multiplier (not
// 1 + w); without w for the value norm and the MoE router's norm.
// Thread-safety: pure functions. Large calls split their rows over the
// calling thread's OpenMP team; each row's result is the same either way.
#ifndef GEMMA_MODEL_OPS_RMS_NORM_H_
#define GEMMA_MODEL_OPS_RMS_NORM_H_

namespace gemma::model::ops {

// Normalises `rows` vectors of length `dim` (rows `dim` apart) from x into y
// (y may equal x). `scale` (length dim) may be null: no learned scale.
void RmsNorm(const float* x, int rows, int dim, const float* scale, float eps,
             float* y);

}  // namespace gemma::model::ops

#endif  // GEMMA_MODEL_OPS_RMS_NORM_H_
