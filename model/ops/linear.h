// Linear layers y = epilogue(x · Wᵀ) on oneDNN matmul.
//
// PackedWeight holds W packed once, at load, into the layout oneDNN prefers
// (format_tag::any followed by a reorder), in f32 or bf16. W comes in the
// canonical Hugging Face orientation [out, in] and may be the row-wise
// concatenation of several tensors (fused q/k/v). Epilogues are oneDNN
// post-ops (GELU for gate projections, multiply-by-gate for up
// projections, the soft cap for the LM head).
// MatmulRunner runs packed weights: it creates one primitive per (weight,
// row-count bucket) — 1..31 rows exactly, then multiples of 32 up to 512,
// larger inputs in 512-row chunks — and caches it with its memory objects
// and argument array, so a warm step makes no allocation of its own. If
// oneDNN has no primitive for some row count on the packed layout, those
// rows run zero-padded through the packing row count's primitive. bf16
// weights run with bf16 activations (x rounded to bf16 per call), f32
// accumulation and an f32 result.
//
// Thread-safety: a PackedWeight is immutable after Create() and may be
// shared by any number of runners and threads. A MatmulRunner is not
// thread-safe; each model instance (engine thread) owns one.
#ifndef GEMMA_MODEL_OPS_LINEAR_H_
#define GEMMA_MODEL_OPS_LINEAR_H_

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "model/tensor.h"
#include "oneapi/dnnl/dnnl.hpp"

namespace gemma::model::ops {

enum class WeightFormat { kF32, kBF16 };

// True when a bf16 x bf16 -> f32 matmul can be created on this CPU (needs
// AVX-512 with bf16, or AMX).
bool Bf16MatmulSupported(const dnnl::engine& engine);

// What is applied to the matmul accumulator before it is stored.
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

class PackedWeight {
 public:
  // Packs the row-wise concatenation of `parts` (each [out_i, in], float32
  // or bfloat16, all the same dtype and `in`). `name` is used in messages.
  static absl::StatusOr<std::unique_ptr<PackedWeight>> Create(
      const dnnl::engine& engine, const std::vector<TensorView>& parts,
      WeightFormat format, Epilogue epilogue, std::string name);

  PackedWeight(const PackedWeight&) = delete;
  PackedWeight& operator=(const PackedWeight&) = delete;

  int in_dim() const { return in_; }
  int out_dim() const { return out_; }
  WeightFormat format() const { return format_; }
  const Epilogue& epilogue() const { return epilogue_; }
  const std::string& name() const { return name_; }
  const dnnl::memory& memory() const { return packed_; }
  size_t bytes() const { return packed_.get_desc().get_size(); }
  // The post-ops of the epilogue for an `m`-row call.
  dnnl::primitive_attr MakeAttr(int m) const;

 private:
  PackedWeight(int in, int out, WeightFormat format, Epilogue epilogue,
               std::string name)
      : in_(in),
        out_(out),
        format_(format),
        epilogue_(epilogue),
        name_(std::move(name)) {}

  int in_, out_;
  WeightFormat format_;
  Epilogue epilogue_;
  std::string name_;
  dnnl::memory packed_;
};

class MatmulRunner {
 public:
  explicit MatmulRunner(const dnnl::engine& engine);
  MatmulRunner(const MatmulRunner&) = delete;
  MatmulRunner& operator=(const MatmulRunner&) = delete;

  // y[m, out] = epilogue(x[m, in] · Wᵀ). Rows of x are `in` apart, rows of
  // y and aux `out` apart. aux is required for Epilogue::kMultiply only.
  absl::Status Run(const PackedWeight& w, const float* x, int m, float* y,
                   const float* aux = nullptr);
  // As Run, for a bf16 weight whose input x (same pointer, same m, same
  // width) is unchanged since the previous Run: reuses its bf16 copy
  // instead of converting again (e.g. the up projection after the gate).
  absl::Status RunSameInput(const PackedWeight& w, const float* x, int m,
                            float* y, const float* aux = nullptr);

  // Tests only: behave as if oneDNN had primitives for the packed layout at
  // the packing row count only, so every call takes the padded path.
  void ForcePaddedPathForTesting() { force_padded_ = true; }

  // Number of cached primitives (for tests).
  size_t num_primitives() const { return prims_.size(); }
  // Wall time spent inside matmul primitives since construction (for
  // benchmarks: step time minus this is the non-matmul overhead).
  double matmul_seconds() const { return matmul_ns_ * 1e-9; }

 private:
  struct Prim {
    dnnl::matmul matmul;
    dnnl::memory src, dst, aux;
    // Execution arguments for the C API, built once (the C++ execute()
    // would allocate a vector per call).
    std::vector<dnnl_exec_arg_t> args;
  };
  absl::StatusOr<Prim*> GetPrim(const PackedWeight& w, int m);
  absl::Status Execute(const PackedWeight& w, Prim* p, void* src, float* y,
                       const float* aux);
  absl::Status RunPadded(const PackedWeight& w, const float* x, int m, float* y,
                         const float* aux, const uint16_t* converted);
  absl::Status RunChunk(const PackedWeight& w, const float* x, int m, float* y,
                        const float* aux, const uint16_t* converted);
  absl::Status RunImpl(const PackedWeight& w, const float* x, int m, float* y,
                       const float* aux, bool reuse);

  dnnl::engine engine_;
  dnnl::stream stream_;
  std::map<std::pair<const PackedWeight*, int>, Prim> prims_;
  // (weight, rows) with no primitive on the packed layout: padded instead.
  std::set<std::pair<const PackedWeight*, int>> unsupported_;
  bool force_padded_ = false;
  std::vector<float> pad_src_, pad_dst_, pad_aux_;
  std::vector<uint16_t> pad_src_bf16_;
  std::vector<uint16_t> bf16_scratch_;
  // What bf16_scratch_ holds: the converted x of the last bf16 Run.
  int64_t matmul_ns_ = 0;
  const float* converted_x_ = nullptr;
  size_t converted_n_ = 0;
};

}  // namespace gemma::model::ops

#endif  // GEMMA_MODEL_OPS_LINEAR_H_
