#include "tools/client_command.h"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "base/status_macros.h"
#include "grpcpp/grpcpp.h"
#include "nlohmann/json.hpp"
#include "proto/gemma4_service.grpc.pb.h"
#include "proto/grpc/health/v1/health.grpc.pb.h"
#include "tools/args.h"
#include "tools/client_request.h"
#include "tools/common.h"
#include "tools/generate_flags.h"
#include "tools/prompt_files.h"

namespace gemma::tools {
namespace {

constexpr char kUsage[] =
    "client --target HOST:PORT [--timeout SECONDS] "
    "health|models|generate|stream [flags]";
constexpr int kMaxMessageBytes = 64 << 20;

struct ClientOptions {
  std::string target;
  std::optional<absl::Duration> timeout;
  std::string action;
  int first_action_arg = 0;  // argv index after the action.
};

absl::Status Invalid(const std::string& message) {
  return absl::InvalidArgumentError(message);
}

absl::Status FromGrpc(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

// Client-level flags come before the action.
absl::StatusOr<ClientOptions> ParseClientOptions(int argc, char** argv) {
  ClientOptions options;
  int i = 2;
  for (; i < argc; ++i) {
    std::string arg = argv[i];
    if (!absl::StartsWith(arg, "--")) break;
    if (arg == "--help") return Invalid(absl::StrCat("usage: gemma4 ", kUsage));
    std::string value;
    const size_t eq = arg.find('=');
    if (eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return Invalid(absl::StrCat(arg, " needs a value"));
    }
    if (arg == "--target") {
      options.target = value;
    } else if (arg == "--timeout") {
      double seconds = 0;
      if (!absl::SimpleAtod(value, &seconds) || !(seconds > 0)) {
        return Invalid(
            absl::StrCat("--timeout is '", value, "'; expected seconds > 0"));
      }
      options.timeout = absl::Seconds(seconds);
    } else {
      return Invalid(absl::StrCat("unknown client flag ", arg,
                                  " (action flags go after the action); "
                                  "usage: gemma4 ",
                                  kUsage));
    }
  }
  if (options.target.empty()) {
    return Invalid(
        absl::StrCat("--target HOST:PORT is required; usage: "
                     "gemma4 ",
                     kUsage));
  }
  if (i >= argc) {
    return Invalid(absl::StrCat("no action; usage: gemma4 ", kUsage));
  }
  options.action = argv[i];
  options.first_action_arg = i + 1;
  return options;
}

std::shared_ptr<grpc::Channel> MakeChannel(const std::string& target) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxMessageBytes);
  args.SetMaxSendMessageSize(kMaxMessageBytes);
  return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(),
                                   args);
}

void SetDeadline(grpc::ClientContext& context, const ClientOptions& options,
                 absl::Duration fallback) {
  context.set_deadline(
      absl::ToChronoTime(absl::Now() + options.timeout.value_or(fallback)));
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream data;
  data << file.rdbuf();
  return data.str();
}

std::string MimeType(const std::string& path) {
  const std::string ext =
      absl::AsciiStrToLower(path.substr(path.find_last_of('.') + 1));
  if (ext == "png") return "image/png";
  if (ext == "jpg" || ext == "jpeg") return "image/jpeg";
  if (ext == "webp") return "image/webp";
  if (ext == "bmp") return "image/bmp";
  if (ext == "wav") return "audio/wav";
  if (ext == "flac") return "audio/flac";
  if (ext == "ogg") return "audio/ogg";
  if (ext == "mp3") return "audio/mpeg";
  return "";  // The server detects it from the bytes.
}

// A video file's MIME type from its extension ("" when unknown).
std::string VideoMimeType(const std::string& path) {
  const std::string ext =
      absl::AsciiStrToLower(path.substr(path.find_last_of('.') + 1));
  if (ext == "mp4" || ext == "m4v") return "video/mp4";
  if (ext == "mov") return "video/quicktime";
  if (ext == "webm") return "video/webm";
  if (ext == "mkv") return "video/x-matroska";
  if (ext == "avi") return "video/x-msvideo";
  if (ext == "gif") return "image/gif";
  return "";  // The server detects it from the bytes.
}

absl::Status AddMedia(
    const std::vector<std::string>& paths, bool video,
    google::protobuf::RepeatedPtrField<gemma4::v1::Media>* out) {
  for (const std::string& path : paths) {
    GEMMA_ASSIGN_OR_RETURN(std::string bytes, ReadFile(path));
    gemma4::v1::Media* media = out->Add();
    media->set_mime_type(video ? VideoMimeType(path) : MimeType(path));
    media->set_data(std::move(bytes));
  }
  return absl::OkStatus();
}

absl::Status RunHealth(const ClientOptions& options, int argc, char** argv) {
  GEMMA_ASSIGN_OR_RETURN(
      Args args, Args::Parse(argc, argv, options.first_action_arg,
                             {{"service", false, "service to ask about"}}));
  auto stub = grpc::health::v1::Health::NewStub(MakeChannel(options.target));
  grpc::ClientContext context;
  SetDeadline(context, options, absl::Seconds(10));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(args.Get("service"));
  grpc::health::v1::HealthCheckResponse response;
  GEMMA_RETURN_IF_ERROR(FromGrpc(stub->Check(&context, request, &response)));
  const std::string name =
      grpc::health::v1::HealthCheckResponse::ServingStatus_Name(
          response.status());
  WriteStdout(name + "\n");
  if (response.status() != grpc::health::v1::HealthCheckResponse::SERVING) {
    return absl::FailedPreconditionError(
        absl::StrCat(options.target, " is ", name));
  }
  return absl::OkStatus();
}

absl::Status RunModels(const ClientOptions& options, int argc, char** argv) {
  GEMMA_ASSIGN_OR_RETURN(
      Args args, Args::Parse(argc, argv, options.first_action_arg,
                             {{"format", false, "text (default) or json"}}));
  GEMMA_ASSIGN_OR_RETURN(OutputFormat format, ParseFormat(args));
  auto stub = gemma4::v1::Gemma::NewStub(MakeChannel(options.target));
  grpc::ClientContext context;
  SetDeadline(context, options, absl::Seconds(10));
  gemma4::v1::ListModelsResponse response;
  GEMMA_RETURN_IF_ERROR(FromGrpc(stub->ListModels(&context, {}, &response)));
  nlohmann::json all = nlohmann::json::array();
  for (const gemma4::v1::ModelInfo& m : response.models()) {
    std::vector<std::string> modalities(m.modalities().begin(),
                                        m.modalities().end());
    if (format == OutputFormat::kJson) {
      all.push_back({{"name", m.name()},
                     {"family", m.family()},
                     {"vocab_size", m.vocab_size()},
                     {"hidden_dim", m.hidden_dim()},
                     {"num_layers", m.num_layers()},
                     {"context_length", m.context_length()},
                     {"default_max_length", m.default_max_length()},
                     {"dtype", m.dtype()},
                     {"modalities", modalities},
                     {"instances", m.instances()}});
    } else {
      std::string line =
          absl::StrCat(m.name(), "\tfamily=", m.family(), " dtype=", m.dtype(),
                       " context=", m.context_length(),
                       " layers=", m.num_layers(), " hidden=", m.hidden_dim(),
                       " vocab=", m.vocab_size(), " modalities=");
      for (size_t i = 0; i < modalities.size(); ++i) {
        absl::StrAppend(&line, i ? "," : "", modalities[i]);
      }
      WriteStdout(line + "\n");
    }
  }
  if (format == OutputFormat::kJson) WriteStdout(JsonDump(all) + "\n");
  return absl::OkStatus();
}

absl::StatusOr<gemma4::v1::GenerateRequest> BuildGenerateRequest(
    const Args& args) {
  gemma4::v1::GenerateRequest request;
  GEMMA_ASSIGN_OR_RETURN(std::string model, args.Require("model"));
  request.set_model(model);
  const int inputs =
      args.Has("prompt") + args.Has("chat") + args.Has("token-ids");
  if (inputs != 1) {
    return Invalid("give exactly one of --prompt, --chat and --token-ids");
  }
  if ((args.Has("image") || args.Has("audio") || args.Has("video")) &&
      !args.Has("prompt")) {
    return Invalid(
        "--image, --audio and --video go with --prompt (one <|image|>, "
        "<|audio|> or <|video|> placeholder per file)");
  }
  gemma4::v1::Prompt* prompt = request.add_prompts();
  if (args.Has("prompt")) {
    gemma4::v1::TextPrompt* text = prompt->mutable_text();
    text->set_text(args.Get("prompt"));
    GEMMA_RETURN_IF_ERROR(AddMedia(args.GetAll("image"), /*video=*/false,
                                   text->mutable_images()));
    GEMMA_RETURN_IF_ERROR(
        AddMedia(args.GetAll("audio"), /*video=*/false, text->mutable_audio()));
    GEMMA_RETURN_IF_ERROR(
        AddMedia(args.GetAll("video"), /*video=*/true, text->mutable_videos()));
  } else if (args.Has("token-ids")) {
    GEMMA_ASSIGN_OR_RETURN(std::vector<int32_t> ids,
                           ParseIdList(args.Get("token-ids"), "--token-ids"));
    prompt->mutable_token_ids()->mutable_ids()->Add(ids.begin(), ids.end());
  } else {
    GEMMA_ASSIGN_OR_RETURN(tokenizer::ChatRequest chat,
                           LoadChatRequest(args.Get("chat"), args.Get("tools"),
                                           args.Has("thinking")));
    GEMMA_ASSIGN_OR_RETURN(*prompt->mutable_chat(), ToProtoChat(chat));
  }
  GEMMA_ASSIGN_OR_RETURN(engine::GenerationParams params,
                         ParseGenerationFlags(args));
  *request.mutable_options() = ToProtoOptions(params);
  return request;
}

std::string FinishReasonText(gemma4::v1::FinishReason reason) {
  absl::string_view name = gemma4::v1::FinishReason_Name(reason);
  absl::ConsumePrefix(&name, "FINISH_REASON_");
  return absl::AsciiStrToLower(name);
}

nlohmann::json ToolCallsJson(
    const google::protobuf::RepeatedPtrField<gemma4::v1::ToolCall>& calls) {
  nlohmann::json out = nlohmann::json::array();
  for (const gemma4::v1::ToolCall& call : calls) {
    nlohmann::json args = nlohmann::json::parse(call.arguments_json(), nullptr,
                                                /*allow_exceptions=*/false);
    out.push_back(
        {{"name", call.name()},
         {"arguments",
          args.is_discarded() ? nlohmann::json(call.arguments_json()) : args}});
  }
  return out;
}

absl::Status RunGenerateRpc(const ClientOptions& options,
                            const gemma4::v1::GenerateRequest& request,
                            OutputFormat format) {
  auto stub = gemma4::v1::Gemma::NewStub(MakeChannel(options.target));
  grpc::ClientContext context;
  SetDeadline(context, options, absl::Minutes(10));
  gemma4::v1::GenerateResponse response;
  GEMMA_RETURN_IF_ERROR(FromGrpc(stub->Generate(&context, request, &response)));
  const gemma4::v1::Completion& c = response.completions(0);
  if (format == OutputFormat::kJson) {
    nlohmann::json out;
    out["token_ids"] =
        std::vector<int>(c.token_ids().begin(), c.token_ids().end());
    out["text"] = c.text();
    out["finish_reason"] = FinishReasonText(c.finish_reason());
    if (c.has_chat()) {
      out["thought"] = c.chat().thought();
      out["content"] = c.chat().content();
      out["tool_calls"] = ToolCallsJson(c.chat().tool_calls());
    }
    WriteStdout(JsonDump(out) + "\n");
    return absl::OkStatus();
  }
  if (c.has_chat()) {
    if (!c.chat().thought().empty()) {
      std::fprintf(stderr, "[thought] %s\n", c.chat().thought().c_str());
    }
    WriteStdout(c.chat().content() + "\n");
    for (const gemma4::v1::ToolCall& call : c.chat().tool_calls()) {
      WriteStdout(absl::StrCat("[tool_call] ", call.name(), " ",
                               call.arguments_json(), "\n"));
    }
  } else {
    WriteStdout(c.text() + "\n");
  }
  return absl::OkStatus();
}

absl::Status RunStreamRpc(const ClientOptions& options,
                          const gemma4::v1::GenerateRequest& request,
                          OutputFormat format) {
  auto stub = gemma4::v1::Gemma::NewStub(MakeChannel(options.target));
  grpc::ClientContext context;
  SetDeadline(context, options, absl::Minutes(10));
  std::unique_ptr<grpc::ClientReader<gemma4::v1::GenerateStreamChunk>> reader =
      stub->StreamGenerate(&context, request);
  const bool is_chat = request.prompts(0).has_chat();
  gemma4::v1::GenerateStreamChunk chunk;
  std::string text, thought, content;
  std::vector<int> ids;
  google::protobuf::RepeatedPtrField<gemma4::v1::ToolCall> tool_calls;
  gemma4::v1::FinishReason finish = gemma4::v1::FINISH_REASON_UNSPECIFIED;
  while (reader->Read(&chunk)) {
    text += chunk.text();
    ids.insert(ids.end(), chunk.token_ids().begin(), chunk.token_ids().end());
    thought += chunk.chat().thought();
    content += chunk.chat().content();
    tool_calls.MergeFrom(chunk.chat().tool_calls());
    if (chunk.has_final()) finish = chunk.final().finish_reason();
    if (format == OutputFormat::kJson) continue;
    if (!is_chat) {
      WriteStdout(chunk.text());
      continue;
    }
    if (!chunk.chat().thought().empty()) {
      std::fprintf(stderr, "%s", chunk.chat().thought().c_str());
    }
    WriteStdout(chunk.chat().content());
    for (const gemma4::v1::ToolCall& call : chunk.chat().tool_calls()) {
      WriteStdout(absl::StrCat("\n[tool_call] ", call.name(), " ",
                               call.arguments_json(), "\n"));
    }
  }
  GEMMA_RETURN_IF_ERROR(FromGrpc(reader->Finish()));
  if (format == OutputFormat::kJson) {
    nlohmann::json out;
    out["token_ids"] = ids;
    out["text"] = text;
    out["finish_reason"] = FinishReasonText(finish);
    if (is_chat) {
      out["thought"] = thought;
      out["content"] = content;
      out["tool_calls"] = ToolCallsJson(tool_calls);
    }
    WriteStdout(JsonDump(out) + "\n");
  } else {
    WriteStdout("\n");
  }
  return absl::OkStatus();
}

absl::Status RunGeneration(const ClientOptions& options, int argc, char** argv,
                           bool stream) {
  std::vector<FlagSpec> flags = {
      {"model", false, "served model name (see `models`)"},
      {"prompt", false, "prompt text (BOS is prepended by the server)"},
      {"image", false, "image file for a <|image|> placeholder (repeatable)"},
      {"audio", false, "audio file for an <|audio|> placeholder (repeatable)"},
      {"video", false, "video file for a <|video|> placeholder (repeatable)"},
      {"chat", false, "chat JSON file (OpenAI-style messages)"},
      {"token-ids", false, "prompt token ids, used as given (no BOS added)"},
      {"thinking", true, "chat: enable thinking"},
      {"tools", false, "chat: JSON file with a list of tool declarations"},
      {"format", false, "text (default) or json"},
  };
  const std::vector<FlagSpec> gen_flags = GenerationFlagSpecs();
  flags.insert(flags.end(), gen_flags.begin(), gen_flags.end());
  GEMMA_ASSIGN_OR_RETURN(
      Args args, Args::Parse(argc, argv, options.first_action_arg, flags,
                             {"stop", "image", "audio", "video"}));
  GEMMA_ASSIGN_OR_RETURN(OutputFormat format, ParseFormat(args));
  GEMMA_ASSIGN_OR_RETURN(gemma4::v1::GenerateRequest request,
                         BuildGenerateRequest(args));
  return stream ? RunStreamRpc(options, request, format)
                : RunGenerateRpc(options, request, format);
}

}  // namespace

absl::Status RunClient(int argc, char** argv) {
  GEMMA_ASSIGN_OR_RETURN(ClientOptions options, ParseClientOptions(argc, argv));
  if (options.action == "health") return RunHealth(options, argc, argv);
  if (options.action == "models") return RunModels(options, argc, argv);
  if (options.action == "generate") {
    return RunGeneration(options, argc, argv, /*stream=*/false);
  }
  if (options.action == "stream") {
    return RunGeneration(options, argc, argv, /*stream=*/true);
  }
  return Invalid(absl::StrCat("unknown action '", options.action,
                              "'; usage: gemma4 ", kUsage));
}

int RunClientCommand(int argc, char** argv) {
  const absl::Status status = RunClient(argc, argv);
  if (status.ok()) return 0;
  std::fprintf(stderr, "gemma4 client: %s\n",
               std::string(status.message()).c_str());
  return status.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
}

}  // namespace gemma::tools
