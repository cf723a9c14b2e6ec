// What a linear layer applies to its matmul accumulator before storing it:
// nothing, GELU (tanh approximation) for gate projections, a multiply by an
// auxiliary matrix (the GELU'd gate, for up projections), or the logit soft
// cap c·tanh(acc/c). Shared by the oneDNN post-op path (linear.cc) and the
// few-row kernels (bf16_gemv.cc), which apply it themselves.
// Thread-safety: plain values and pure functions.
#ifndef GEMMA_MODEL_OPS_EPILOGUE_H_
#define GEMMA_MODEL_OPS_EPILOGUE_H_

namespace gemma::model::ops {

struct Epilogue {
  enum class Kind {
    kNone,
    kGeluTanh,  // gelu (tanh approximation).
    kMultiply,  // acc * aux[m, n] (aux given to Run).
    kSoftCap,   // cap·tanh(acc/cap).
  };
  Kind kind = Kind::kNone;
  float cap = 0;

  static Epilogue None() { return {}; }
  static Epilogue GeluTanh() { return {Kind::kGeluTanh, 0}; }
  static Epilogue Multiply() { return {Kind::kMultiply, 0}; }
  static Epilogue SoftCap(float cap) { return {Kind::kSoftCap, cap}; }
};

// Applies `e` in place to y[0, n); aux (kMultiply only) is read at the same
// indices.
void ApplyEpilogue(const Epilogue& e, float* y, const float* aux, int n);

}  // namespace gemma::model::ops

#endif  // GEMMA_MODEL_OPS_EPILOGUE_H_
