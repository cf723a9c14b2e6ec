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

// "declaration:NAME{description:<|"|>…<|"|>,parameters:{…}}" (without the
// surrounding <|tool> … <tool|>).
std::string FormatToolDeclaration(const ToolDeclaration& tool);

}  // namespace gemma::tokenizer

#endif  // GEMMA_TOKENIZER_TOOL_DECLARATION_FORMAT_H_
