// Loads Debian's libsentencepiece in isolation from libprotobuf.
//
// Why: Debian 12's libsentencepiece.so.0 carries its own copy of
// protobuf-lite 3.14 and exports those symbols, under the same names as
// the system libprotobuf 3.21 that gRPC and our generated API code use. In
// one process the two cannot share the global symbol scope: whichever comes
// first, the other's static initialisation binds to the wrong copy and the
// process aborts before main() (a protobuf version-check failure or a
// crash inside DescriptorPool).
//
// How: binaries that link gRPC and the tokenizer link this object and pass
// -Wl,--as-needed, so libsentencepiece is not a load-time dependency. The
// four sentencepiece entry points the tokenizer calls directly
// (tokenizer/spm_processor.cc: the processor's constructor,
// LoadFromSerializedProto, util::Status's destructor and ToString) are
// defined here as one-instruction trampolines into the real library, which
// is opened with RTLD_LOCAL | RTLD_DEEPBIND: its own references resolve to
// its own protobuf copy, and nothing else sees its symbols. Every other call
// goes through the processor's vtable, straight into the real library.
// Trampolines (a tail jump) forward every argument register unchanged, so
// the C++ signatures need not be spelled out. x86-64 ELF only.
//
// If the tokenizer starts calling another non-virtual sentencepiece
// function, linking brings libsentencepiece back as a load-time dependency
// and the binary aborts at startup again: add a trampoline here.
// Thread-safety: the library is opened by a static constructor, before
// main(); the trampolines are then read-only.
#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>

#if !defined(__x86_64__) || !defined(__ELF__)
#error "sentencepiece_isolation.cc supports x86-64 ELF only"
#endif

namespace {

constexpr const char* kLibrary = "libsentencepiece.so.0";

// The real entry points, indexed like kSymbols.
constexpr const char* kSymbols[] = {
    "_ZN13sentencepiece22SentencePieceProcessorC1Ev",
    "_ZN13sentencepiece22SentencePieceProcessor23LoadFromSerializedProtoESt17"
    "basic_string_viewIcSt11char_traitsIcEE",
    "_ZN13sentencepiece4util6StatusD1Ev",
    "_ZNK13sentencepiece4util6Status8ToStringB5cxx11Ev",
};
constexpr int kNumSymbols = sizeof(kSymbols) / sizeof(kSymbols[0]);

[[noreturn]] void Missing() {
  std::fprintf(stderr,
               "FATAL: %s could not be loaded; install Debian's "
               "libsentencepiece0 (scripts/setup)\n",
               kLibrary);
  std::abort();
}

}  // namespace

// Read by the trampolines below; filled before main().
extern "C" {
__attribute__((visibility("hidden"))) void* gemma_spm_targets[kNumSymbols] = {
    reinterpret_cast<void*>(&Missing), reinterpret_cast<void*>(&Missing),
    reinterpret_cast<void*>(&Missing), reinterpret_cast<void*>(&Missing)};
}

namespace {

__attribute__((constructor)) void OpenSentencePiece() {
  void* handle = dlopen(kLibrary, RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
  if (handle == nullptr) return;  // Calls end in Missing().
  for (int i = 0; i < kNumSymbols; ++i) {
    if (void* target = dlsym(handle, kSymbols[i])) {
      gemma_spm_targets[i] = target;
    }
  }
}

}  // namespace

#define GEMMA_SPM_TRAMPOLINE(name, index) \
  ".globl " name                          \
  "\n"                                    \
  ".type " name ", @function\n" name      \
  ":\n"                                   \
  "  jmp *gemma_spm_targets+" #index      \
  "*8(%rip)\n"                            \
  ".size " name ", .-" name "\n"

__asm__(".text\n" GEMMA_SPM_TRAMPOLINE(
    "_ZN13sentencepiece22SentencePieceProcessorC1Ev", 0)
            GEMMA_SPM_TRAMPOLINE("_ZN13sentencepiece22SentencePieceProcessor23L"
                                 "oadFromSerializedProtoE"
                                 "St17basic_string_viewIcSt11char_traitsIcEE",
                                 1)
                GEMMA_SPM_TRAMPOLINE("_ZN13sentencepiece4util6StatusD1Ev", 2)
                    GEMMA_SPM_TRAMPOLINE(
                        "_ZNK13sentencepiece4util6Status8ToStringB5cxx11Ev",
                        3));
