#include "tests/testing/prompt_run.h"

#include <algorithm>
#include <numeric>

#include "base/status_macros.h"
#include "model/decoder/kv_cache.h"

namespace gemma::testing {

absl::StatusOr<PromptRun> RunPromptThenGreedy(const model::Gemma4Model& model,
                                              absl::Span<const int32_t> prompt,
                                              const model::MultimodalInput* mm,
                                              size_t total_length) {
  constexpr int kBlocks = 64, kBlockSize = 8;
  if (prompt.empty() || total_length < prompt.size() ||
      total_length > size_t{kBlocks} * kBlockSize) {
    return absl::InvalidArgumentError("prompt or total length out of range");
  }
  GEMMA_ASSIGN_OR_RETURN(auto kv, model::KvCache::Create(model.config().text,
                                                         kBlocks, kBlockSize));
  std::vector<int> table(kBlocks);
  std::iota(table.begin(), table.end(), 0);
  auto state = model.NewState();
  PromptRun run;
  run.tokens.assign(prompt.begin(), prompt.end());
  model::ForwardEntry e{run.tokens, 0, table, /*all_logits=*/true, mm};
  model::ForwardOutput out;
  GEMMA_RETURN_IF_ERROR(model.Forward(state.get(), kv.get(), {&e, 1}, &out));
  run.prompt_logits = out.logits;
  const int vocab = out.vocab_size;
  const float* last = out.logits_row(static_cast<int>(prompt.size()) - 1);
  while (run.tokens.size() < total_length) {
    run.tokens.push_back(
        static_cast<int32_t>(std::max_element(last, last + vocab) - last));
    if (run.tokens.size() == total_length) break;
    model::ForwardEntry d{absl::MakeConstSpan(&run.tokens.back(), 1),
                          static_cast<int>(run.tokens.size()) - 1, table,
                          false};
    GEMMA_RETURN_IF_ERROR(model.Forward(state.get(), kv.get(), {&d, 1}, &out));
    last = out.logits_row(0);
  }
  return run;
}

}  // namespace gemma::testing
