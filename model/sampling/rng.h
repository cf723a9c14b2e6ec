// A small, fast, seedable pseudo-random generator (xoshiro256**, seeded
// through SplitMix64) for the stochastic samplers.
//
// Each sequence owns its own Rng, so a request's tokens depend only on its
// seed and its logits, never on what else the engine runs at the same time.
// keras-hub's random streams are backend-specific (spec §5.5), so no attempt
// is made to reproduce them; this generator is only required to be
// deterministic and statistically sound.
// Thread-safety: not thread-safe; one owner at a time (it is cheap to copy).
#ifndef GEMMA_MODEL_SAMPLING_RNG_H_
#define GEMMA_MODEL_SAMPLING_RNG_H_

#include <array>
#include <cstdint>

namespace gemma::model {

class Rng {
 public:
  explicit Rng(uint64_t seed);

  // The next 64 random bits.
  uint64_t Next();
  // Uniform in [0, 1), 53 bits of precision.
  double Uniform();

 private:
  std::array<uint64_t, 4> s_;
};

}  // namespace gemma::model

#endif  // GEMMA_MODEL_SAMPLING_RNG_H_
