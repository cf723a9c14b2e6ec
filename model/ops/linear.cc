#include "model/ops/linear.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/logging.h"
#include "base/status_macros.h"
#include "model/ops/bf16_amx.h"
#include "model/ops/bf16_convert.h"

namespace gemma::model::ops {
namespace {

using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;

constexpr int kExactRows = 32;   // Row counts below this get their own prim.
constexpr int kMaxChunk = 512;   // Larger inputs run in chunks of this.
constexpr int kPackRows = 32;    // Row count the packed layout is chosen at.
constexpr int kBlockCols = 256;  // Weight rows per float32-converted block.
// Largest bf16 call through the streaming kernel by default: measured with
// bench/matmul_bench, the kernel is faster than oneDNN's bf16 matmul up to
// 4 rows; without oneDNN bf16 the alternative (float32 blocks) is no faster
// up to 16.
constexpr int kGemvRowsWithOnednn = 4;
constexpr int kGemvRowsWithoutOnednn = 16;
// On AMX the tile kernel reads W once for any row count; up to this many
// rows it is faster than oneDNN's bf16 matmul (bench/matmul_bench).
constexpr int kGemvRowsWithAmx = 64;
// The AVX-512 BF16 kernel (CPUs with it and no AMX), measured with
// matmul_bench --isa avx512bf16 on the AMX Xeon: 6-8 % faster than the
// AVX-512 kernel at 1 row, even at 2, slower from 4 rows, where oneDNN's
// bf16 matmul takes over.
constexpr int kGemvRowsWithAvx512Bf16 = 2;

// Rows of the next chunk of a `left`-row input: exact below kExactRows,
// then multiples of kExactRows up to kMaxChunk.
int ChunkRows(int left) {
  if (left < kExactRows) return left;
  return left >= kMaxChunk ? kMaxChunk : left / kExactRows * kExactRows;
}

dt ToDnnl(DType t) { return t == DType::kBF16 ? dt::bf16 : dt::f32; }

}  // namespace

bool OnednnHasBf16Matmul(const dnnl::engine& engine) {
  try {
    dnnl::memory::desc src({8, 64}, dt::bf16, tag::ab);
    dnnl::memory::desc wei({64, 64}, dt::bf16, tag::any);
    dnnl::memory::desc dst({8, 64}, dt::f32, tag::ab);
    dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(src, wei, dst), engine);
    return true;
  } catch (const dnnl::error&) {
    return false;
  }
}

dnnl::primitive_attr PackedWeight::MakeAttr(int m) const {
  dnnl::primitive_attr attr;
  dnnl::post_ops po;
  switch (epilogue_.kind) {
    case Epilogue::Kind::kNone:
      break;
    case Epilogue::Kind::kGeluTanh:
      po.append_eltwise(1.0f, dnnl::algorithm::eltwise_gelu_tanh, 0.0f, 0.0f);
      break;
    case Epilogue::Kind::kMultiply:
      po.append_binary(dnnl::algorithm::binary_mul,
                       dnnl::memory::desc({m, out_}, dt::f32, tag::ab));
      break;
    case Epilogue::Kind::kSoftCap: {
      // c·tanh(x/c) as linear(1/c) then tanh with output scale c. (oneDNN
      // 2.6's gemm:jit matmul miscomputes longer chains — a second
      // eltwise_linear, or a second scaled tanh — so a second cap is left
      // to the caller.)
      const float c = epilogue_.cap;
      po.append_eltwise(1.0f, dnnl::algorithm::eltwise_linear, 1.0f / c, 0.0f);
      po.append_eltwise(c, dnnl::algorithm::eltwise_tanh, 0.0f, 0.0f);
      break;
    }
  }
  attr.set_post_ops(po);
  return attr;
}

absl::StatusOr<std::unique_ptr<PackedWeight>> PackedWeight::Create(
    const dnnl::engine& engine, const std::vector<TensorView>& parts,
    WeightFormat format, Epilogue epilogue, std::string name) {
  if (parts.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": no weight"));
  }
  int64_t in = -1, out = 0;
  const DType src_type = parts[0].dtype;
  for (const TensorView& p : parts) {
    if (p.shape.size() != 2 || p.shape[0] <= 0 || p.shape[1] <= 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          name, ": weight must be a non-empty matrix [out, in], got ",
          p.ShapeString()));
    }
    if (in >= 0 && p.shape[1] != in) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ": fused weights disagree on the input width (",
                       in, " vs ", p.shape[1], ")"));
    }
    if (p.dtype != src_type ||
        (p.dtype != DType::kF32 && p.dtype != DType::kBF16)) {
      return absl::InvalidArgumentError(absl::StrCat(
          name, ": weights must be float32 or bfloat16 (and all the same)"));
    }
    in = p.shape[1];
    out += p.shape[0];
  }
  std::unique_ptr<PackedWeight> w(
      new PackedWeight(static_cast<int>(in), static_cast<int>(out), format,
                       epilogue, std::move(name)));
  if (format == WeightFormat::kBF16) {
    w->PackBf16(engine, parts);
    return w;
  }
  try {
    const dt act = dt::f32;
    dnnl::memory::desc src_md({kPackRows, in}, act, tag::ab);
    dnnl::memory::desc wei_md({in, out}, act, tag::any);
    dnnl::memory::desc dst_md({kPackRows, out}, dt::f32, tag::ab);
    dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(src_md, wei_md, dst_md),
                                    w->MakeAttr(kPackRows), engine);
    w->packed_ = dnnl::memory(pd.weights_desc(), engine);

    // Source: [out, in] row-major is the {in, out} matrix with tag ba.
    std::vector<uint8_t> joined;
    const void* src_data = parts[0].data;
    if (parts.size() > 1) {
      joined.resize(static_cast<size_t>(in) * out * DTypeSize(src_type));
      size_t off = 0;
      for (const TensorView& p : parts) {
        std::memcpy(joined.data() + off, p.data, p.nbytes());
        off += p.nbytes();
      }
      src_data = joined.data();
    }
    dnnl::memory::desc plain_md({in, out}, ToDnnl(src_type), tag::ba);
    dnnl::memory plain(plain_md, engine, const_cast<void*>(src_data));
    dnnl::stream stream(engine);
    dnnl::reorder(plain, w->packed_).execute(stream, plain, w->packed_);
    stream.wait();
  } catch (const dnnl::error& e) {
    return absl::InternalError(
        absl::StrCat(w->name_, ": oneDNN could not pack the weight [", out,
                     ", ", in, "]: ", e.what()));
  }
  return w;
}

void PackedWeight::PackBf16(const dnnl::engine& engine,
                            const std::vector<TensorView>& parts) {
  plain_.resize(static_cast<size_t>(in_) * out_);
  size_t off = 0;
  for (const TensorView& p : parts) {
    const size_t n = static_cast<size_t>(p.shape[0]) * p.shape[1];
    if (p.dtype == DType::kBF16) {
      std::memcpy(plain_.data() + off, p.data, n * sizeof(uint16_t));
    } else {
      RoundToBf16(static_cast<const float*>(p.data), plain_.data() + off, n);
    }
    off += n;
  }
  // Creating the primitive descriptor answers both questions at once:
  // whether this CPU's oneDNN has bf16 matmul, and whether it takes the
  // plain layout.
  try {
    // [out, in] row-major is the {in, out} matrix with tag ba.
    dnnl::memory::desc wei_md({in_, out_}, dt::bf16, tag::ba);
    dnnl::memory::desc src_md({kPackRows, in_}, dt::bf16, tag::ab);
    dnnl::memory::desc dst_md({kPackRows, out_}, dt::f32, tag::ab);
    dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(src_md, wei_md, dst_md),
                                    MakeAttr(kPackRows), engine);
    packed_ = dnnl::memory(wei_md, engine, plain_.data());
    onednn_bf16_ = true;
  } catch (const dnnl::error&) {
    onednn_bf16_ = false;  // Many-row calls take the converted-block path.
  }
}

MatmulRunner::MatmulRunner(const dnnl::engine& engine)
    : engine_(engine), stream_(engine_), gemv_isa_(DetectGemvIsa()) {}

absl::StatusOr<MatmulRunner::Prim*> MatmulRunner::GetPrim(const PackedWeight& w,
                                                          int m) {
  const auto key = std::make_pair(&w, m);
  auto it = prims_.find(key);
  if (it != prims_.end()) return &it->second;
  if (unsupported_.count(key) > 0 || (force_padded_ && m != kPackRows)) {
    return absl::UnimplementedError(absl::StrCat(
        w.name(), ": no matmul for ", m, " rows on the packed layout"));
  }
  const dt act = w.format() == WeightFormat::kBF16 ? dt::bf16 : dt::f32;
  try {
    dnnl::memory::desc src_md({m, w.in_dim()}, act, tag::ab);
    dnnl::memory::desc dst_md({m, w.out_dim()}, dt::f32, tag::ab);
    dnnl::matmul::primitive_desc pd(
        dnnl::matmul::desc(src_md, w.memory().get_desc(), dst_md),
        w.MakeAttr(m), engine_);
    Prim p;
    p.matmul = dnnl::matmul(pd);
    p.src = dnnl::memory(src_md, engine_, DNNL_MEMORY_NONE);
    p.dst = dnnl::memory(dst_md, engine_, DNNL_MEMORY_NONE);
    if (w.epilogue().kind == Epilogue::Kind::kMultiply) {
      p.aux = dnnl::memory(dst_md, engine_, DNNL_MEMORY_NONE);
      p.args.push_back(
          {DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1, p.aux.get()});
    }
    p.args.push_back({DNNL_ARG_SRC, p.src.get()});
    p.args.push_back({DNNL_ARG_WEIGHTS, w.memory().get()});
    p.args.push_back({DNNL_ARG_DST, p.dst.get()});
    return &prims_.emplace(key, std::move(p)).first->second;
  } catch (const dnnl::error& e) {
    unsupported_.insert(key);
    if (unsupported_.size() == 1) {  // Warn once per runner.
      LOG(WARNING) << w.name() << ": oneDNN has no matmul for " << m
                   << " rows on the packed layout (" << e.what()
                   << "); running zero-padded " << kPackRows << "-row pieces";
    }
    return absl::UnimplementedError(
        absl::StrCat(w.name(), ": oneDNN could not create a matmul for ", m,
                     " rows: ", e.what()));
  }
}

absl::Status MatmulRunner::Execute(const PackedWeight& w, Prim* p, void* src,
                                   float* y, const float* aux) {
  try {
    p->src.set_data_handle(src);
    p->dst.set_data_handle(y);
    if (w.epilogue().kind == Epilogue::Kind::kMultiply) {
      p->aux.set_data_handle(const_cast<float*>(aux));
    }
  } catch (const dnnl::error& e) {
    return absl::InternalError(
        absl::StrCat(w.name(), ": oneDNN matmul failed: ", e.what()));
  }
  const auto t0 = std::chrono::steady_clock::now();
  dnnl_status_t st =
      dnnl_primitive_execute(p->matmul.get(), stream_.get(),
                             static_cast<int>(p->args.size()), p->args.data());
  if (st == dnnl_success) st = dnnl_stream_wait(stream_.get());
  if (st != dnnl_success) {
    return absl::InternalError(absl::StrCat(
        w.name(), ": oneDNN matmul failed with status ", static_cast<int>(st)));
  }
  matmul_ns_ += std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::steady_clock::now() - t0)
                    .count();
  return absl::OkStatus();
}

absl::Status MatmulRunner::RunChunk(const PackedWeight& w, const float* x,
                                    int m, float* y, const float* aux,
                                    const uint16_t* converted) {
  auto prim_or = GetPrim(w, m);
  if (!prim_or.ok()) {
    if (m == kPackRows) return prim_or.status();
    return RunPadded(w, x, m, y, aux, converted);
  }
  void* src = converted != nullptr ? const_cast<uint16_t*>(converted)
                                   : static_cast<void*>(const_cast<float*>(x));
  return Execute(w, *prim_or, src, y, aux);
}

// The packed layout was chosen for kPackRows rows, so that primitive always
// exists; when no primitive accepts the layout at another row count, rows
// run through it in zero-padded pieces of kPackRows.
absl::Status MatmulRunner::RunPadded(const PackedWeight& w, const float* x,
                                     int m, float* y, const float* aux,
                                     const uint16_t* converted) {
  auto prim_or = GetPrim(w, kPackRows);
  if (!prim_or.ok()) return prim_or.status();
  const int in = w.in_dim(), out = w.out_dim();
  const size_t in_n = static_cast<size_t>(kPackRows) * in;
  const size_t out_n = static_cast<size_t>(kPackRows) * out;
  if (pad_dst_.size() < out_n) pad_dst_.resize(out_n);
  const bool mul = w.epilogue().kind == Epilogue::Kind::kMultiply;
  if (mul && pad_aux_.size() < out_n) pad_aux_.resize(out_n);
  for (int done = 0; done < m; done += kPackRows) {
    const int rows = std::min(kPackRows, m - done);
    const size_t xo = static_cast<size_t>(done) * in;
    const size_t yo = static_cast<size_t>(done) * out;
    const size_t used_in = static_cast<size_t>(rows) * in;
    const size_t used_out = static_cast<size_t>(rows) * out;
    void* src;
    if (converted != nullptr) {
      if (pad_src_bf16_.size() < in_n) pad_src_bf16_.assign(in_n, 0);
      std::copy(converted + xo, converted + xo + used_in,
                pad_src_bf16_.begin());
      std::fill(pad_src_bf16_.begin() + used_in, pad_src_bf16_.begin() + in_n,
                uint16_t{0});
      src = pad_src_bf16_.data();
    } else {
      if (pad_src_.size() < in_n) pad_src_.assign(in_n, 0.0f);
      std::copy(x + xo, x + xo + used_in, pad_src_.begin());
      std::fill(pad_src_.begin() + used_in, pad_src_.begin() + in_n, 0.0f);
      src = pad_src_.data();
    }
    if (mul) {
      std::copy(aux + yo, aux + yo + used_out, pad_aux_.begin());
      std::fill(pad_aux_.begin() + used_out, pad_aux_.begin() + out_n, 0.0f);
    }
    GEMMA_RETURN_IF_ERROR(Execute(w, *prim_or, src, pad_dst_.data(),
                                  mul ? pad_aux_.data() : nullptr));
    std::copy(pad_dst_.begin(), pad_dst_.begin() + used_out, y + yo);
  }
  return absl::OkStatus();
}

absl::Status MatmulRunner::Run(const PackedWeight& w, const float* x, int m,
                               float* y, const float* aux) {
  return RunImpl(w, x, m, y, aux, /*reuse=*/false);
}

absl::Status MatmulRunner::RunSameInput(const PackedWeight& w, const float* x,
                                        int m, float* y, const float* aux) {
  return RunImpl(w, x, m, y, aux, /*reuse=*/true);
}

absl::Status MatmulRunner::RunImpl(const PackedWeight& w, const float* x, int m,
                                   float* y, const float* aux, bool reuse) {
  if (m < 0) return absl::InvalidArgumentError("negative row count");
  if (w.epilogue().kind == Epilogue::Kind::kMultiply && aux == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(w.name(), ": the multiply epilogue needs aux"));
  }
  const uint16_t* converted = nullptr;
  if (w.format() == WeightFormat::kBF16) {
    const size_t n = static_cast<size_t>(m) * w.in_dim();
    const int gemv_rows = gemv_max_rows_ >= 0          ? gemv_max_rows_
                          : gemv_isa_ == GemvIsa::kAmx ? kGemvRowsWithAmx
                          : !w.onednn_bf16()           ? kGemvRowsWithoutOnednn
                          : gemv_isa_ == GemvIsa::kAvx512Bf16
                              ? kGemvRowsWithAvx512Bf16
                              : kGemvRowsWithOnednn;
    if (m <= gemv_rows || !w.onednn_bf16()) {
      RoundInput(x, n, reuse);
      return m <= gemv_rows ? RunGemv(w, m, y, aux)
                            : RunF32Blocks(w, m, y, aux);
    }
    // Activations are rounded to bf16 once for the whole input.
    if (!(reuse && converted_x_ == x && converted_n_ == n)) {
      if (bf16_scratch_.size() < n) bf16_scratch_.resize(n);
      RoundToBf16(x, bf16_scratch_.data(), n);
      converted_x_ = x;
      converted_n_ = n;
    }
    converted = bf16_scratch_.data();
  }
  int done = 0;
  while (done < m) {
    const int rows = ChunkRows(m - done);
    const size_t xo = static_cast<size_t>(done) * w.in_dim();
    const size_t yo = static_cast<size_t>(done) * w.out_dim();
    absl::Status s =
        RunChunk(w, x + xo, rows, y + yo, aux == nullptr ? nullptr : aux + yo,
                 converted == nullptr ? nullptr : converted + xo);
    if (!s.ok()) return s;
    done += rows;
  }
  return absl::OkStatus();
}

void MatmulRunner::RoundInput(const float* x, size_t n, bool reuse) {
  if (reuse && rounded_x_ == x && rounded_n_ == n) return;
  if (xr_scratch_.size() < n) xr_scratch_.resize(n);
  RoundToBf16AsFloat(x, xr_scratch_.data(), n);
  rounded_x_ = x;
  rounded_n_ = n;
}

absl::Status MatmulRunner::RunGemv(const PackedWeight& w, int m, float* y,
                                   const float* aux) {
  const auto t0 = std::chrono::steady_clock::now();
  GemvArgs a;
  a.x = xr_scratch_.data();
  a.m = m;
  a.k = w.in_dim();
  a.w = w.plain_bf16();
  a.n = w.out_dim();
  a.y = y;
  a.aux = aux;
  a.epilogue = w.epilogue();
  if (gemv_isa_ == GemvIsa::kAmx || gemv_isa_ == GemvIsa::kAvx512Bf16) {
    const size_t words = GemvScratchWords(m, a.k);
    if (gemv_scratch_.size() < words) gemv_scratch_.resize(words);
    a.scratch = gemv_scratch_.data();
  }
  Bf16Gemv(gemv_isa_, a);
  matmul_ns_ += std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::steady_clock::now() - t0)
                    .count();
  return absl::OkStatus();
}

absl::StatusOr<MatmulRunner::Prim*> MatmulRunner::GetBlockPrim(int m, int k,
                                                               int cols) {
  const auto key = std::make_tuple(m, k, cols);
  auto it = block_prims_.find(key);
  if (it != block_prims_.end()) return &it->second;
  try {
    dnnl::memory::desc src_md({m, k}, dt::f32, tag::ab);
    // The block is [cols, k] row-major: the {k, cols} matrix with tag ba.
    dnnl::memory::desc wei_md({k, cols}, dt::f32, tag::ba);
    dnnl::memory::desc dst_md({m, cols}, dt::f32, tag::ab);
    dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(src_md, wei_md, dst_md),
                                    engine_);
    Prim p;
    p.matmul = dnnl::matmul(pd);
    p.src = dnnl::memory(src_md, engine_, DNNL_MEMORY_NONE);
    p.wei = dnnl::memory(wei_md, engine_, DNNL_MEMORY_NONE);
    p.dst = dnnl::memory(dst_md, engine_, DNNL_MEMORY_NONE);
    p.args.push_back({DNNL_ARG_SRC, p.src.get()});
    p.args.push_back({DNNL_ARG_WEIGHTS, p.wei.get()});
    p.args.push_back({DNNL_ARG_DST, p.dst.get()});
    return &block_prims_.emplace(key, std::move(p)).first->second;
  } catch (const dnnl::error& e) {
    return absl::InternalError(
        absl::StrCat("oneDNN could not create a float32 matmul [", m, ", ", k,
                     "] x [", k, ", ", cols, "]: ", e.what()));
  }
}

// Many rows on a CPU without oneDNN bf16: each block of kBlockCols weight
// rows is widened to float32 once and multiplied by all input rows.
absl::Status MatmulRunner::RunF32Blocks(const PackedWeight& w, int m, float* y,
                                        const float* aux) {
  const auto t0 = std::chrono::steady_clock::now();
  const int k = w.in_dim(), out = w.out_dim();
  const int max_cols = std::min(kBlockCols, out);
  const size_t wn = static_cast<size_t>(max_cols) * k;
  if (block_w_.size() < wn) block_w_.resize(wn);
  const size_t yn = static_cast<size_t>(std::min(m, kMaxChunk)) * max_cols;
  if (block_y_.size() < yn) block_y_.resize(yn);
  for (int n0 = 0; n0 < out; n0 += kBlockCols) {
    const int cols = std::min(kBlockCols, out - n0);
    const uint16_t* src = w.plain_bf16() + static_cast<size_t>(n0) * k;
    const long count = static_cast<long>(cols) * k;
    float* dst = block_w_.data();
#pragma omp parallel for schedule(static) if (count >= (1 << 16))
    for (long i = 0; i < count; ++i) {
      const uint32_t u = static_cast<uint32_t>(src[i]) << 16;
      std::memcpy(&dst[i], &u, sizeof(u));
    }
    for (int done = 0; done < m;) {
      const int rows = ChunkRows(m - done);
      GEMMA_ASSIGN_OR_RETURN(Prim * p, GetBlockPrim(rows, k, cols));
      try {
        p->src.set_data_handle(xr_scratch_.data() +
                               static_cast<size_t>(done) * k);
        p->wei.set_data_handle(block_w_.data());
        p->dst.set_data_handle(block_y_.data());
      } catch (const dnnl::error& e) {
        return absl::InternalError(
            absl::StrCat(w.name(), ": oneDNN matmul failed: ", e.what()));
      }
      dnnl_status_t st = dnnl_primitive_execute(
          p->matmul.get(), stream_.get(), static_cast<int>(p->args.size()),
          p->args.data());
      if (st == dnnl_success) st = dnnl_stream_wait(stream_.get());
      if (st != dnnl_success) {
        return absl::InternalError(
            absl::StrCat(w.name(), ": oneDNN matmul failed with status ",
                         static_cast<int>(st)));
      }
      for (int i = 0; i < rows; ++i) {
        const size_t off = static_cast<size_t>(done + i) * out + n0;
        std::memcpy(y + off, block_y_.data() + static_cast<size_t>(i) * cols,
                    cols * sizeof(float));
        ApplyEpilogue(w.epilogue(), y + off,
                      aux == nullptr ? nullptr : aux + off, cols);
      }
      done += rows;
    }
  }
  matmul_ns_ += std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::steady_clock::now() - t0)
                    .count();
  return absl::OkStatus();
}

}  // namespace gemma::model::ops
