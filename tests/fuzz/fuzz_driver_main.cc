// A plain driver for libFuzzer-style targets, so that ordinary (gcc) builds
// and CI exercise them: feeds LLVMFuzzerTestOneInput every seed file given
// on the command line, then deterministic random mutations of them (bit
// flips, byte overwrites with boundary values, truncation, insertion,
// deletion, chunk duplication) until an iteration or time budget runs out.
//
//   fuzz_driver [--iterations=N] [--seconds=S] [--seed=K] seed_file...
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

// xorshift64*: deterministic, seeded from the command line.
struct Rng {
  uint64_t s;
  uint64_t Next() {
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    return s * 2685821657736338717ULL;
  }
  size_t Below(size_t n) { return n == 0 ? 0 : Next() % n; }
};

void Mutate(std::string& b, Rng& rng) {
  static const uint8_t kInteresting[] = {0x00, 0x01, 0x7F, 0x80, 0xFF, 0xFE};
  const int count = 1 + static_cast<int>(rng.Below(8));
  for (int m = 0; m < count; ++m) {
    switch (rng.Below(7)) {
      case 0:  // Flip a bit.
        if (!b.empty()) b[rng.Below(b.size())] ^= char(1 << rng.Below(8));
        break;
      case 1:  // Random byte.
        if (!b.empty()) b[rng.Below(b.size())] = char(rng.Next());
        break;
      case 2:  // Boundary value, often in the header.
        if (!b.empty()) {
          const size_t limit =
              rng.Below(2) ? std::min<size_t>(b.size(), 64) : b.size();
          b[rng.Below(limit)] = char(kInteresting[rng.Below(6)]);
        }
        break;
      case 3:  // Truncate.
        b.resize(rng.Below(b.size() + 1));
        break;
      case 4: {  // Insert random bytes.
        std::string ins(1 + rng.Below(16), '\0');
        for (char& c : ins) c = char(rng.Next());
        b.insert(rng.Below(b.size() + 1), ins);
        break;
      }
      case 5:  // Delete a range.
        if (!b.empty()) {
          const size_t at = rng.Below(b.size());
          b.erase(at, 1 + rng.Below(std::min<size_t>(64, b.size() - at)));
        }
        break;
      case 6:  // Duplicate a chunk.
        if (!b.empty() && b.size() < (1u << 20)) {
          const size_t at = rng.Below(b.size());
          const size_t len =
              1 + rng.Below(std::min<size_t>(256, b.size() - at));
          b.insert(rng.Below(b.size() + 1), b.substr(at, len));
        }
        break;
    }
  }
}

void Run(const std::string& b) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(b.data()), b.size());
}

}  // namespace

int main(int argc, char** argv) {
  long iterations = 2000;
  double seconds = 10;
  uint64_t seed = 1;
  std::vector<std::string> seeds;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--iterations=", 13) == 0) {
      iterations = std::atol(argv[i] + 13);
    } else if (std::strncmp(argv[i], "--seconds=", 10) == 0) {
      seconds = std::atof(argv[i] + 10);
    } else if (std::strncmp(argv[i], "--seed=", 7) == 0) {
      seed = std::strtoull(argv[i] + 7, nullptr, 10);
    } else {
      std::ifstream in(argv[i], std::ios::binary);
      if (!in) {
        std::fprintf(stderr, "cannot read seed file %s\n", argv[i]);
        return 2;
      }
      std::ostringstream ss;
      ss << in.rdbuf();
      seeds.push_back(ss.str());
    }
  }
  if (seeds.empty()) {
    std::fprintf(stderr, "usage: %s [--iterations=N] [--seconds=S] seed...\n",
                 argv[0]);
    return 2;
  }
  // Edge inputs and the unmodified seeds first.
  Run("");
  Run(std::string(1, '\0'));
  for (const std::string& s : seeds) Run(s);
  Rng rng{seed * 0x9E3779B97F4A7C15ULL + 1};
  const auto start = std::chrono::steady_clock::now();
  long done = 0;
  for (; done < iterations; ++done) {
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    if (elapsed > seconds) break;
    std::string b = seeds[rng.Below(seeds.size())];
    Mutate(b, rng);
    Run(b);
  }
  std::printf("ran %ld mutated inputs from %zu seeds\n", done, seeds.size());
  return 0;
}
