#include "preprocess/audio_decode.h"

#include <sndfile.h>
#include <soxr.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "base/status_macros.h"

namespace gemma::preprocess {
namespace {

enum class AudioContainer { kWav, kFlac, kOgg, kMp3 };

absl::string_view ContainerName(AudioContainer c) {
  switch (c) {
    case AudioContainer::kWav:
      return "WAV";
    case AudioContainer::kFlac:
      return "FLAC";
    case AudioContainer::kOgg:
      return "Ogg";
    case AudioContainer::kMp3:
      return "MP3";
  }
  return "unknown";
}

absl::StatusOr<AudioContainer> ContainerFromMime(absl::string_view mime) {
  const std::string m = absl::AsciiStrToLower(
      absl::StripAsciiWhitespace(mime.substr(0, mime.find(';'))));
  if (m == "audio/wav" || m == "audio/x-wav" || m == "audio/wave" ||
      m == "audio/vnd.wave") {
    return AudioContainer::kWav;
  }
  if (m == "audio/flac" || m == "audio/x-flac") return AudioContainer::kFlac;
  if (m == "audio/ogg" || m == "application/ogg" || m == "audio/vorbis") {
    return AudioContainer::kOgg;
  }
  if (m == "audio/mpeg" || m == "audio/mp3") return AudioContainer::kMp3;
  return absl::InvalidArgumentError(absl::StrCat(
      "unsupported audio MIME type '", mime,
      "'; supported: audio/wav, audio/flac, audio/ogg (Vorbis or Opus), "
      "audio/mpeg (MP3)"));
}

absl::StatusOr<AudioContainer> SniffContainer(absl::string_view b) {
  if (b.empty())
    return absl::InvalidArgumentError("the audio is empty (0 bytes)");
  if (b.size() >= 12 &&
      (b.substr(0, 4) == "RIFF" || b.substr(0, 4) == "RF64") &&
      b.substr(8, 4) == "WAVE") {
    return AudioContainer::kWav;
  }
  if (b.size() >= 4 && b.substr(0, 4) == "fLaC") return AudioContainer::kFlac;
  if (b.size() >= 4 && b.substr(0, 4) == "OggS") return AudioContainer::kOgg;
  // MP3: an ID3v2 tag or an MPEG audio frame sync (11 set bits, layer != 0).
  const auto* u = reinterpret_cast<const unsigned char*>(b.data());
  if ((b.size() >= 10 && b.substr(0, 3) == "ID3") ||
      (b.size() >= 4 && u[0] == 0xFF && (u[1] & 0xE0) == 0xE0 &&
       (u[1] & 0x06) != 0)) {
    return AudioContainer::kMp3;
  }
  return absl::InvalidArgumentError(
      "unrecognised audio data: not a WAV, FLAC, Ogg or MP3 file");
}

uint32_t Le32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return uint32_t{u[0]} | (uint32_t{u[1]} << 8) | (uint32_t{u[2]} << 16) |
         (uint32_t{u[3]} << 24);
}

// libsndfile silently shortens a WAV whose data chunk claims more bytes than
// the file holds; such a header is refused here instead.
absl::Status CheckWavDataChunk(absl::string_view b) {
  if (b.substr(0, 4) != "RIFF")
    return absl::OkStatus();  // RF64: sizes in ds64.
  size_t pos = 12;
  while (pos + 8 <= b.size()) {
    const absl::string_view id = b.substr(pos, 4);
    const uint32_t size = Le32(b.data() + pos + 4);
    const size_t available = b.size() - (pos + 8);
    if (id == "data") {
      if (size != 0xFFFFFFFFu && size > available) {
        return absl::InvalidArgumentError(absl::StrCat(
            "the WAV header declares ", size, " bytes of audio data but only ",
            available,
            " follow: the file is truncated or its header is wrong"));
      }
      return absl::OkStatus();
    }
    if (size > available) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the WAV chunk '", id, "' declares ", size, " bytes but only ",
          available, " follow: the file is truncated or its header is wrong"));
    }
    pos += 8 + size + (size & 1);
  }
  return absl::InvalidArgumentError(
      "the WAV file has no 'data' chunk: it is truncated or not audio");
}

// Read-only memory source for libsndfile's virtual I/O.
struct MemorySource {
  absl::string_view data;
  sf_count_t pos = 0;
};

sf_count_t VioLength(void* user) {
  return static_cast<sf_count_t>(static_cast<MemorySource*>(user)->data.size());
}
sf_count_t VioSeek(sf_count_t offset, int whence, void* user) {
  auto* s = static_cast<MemorySource*>(user);
  sf_count_t base = 0;
  if (whence == SEEK_CUR) base = s->pos;
  if (whence == SEEK_END) base = static_cast<sf_count_t>(s->data.size());
  const sf_count_t target = base + offset;
  if (target < 0) return -1;
  s->pos =
      std::min<sf_count_t>(target, static_cast<sf_count_t>(s->data.size()));
  return s->pos;
}
sf_count_t VioRead(void* ptr, sf_count_t count, void* user) {
  auto* s = static_cast<MemorySource*>(user);
  const sf_count_t left = static_cast<sf_count_t>(s->data.size()) - s->pos;
  const sf_count_t n = std::max<sf_count_t>(0, std::min(count, left));
  if (n > 0) std::memcpy(ptr, s->data.data() + s->pos, static_cast<size_t>(n));
  s->pos += n;
  return n;
}
sf_count_t VioWrite(const void*, sf_count_t, void*) { return 0; }
sf_count_t VioTell(void* user) { return static_cast<MemorySource*>(user)->pos; }

struct SndfileCloser {
  void operator()(SNDFILE* f) const { sf_close(f); }
};

}  // namespace

absl::StatusOr<std::vector<float>> ResampleMono(const std::vector<float>& in,
                                                double in_rate,
                                                double out_rate) {
  if (!(in_rate > 0) || !(out_rate > 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid resampling rates ", in_rate, " -> ", out_rate));
  }
  if (in_rate == out_rate || in.empty()) return in;
  const size_t olen =
      static_cast<size_t>(std::ceil(in.size() * out_rate / in_rate)) + 16;
  std::vector<float> out(olen);
  size_t odone = 0;
  const soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
  const soxr_quality_spec_t q = soxr_quality_spec(SOXR_HQ, 0);
  const soxr_error_t err =
      soxr_oneshot(in_rate, out_rate, 1, in.data(), in.size(), nullptr,
                   out.data(), olen, &odone, &io, &q, nullptr);
  if (err) {
    return absl::InternalError(absl::StrCat("audio resampling failed: ", err));
  }
  out.resize(odone);
  return out;
}

absl::StatusOr<DecodedAudio> DecodeAudio(absl::string_view bytes,
                                         absl::string_view mime_type,
                                         const AudioDecodeOptions& options) {
  if (bytes.size() > options.max_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("the encoded audio is ", bytes.size(), " bytes; at most ",
                     options.max_bytes, " are accepted"));
  }
  std::optional<AudioContainer> declared;
  if (!mime_type.empty()) {
    GEMMA_ASSIGN_OR_RETURN(declared, ContainerFromMime(mime_type));
  }
  GEMMA_ASSIGN_OR_RETURN(const AudioContainer container, SniffContainer(bytes));
  if (declared && *declared != container) {
    return absl::InvalidArgumentError(
        absl::StrCat("the audio was declared as ", mime_type,
                     " but its data is ", ContainerName(container)));
  }
  if (container == AudioContainer::kWav) {
    GEMMA_RETURN_IF_ERROR(CheckWavDataChunk(bytes));
  }

  MemorySource source{bytes, 0};
  SF_VIRTUAL_IO vio{VioLength, VioSeek, VioRead, VioWrite, VioTell};
  SF_INFO info;
  std::memset(&info, 0, sizeof(info));
  std::unique_ptr<SNDFILE, SndfileCloser> file(
      sf_open_virtual(&vio, SFM_READ, &info, &source));
  if (!file) {
    return absl::InvalidArgumentError(
        absl::StrCat("the ", ContainerName(container),
                     " audio could not be opened: ", sf_strerror(nullptr)));
  }
  if (info.channels < 1 || info.channels > 64) {
    return absl::InvalidArgumentError(
        absl::StrCat("unsupported channel count ", info.channels));
  }
  if (info.samplerate < 1000 || info.samplerate > 768000) {
    return absl::InvalidArgumentError(
        absl::StrCat("unsupported sample rate ", info.samplerate,
                     " Hz (accepted: 1000 to 768000)"));
  }
  const int64_t max_frames =
      static_cast<int64_t>(std::floor(options.max_seconds * info.samplerate));
  const auto too_long = [&](double seconds) {
    return absl::InvalidArgumentError(
        absl::StrFormat("the audio is %.1f s long; at most %.1f s are accepted",
                        seconds, options.max_seconds));
  };
  // Check the declared length first (SF_COUNT_MAX means unknown).
  if (info.frames > max_frames && info.frames != SF_COUNT_MAX) {
    return too_long(static_cast<double>(info.frames) / info.samplerate);
  }

  std::vector<float> mono;
  std::vector<float> block(static_cast<size_t>(4096) * info.channels);
  while (true) {
    const sf_count_t got = sf_readf_float(file.get(), block.data(), 4096);
    if (got <= 0) break;
    for (sf_count_t i = 0; i < got; ++i) {
      double sum = 0.0;
      for (int c = 0; c < info.channels; ++c)
        sum += block[i * info.channels + c];
      mono.push_back(static_cast<float>(sum / info.channels));
    }
    if (static_cast<int64_t>(mono.size()) > max_frames) {
      return too_long(static_cast<double>(mono.size()) / info.samplerate);
    }
  }
  if (sf_error(file.get()) != SF_ERR_NO_ERROR) {
    return absl::InvalidArgumentError(
        absl::StrCat("the ", ContainerName(container),
                     " audio is corrupt: ", sf_strerror(file.get())));
  }
  // MP3 frame counts are estimates; the other containers' are exact.
  if (container != AudioContainer::kMp3 && info.frames != SF_COUNT_MAX &&
      info.frames > 0 && static_cast<int64_t>(mono.size()) < info.frames) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the ", ContainerName(container), " audio declares ", info.frames,
        " frames but only ", mono.size(), " could be decoded (truncated)"));
  }
  if (mono.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the ", ContainerName(container), " audio contains no samples"));
  }
  for (float& v : mono) {
    if (!std::isfinite(v)) {
      return absl::InvalidArgumentError(
          "the audio contains non-finite (NaN or infinite) samples");
    }
  }
  DecodedAudio out;
  out.source_sample_rate = info.samplerate;
  out.source_channels = info.channels;
  out.sample_rate = options.target_sample_rate;
  GEMMA_ASSIGN_OR_RETURN(out.samples, ResampleMono(mono, info.samplerate,
                                                   options.target_sample_rate));
  return out;
}

}  // namespace gemma::preprocess
