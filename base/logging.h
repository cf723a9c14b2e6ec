// A small logging and CHECK facility with absl/log's macro names, because
// Debian's Abseil (20220623) has no absl/log. Moving to absl/log later is an
// include swap.
//
//   LOG(INFO) << "loaded " << n << " tensors";   // INFO, WARNING, ERROR, FATAL
//   CHECK(ptr != nullptr) << "programmer error";  // aborts with the message
//   VLOG(1) << "detail";                          // shown when verbosity >= 1
//
// CHECK is for programmer errors only; request or file data never CHECKs.
// Thread-safety: each message is written to stderr with one write() call, so
// lines from different threads do not interleave. SetVerbosity/SetMinSeverity
// are meant for main() before threads start.
#ifndef GEMMA_BASE_LOGGING_H_
#define GEMMA_BASE_LOGGING_H_

#include <sstream>

namespace gemma {

enum class LogSeverity { kInfo = 0, kWarning = 1, kError = 2, kFatal = 3 };

void SetMinLogSeverity(LogSeverity severity);
void SetLogVerbosity(int level);
int LogVerbosity();

namespace logging_internal {

class LogMessage {
 public:
  LogMessage(const char* file, int line, LogSeverity severity);
  ~LogMessage();
  LogMessage(const LogMessage&) = delete;
  LogMessage& operator=(const LogMessage&) = delete;
  std::ostream& stream() { return stream_; }

 private:
  const char* file_;
  int line_;
  LogSeverity severity_;
  std::ostringstream stream_;
};

// Swallows the stream in the disabled branch of VLOG/CHECK.
struct Voidify {
  void operator&(std::ostream&) {}
};

}  // namespace logging_internal
}  // namespace gemma

#define GEMMA_LOG_INFO ::gemma::LogSeverity::kInfo
#define GEMMA_LOG_WARNING ::gemma::LogSeverity::kWarning
#define GEMMA_LOG_ERROR ::gemma::LogSeverity::kError
#define GEMMA_LOG_FATAL ::gemma::LogSeverity::kFatal

#define LOG(severity)                                              \
  ::gemma::logging_internal::LogMessage(__FILE__, __LINE__,        \
                                        GEMMA_LOG_##severity)      \
      .stream()

#define VLOG(level)                                         \
  (::gemma::LogVerbosity() < (level))                       \
      ? (void)0                                             \
      : ::gemma::logging_internal::Voidify() & LOG(INFO)

#define CHECK(condition)                                             \
  (condition) ? (void)0                                              \
              : ::gemma::logging_internal::Voidify() &               \
                    LOG(FATAL) << "Check failed: " #condition " "

#define CHECK_EQ(a, b) CHECK((a) == (b))
#define CHECK_NE(a, b) CHECK((a) != (b))
#define CHECK_LT(a, b) CHECK((a) < (b))
#define CHECK_LE(a, b) CHECK((a) <= (b))
#define CHECK_GT(a, b) CHECK((a) > (b))
#define CHECK_GE(a, b) CHECK((a) >= (b))

#ifdef NDEBUG
#define DCHECK(condition) \
  while (false) CHECK(condition)
#else
#define DCHECK(condition) CHECK(condition)
#endif

#endif  // GEMMA_BASE_LOGGING_H_
