// Renders one tool declaration the way the Gemma 4 chat template's
// format_function_declaration / format_parameters macros do (spec §6.5.7),
// including their quirks: properties sorted case-insensitively, a property
// without `type` gets an empty one, braces close only when `type` is present.
//
// Thread-safety: pure function.
#ifndef GEMMA_TOKENIZER_TOOL_DECLARATION_FORMAT_H_
#define GEMMA_TOKENIZER_TOOL_DECLARATION_FORMAT_H_

#include <string>

#include "tokenizer/chat_types.h"

namespace gemma::tokenizer {

// Differences of older template revisions (spec §6.5.10).
struct DeclarationStyle {
  // 2026-04-10 (R2): properties named description, type, properties,
  // required or nullable are dropped at every level.
  bool drop_reserved_property_names = false;
  // Before 2026-07-15: null prints as None.
  bool null_as_none = false;
};

// "declaration:NAME{description:<|"|>…<|"|>,parameters:{…}}" (without the
// surrounding <|tool> … <tool|>).
std::string FormatToolDeclaration(const ToolDeclaration& tool,
                                  const DeclarationStyle& style = {});

}  // namespace gemma::tokenizer

#endif  // GEMMA_TOKENIZER_TOOL_DECLARATION_FORMAT_H_
