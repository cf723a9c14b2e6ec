#include "tools/client_request.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace gemma::tools {
namespace {

std::string Dump(const tokenizer::OrderedJson& json) {
  return json.dump(-1, ' ', /*ensure_ascii=*/false,
                   tokenizer::OrderedJson::error_handler_t::replace);
}

gemma4::v1::SamplerType ToProtoSampler(engine::SamplerType type) {
  switch (type) {
    case engine::SamplerType::kGreedy:
      return gemma4::v1::SAMPLER_TYPE_GREEDY;
    case engine::SamplerType::kRandom:
      return gemma4::v1::SAMPLER_TYPE_RANDOM;
    case engine::SamplerType::kTopK:
      return gemma4::v1::SAMPLER_TYPE_TOP_K;
    case engine::SamplerType::kTopP:
      return gemma4::v1::SAMPLER_TYPE_TOP_P;
    case engine::SamplerType::kBeam:
      return gemma4::v1::SAMPLER_TYPE_BEAM;
    case engine::SamplerType::kContrastive:
      return gemma4::v1::SAMPLER_TYPE_CONTRASTIVE;
  }
  return gemma4::v1::SAMPLER_TYPE_UNSPECIFIED;
}

}  // namespace

gemma4::v1::GenerationOptions ToProtoOptions(
    const engine::GenerationParams& params) {
  gemma4::v1::GenerationOptions o;
  if (params.max_length.has_value()) o.set_max_length(*params.max_length);
  if (params.max_new_tokens.has_value()) {
    o.set_max_new_tokens(*params.max_new_tokens);
  }
  gemma4::v1::StopTokens* stops = o.mutable_stop_tokens();
  switch (params.stop_mode) {
    case engine::StopTokensMode::kAuto:
      stops->set_mode(gemma4::v1::StopTokens::MODE_AUTO);
      break;
    case engine::StopTokensMode::kExplicit:
      stops->set_mode(gemma4::v1::StopTokens::MODE_EXPLICIT);
      stops->mutable_ids()->Add(params.stop_token_ids.begin(),
                                params.stop_token_ids.end());
      break;
    case engine::StopTokensMode::kNone:
      stops->set_mode(gemma4::v1::StopTokens::MODE_NONE);
      break;
  }
  for (const std::string& s : params.stop_strings) o.add_stop_strings(s);
  o.set_strip_prompt(params.strip_prompt);
  const engine::SamplerParams& s = params.sampler;
  gemma4::v1::SamplerOptions* sampler = o.mutable_sampler();
  sampler->set_type(ToProtoSampler(s.type));
  sampler->set_temperature(s.temperature);
  sampler->set_k(s.k);
  sampler->set_p(s.p);
  sampler->set_num_beams(s.num_beams);
  sampler->set_alpha(s.alpha);
  if (s.seed.has_value()) o.set_seed(*s.seed);
  o.set_top_logprobs(params.top_logprobs);
  o.set_priority(params.priority);
  return o;
}

absl::StatusOr<gemma4::v1::ChatPrompt> ToProtoChat(
    const tokenizer::ChatRequest& chat) {
  gemma4::v1::ChatPrompt out;
  out.set_enable_thinking(chat.enable_thinking);
  for (size_t i = 0; i < chat.messages.size(); ++i) {
    const tokenizer::ChatMessage& m = chat.messages[i];
    gemma4::v1::ChatMessage* message = out.add_messages();
    message->set_role(m.role);
    switch (m.content.kind) {
      case tokenizer::MessageContent::Kind::kNone:
        break;
      case tokenizer::MessageContent::Kind::kText:
        message->add_parts()->set_text(m.content.text);
        break;
      case tokenizer::MessageContent::Kind::kScalar:
        message->add_parts()->set_text(Dump(m.content.scalar));
        break;
      case tokenizer::MessageContent::Kind::kParts:
        for (const tokenizer::ContentPart& part : m.content.parts) {
          if (part.text.has_value()) {
            message->add_parts()->set_text(*part.text);
          } else if (part.type == "text" || part.type.empty()) {
            continue;
          } else {
            return absl::InvalidArgumentError(absl::StrCat(
                "messages[", i, "] has a '", part.type,
                "' part; the client sends media from files: use --prompt "
                "with <|image|>/<|audio|>/<|video|> placeholders and "
                "--image/--audio/--video"));
          }
        }
        break;
    }
    for (const tokenizer::ToolCall& call : m.tool_calls) {
      gemma4::v1::ToolCall* c = message->add_tool_calls();
      c->set_name(call.name);
      c->set_arguments_json(call.arguments.is_null() ? "{}"
                                                     : Dump(call.arguments));
    }
    for (const tokenizer::ToolResponse& r : m.tool_responses) {
      gemma4::v1::ToolResponse* t = message->add_tool_responses();
      t->set_name(r.name.value_or(""));
      t->set_response_json(Dump(r.response));
    }
    if (m.reasoning.has_value()) {
      message->set_reasoning(*m.reasoning);
    } else if (m.reasoning_content.has_value()) {
      message->set_reasoning(*m.reasoning_content);
    }
    if (m.name.has_value()) message->set_name(*m.name);
  }
  for (const tokenizer::ToolDeclaration& tool : chat.tools) {
    gemma4::v1::ToolDeclaration* t = out.add_tools();
    t->set_name(tool.name);
    t->set_description(tool.description);
    if (!tool.parameters.is_null()) {
      t->set_parameters_json_schema(Dump(tool.parameters));
    }
  }
  return out;
}

}  // namespace gemma::tools
