// Loading a golden checkpoint with one of its encoder towers (vision or
// audio) built, for the tower golden tests. Test-only and header-only: the
// test binaries that include it link the checkpoint and tower libraries.
// Thread-safety: pure functions.
#ifndef GEMMA_TESTS_TESTING_GOLDEN_TOWER_H_
#define GEMMA_TESTS_TESTING_GOLDEN_TOWER_H_

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "gtest/gtest.h"
#include "model/checkpoint/checkpoint.h"
#include "model/config.h"
#include "model/vision/tower_options.h"
#include "tests/testing/testdata.h"

namespace gemma::testing {

template <typename Encoder>
struct LoadedTower {
  std::unique_ptr<model::Checkpoint> ckpt;
  std::unique_ptr<Encoder> encoder;  // Null if anything failed.
};

// Loads GoldenPath(dir) (e.g. "e2b_audio/hf") and builds `Encoder` from the
// checkpoint's `tower` config (&ModelConfig::vision or ::audio) and
// `options`. Each failure is a (non-fatal) test failure and leaves `encoder`
// null: callers ASSERT_NE(loaded.encoder, nullptr).
template <typename Encoder, typename TowerConfig>
LoadedTower<Encoder> LoadGoldenTower(
    const std::string& dir,
    std::optional<TowerConfig> model::ModelConfig::*tower,
    const model::TowerOptions& options = {}) {
  LoadedTower<Encoder> loaded;
  auto ckpt = model::LoadCheckpoint(GoldenPath(dir));
  EXPECT_TRUE(ckpt.ok()) << dir << ": " << ckpt.status();
  if (!ckpt.ok()) return loaded;
  loaded.ckpt = *std::move(ckpt);
  const model::ModelConfig& config = loaded.ckpt->config;
  EXPECT_TRUE((config.*tower).has_value()) << dir << " has no such tower";
  if (!(config.*tower).has_value()) return loaded;
  auto encoder = Encoder::Create(*(config.*tower), config.text.hidden_dim,
                                 loaded.ckpt->weights, options);
  EXPECT_TRUE(encoder.ok()) << dir << ": " << encoder.status();
  if (encoder.ok()) loaded.encoder = *std::move(encoder);
  return loaded;
}

}  // namespace gemma::testing

#endif  // GEMMA_TESTS_TESTING_GOLDEN_TOWER_H_
