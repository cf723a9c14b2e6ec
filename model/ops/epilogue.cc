#include "model/ops/epilogue.h"

#include <cmath>

namespace gemma::model::ops {

void ApplyEpilogue(const Epilogue& e, float* y, const float* aux, int n) {
  switch (e.kind) {
    case Epilogue::Kind::kNone:
      return;
    case Epilogue::Kind::kGeluTanh:
      for (int i = 0; i < n; ++i) {
        const float v = y[i];
        const float inner = 0.7978845608028654f * (v + 0.044715f * v * v * v);
        y[i] = 0.5f * v * (1.0f + std::tanh(inner));
      }
      return;
    case Epilogue::Kind::kMultiply:
      for (int i = 0; i < n; ++i) y[i] *= aux[i];
      return;
    case Epilogue::Kind::kSoftCap: {
      const float c = e.cap, inv = 1.0f / e.cap;
      for (int i = 0; i < n; ++i) y[i] = c * std::tanh(y[i] * inv);
      return;
    }
  }
}

}  // namespace gemma::model::ops
