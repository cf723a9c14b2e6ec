// Native renderer of the Gemma 4 instruction-tuned chat template (spec §6.5):
// byte for byte what transformers' apply_chat_template produces with the
// verbatim chat_template.jinja, without a template engine. Revision R5
// (2026-07-15, current) by default; R3 (2026-04-28) and R2 (2026-04-10) when
// the checkpoint's file is one of those (§6.5.10). R1 and R4 are not
// recognized and render as R5.
//
// Two variants exist and differ only in the generation prompt (§6.5.6): the
// small one (E2B/E4B) and the large one (26B-A4B/31B, also 12B), which
// pre-fills an empty thought channel when thinking is off. The variant comes
// from the SHA-256 of the checkpoint's chat_template.jinja when it is a known
// revision (§6.5.1), else from the model family; callers may also force it.
//
// BOS: the template's text starts with "<bos>". A caller that tokenizes the
// prompt for a keras-hub-style engine (which prepends the BOS id itself)
// renders with `include_bos = false` and prepends Tokenizer::special_ids().bos.
//
// Thread-safety: immutable; Render may be called concurrently.
#ifndef GEMMA_TOKENIZER_CHAT_TEMPLATE_H_
#define GEMMA_TOKENIZER_CHAT_TEMPLATE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tokenizer/chat_types.h"

namespace gemma::tokenizer {

enum class ChatTemplateVariant { kSmall, kLarge };

// Template revisions (§6.5.1, §6.5.10): R2 of 2026-04-10, R3 of 2026-04-28,
// R5 of 2026-07-15 (current). kUnknown (an unrecognized file) renders as R5.
enum class ChatTemplateRevision { kUnknown, kR2, kR3, kR5 };

struct ChatRenderOptions {
  bool include_bos = true;  // emit the leading "<bos>" text
};

class ChatTemplate {
 public:
  explicit ChatTemplate(
      ChatTemplateVariant variant,
      ChatTemplateRevision revision = ChatTemplateRevision::kR5)
      : variant_(variant), revision_(revision) {}

  // "e2b"/"e4b" (and anything unrecognized) -> small; "moe", "dense", "26b",
  // "31b", "12b" and names containing them -> large.
  static ChatTemplate ForFamily(absl::string_view family);
  // Identifies a chat_template.jinja by its SHA-256; an unknown file falls
  // back to ForFamily(family) (with a warning in the log).
  static ChatTemplate FromJinjaText(absl::string_view jinja,
                                    absl::string_view family);
  // As FromJinjaText, reading the file; errors name the path.
  static absl::StatusOr<ChatTemplate> FromJinjaFile(const std::string& path,
                                                    absl::string_view family);

  // The template of a checkpoint directory: chat_template.jinja if present,
  // else the "chat_template" entry of tokenizer_config.json (a string, or the
  // "default" entry of a list of {name, template}), else ForFamily(family).
  // Errors only for unreadable or malformed files.
  static absl::StatusOr<ChatTemplate> FromModelDir(const std::string& dir,
                                                   absl::string_view family);

  ChatTemplateVariant variant() const { return variant_; }
  ChatTemplateRevision revision() const { return revision_; }
  // SHA-256 of the template file it was built from ("" if none).
  const std::string& sha256() const { return sha256_; }

  // Renders the prompt with the rules of revision() (R5 when unknown).
  // Errors (INVALID_ARGUMENT) where the template raises one: tool-call
  // arguments that are not a JSON object or null (R5), a tool message whose
  // content is a non-empty JSON object, a message without a role; for R2/R3
  // also an empty message list, a tool result with no name to show, and (R2)
  // system content given as a list.
  absl::StatusOr<std::string> Render(
      const ChatRequest& request, const ChatRenderOptions& options = {}) const;

 private:
  ChatTemplateVariant variant_;
  ChatTemplateRevision revision_;
  std::string sha256_;
};

// The template's strip_thinking: removes every <|channel>…<channel|> block and
// an unterminated trailing <|channel>…, then trims.
std::string StripThinking(absl::string_view text);

// True if a rendered prompt ends inside an opened thought channel (after tool
// results with thinking on), so the output parser must start in the thinking
// state (spec §6.5.8).
bool PromptEndsInThoughtChannel(absl::string_view prompt);

}  // namespace gemma::tokenizer

#endif  // GEMMA_TOKENIZER_CHAT_TEMPLATE_H_
