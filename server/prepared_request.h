// A validated Generate/StreamGenerate request, ready for Engine::Submit,
// with what the RPC edge needs to shape the answer (which prompts are chat
// and how their output starts).
// Thread-safety: plain value.
#ifndef GEMMA_SERVER_PREPARED_REQUEST_H_
#define GEMMA_SERVER_PREPARED_REQUEST_H_

#include <string>
#include <vector>

#include "engine/request.h"

namespace gemma::server {

struct PromptKind {
  bool is_chat = false;
  bool starts_in_thought = false;  // See ChatStartsInThought.
};

struct PreparedRequest {
  std::string model;
  // Prompts, params and deadline set; sink and cancel are the caller's.
  engine::Request request;
  std::vector<PromptKind> kinds;  // One per prompt.
};

}  // namespace gemma::server

#endif  // GEMMA_SERVER_PREPARED_REQUEST_H_
