#include "model/ops/epilogue.h"

#include "model/ops/activations.h"

namespace gemma::model::ops {

void ApplyEpilogue(const Epilogue& e, float* y, const float* aux, int n) {
  switch (e.kind) {
    case Epilogue::Kind::kNone:
      return;
    case Epilogue::Kind::kGeluTanh:
      GeluTanh(y, n);
      return;
    case Epilogue::Kind::kMultiply:
      for (int i = 0; i < n; ++i) y[i] *= aux[i];
      return;
    case Epilogue::Kind::kSoftCap:
      SoftCap(y, n, e.cap);
      return;
  }
}

}  // namespace gemma::model::ops
