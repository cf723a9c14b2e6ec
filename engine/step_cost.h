// What an engine step costs, learned from the steps themselves, so that the
// scheduler can size prefill chunks to a latency bound. A step that feeds
// single-token decodes and `p` prompt tokens is modelled as taking
// D + P·p seconds: D is what every step pays once (reading the weights,
// which decode-sized batches cost about the same at any batch size), P the
// marginal time of one prompt token (compute). Both come from a least-
// squares fit over the steps seen, with older steps decaying, so the
// estimates follow a changing batch within a few steps; until the steps
// seen tell D and P apart (two different prompt-token counts, or a
// decode-only step and a prefill), the model does not predict.
//
// Thread-safety: not thread-safe; owned by the engine thread's scheduler.
#ifndef GEMMA_ENGINE_STEP_COST_H_
#define GEMMA_ENGINE_STEP_COST_H_

#include <optional>

namespace gemma::engine {

class StepCostModel {
 public:
  struct Estimate {
    double step_seconds;       // D.
    double seconds_per_token;  // P.
  };

  // Records one step's forward pass: `prefill_tokens` prompt tokens beside
  // its decodes (D covers those, however many), `seconds` of wall time.
  // Negative counts and non-positive or non-finite times are ignored.
  void Observe(int prefill_tokens, double seconds);

  // D and P, once the steps seen determine them.
  std::optional<Estimate> estimate() const;

  // The prompt tokens a step with decodes may add so that it is predicted
  // to take at most `stretch` (> 1) times as long as its decodes alone,
  // within [floor, cap]; `floor` while the model cannot predict.
  int PrefillBudget(double stretch, int floor, int cap) const;

 private:
  // Decayed sums of the fit: weight, p, p², t, p·t.
  double w_ = 0, p_ = 0, pp_ = 0, t_ = 0, pt_ = 0;
};

}  // namespace gemma::engine

#endif  // GEMMA_ENGINE_STEP_COST_H_
