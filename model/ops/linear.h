// Linear layers y = epilogue(x · Wᵀ) on oneDNN matmul.
//
// PackedWeight holds W laid out once, at load. W comes in the canonical
// Hugging Face orientation [out, in] and may be the row-wise concatenation
// of several tensors (fused q/k/v).
//  - float32: packed into the layout oneDNN prefers (format_tag::any
//    followed by a reorder).
//  - bfloat16: kept row-major [out, in] (the same bytes as the checkpoint).
//    Calls with few rows (decode steps, and the prefill chunks batched with
//    them) run the kernels of bf16_gemv.h, which read W once, split over
//    threads: AMX tiles for up to 64 rows where the CPU has them, else the
//    AVX-512/AVX2 streaming kernel for up to 4 (2 with AVX-512 BF16, 16
//    without oneDNN bf16);
//    calls with many rows (prefill) run oneDNN's bf16 matmul on that plain
//    layout, or, on CPUs without oneDNN bf16 (AVX2), convert 256-row blocks
//    of W to float32 and run oneDNN's float32 matmul on each block.
//    Activations are rounded to bf16 in every path, products are exact in
//    float32 and accumulation is float32, so the paths differ only in
//    summation order.
// Epilogues (GELU for gate projections, multiply-by-gate for up
// projections, the soft cap for the LM head) are oneDNN post-ops on packed
// and plain oneDNN calls and applied in place by the other paths.
// MatmulRunner creates one oneDNN primitive per (weight, row-count bucket)
// — 1..31 rows exactly, then multiples of 32 up to 512, larger inputs in
// 512-row chunks — and caches it with its memory objects and argument
// array, so a warm step makes no allocation of its own. If oneDNN has no
// primitive for some row count on the packed layout, those rows run
// zero-padded through the packing row count's primitive.
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
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "model/ops/bf16_gemv.h"
#include "model/ops/epilogue.h"
#include "model/tensor.h"
#include "oneapi/dnnl/dnnl.hpp"

namespace gemma::model::ops {

enum class WeightFormat { kF32, kBF16 };

// True when oneDNN can create a bf16 x bf16 -> f32 matmul on this CPU
// (AVX-512 with bf16, or AMX). bf16 weights run on every CPU; without it,
// many-row calls convert weight blocks to float32 on the fly.
bool OnednnHasBf16Matmul(const dnnl::engine& engine);

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
  // The oneDNN weights memory: the packed f32 layout, or the plain bf16
  // layout when oneDNN has bf16 matmul (empty otherwise).
  const dnnl::memory& memory() const { return packed_; }
  // bf16 only: W row-major [out, in].
  const uint16_t* plain_bf16() const { return plain_.data(); }
  // bf16 only: whether oneDNN matmul runs on the plain layout.
  bool onednn_bf16() const { return onednn_bf16_; }
  size_t bytes() const {
    return format_ == WeightFormat::kBF16 ? plain_.size() * sizeof(uint16_t)
                                          : packed_.get_desc().get_size();
  }
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

  // Copies (or rounds) `parts` into plain_ and checks whether oneDNN's bf16
  // matmul takes that layout.
  void PackBf16(const dnnl::engine& engine,
                const std::vector<TensorView>& parts);

  int in_, out_;
  WeightFormat format_;
  Epilogue epilogue_;
  std::string name_;
  dnnl::memory packed_;
  std::vector<uint16_t> plain_;
  bool onednn_bf16_ = false;
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

  // Calls with at most this many rows run bf16 weights through the
  // streaming kernel (default: 32 on AMX, else 4 where oneDNN has bf16
  // matmul, else 16).
  void set_gemv_max_rows(int rows) { gemv_max_rows_ = rows; }
  // The streaming kernel's instruction set (default: the best this CPU
  // runs; tests force lower ones).
  void set_gemv_isa(GemvIsa isa) { gemv_isa_ = isa; }
  GemvIsa gemv_isa() const { return gemv_isa_; }

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
    dnnl::memory wei;  // Converted-block prims only.
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
  absl::Status RunGemv(const PackedWeight& w, int m, float* y,
                       const float* aux);
  absl::Status RunF32Blocks(const PackedWeight& w, int m, float* y,
                            const float* aux);
  // Fills xr_scratch_ with x rounded to bf16 (as floats), unless `reuse`
  // and it already holds that input.
  void RoundInput(const float* x, size_t n, bool reuse);
  absl::StatusOr<Prim*> GetBlockPrim(int m, int k, int cols);

  dnnl::engine engine_;
  dnnl::stream stream_;
  std::map<std::pair<const PackedWeight*, int>, Prim> prims_;
  // (weight, rows) with no primitive on the packed layout: padded instead.
  std::set<std::pair<const PackedWeight*, int>> unsupported_;
  // float32 matmuls on converted weight blocks, by (rows, k, cols).
  std::map<std::tuple<int, int, int>, Prim> block_prims_;
  bool force_padded_ = false;
  int gemv_max_rows_ = -1;  // -1: by weight (see set_gemv_max_rows).
  GemvIsa gemv_isa_;
  std::vector<float> pad_src_, pad_dst_, pad_aux_;
  std::vector<uint16_t> pad_src_bf16_;
  std::vector<uint16_t> bf16_scratch_;
  std::vector<float> xr_scratch_, block_w_, block_y_;
  std::vector<uint32_t> gemv_scratch_;  // The AMX kernel's packed x.
  int64_t matmul_ns_ = 0;
  // What bf16_scratch_ / xr_scratch_ hold: the converted x of the last bf16
  // Run (x pointer and element count).
  const float* converted_x_ = nullptr;
  size_t converted_n_ = 0;
  const float* rounded_x_ = nullptr;
  size_t rounded_n_ = 0;
};

}  // namespace gemma::model::ops

#endif  // GEMMA_MODEL_OPS_LINEAR_H_
