#include "base/logging.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

namespace gemma {
namespace {

// Process-wide logging settings. These are the one sanctioned piece of
// mutable global state: they configure a sink that has no owner to pass
// down, and they are set once in main() before threads start.
std::atomic<int> g_min_severity{0};
std::atomic<int> g_verbosity{0};

const char* SeverityLetter(LogSeverity s) {
  switch (s) {
    case LogSeverity::kInfo:
      return "I";
    case LogSeverity::kWarning:
      return "W";
    case LogSeverity::kError:
      return "E";
    case LogSeverity::kFatal:
      return "F";
  }
  return "?";
}

}  // namespace

void SetMinLogSeverity(LogSeverity severity) {
  g_min_severity.store(static_cast<int>(severity));
}
void SetLogVerbosity(int level) { g_verbosity.store(level); }
int LogVerbosity() { return g_verbosity.load(std::memory_order_relaxed); }

namespace logging_internal {

LogMessage::LogMessage(const char* file, int line, LogSeverity severity)
    : file_(file), line_(line), severity_(severity) {}

LogMessage::~LogMessage() {
  if (static_cast<int>(severity_) >= g_min_severity.load() ||
      severity_ == LogSeverity::kFatal) {
    const char* base = std::strrchr(file_, '/');
    base = base ? base + 1 : file_;
    std::time_t now = std::time(nullptr);
    std::tm tm_buf;
    gmtime_r(&now, &tm_buf);
    char ts[32];
    std::strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm_buf);
    std::string line = std::string(SeverityLetter(severity_)) + " " + ts +
                       " " + base + ":" + std::to_string(line_) + "] " +
                       stream_.str() + "\n";
    ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
    (void)ignored;
  }
  if (severity_ == LogSeverity::kFatal) std::abort();
}

}  // namespace logging_internal
}  // namespace gemma
