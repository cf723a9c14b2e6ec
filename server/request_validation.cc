#include "server/request_validation.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "nlohmann/json.hpp"
#include "server/utf8_validation.h"

namespace gemma::server {
namespace {

using gemma4::v1::ChatMessage;
using gemma4::v1::ChatPrompt;
using gemma4::v1::ContentPart;
using gemma4::v1::Media;
using gemma4::v1::Prompt;

absl::Status Invalid(const std::string& message) {
  return absl::InvalidArgumentError(message);
}

absl::Status CheckText(absl::string_view text, const std::string& field) {
  if (!IsValidUtf8(text)) {
    return Invalid(absl::StrCat(field, " is not valid UTF-8"));
  }
  return absl::OkStatus();
}

// A video: its file or its frames (not both), a video MIME type (or GIF),
// and a sane frame rate.
absl::Status CheckVideo(const Media& media, const std::string& field) {
  if (!media.data().empty() && media.frames_size() > 0) {
    return Invalid(absl::StrCat(field,
                                " has both data and frames; send the video "
                                "file in data or its frames in frames"));
  }
  if (media.data().empty() && media.frames_size() == 0) {
    return Invalid(absl::StrCat(field,
                                ".data is empty; send the video file's bytes "
                                "(not base64), or its frames in frames"));
  }
  for (int i = 0; i < media.frames_size(); ++i) {
    if (media.frames(i).empty()) {
      return Invalid(absl::StrCat(field, ".frames[", i,
                                  "] is empty; send each frame's image file "
                                  "bytes"));
    }
  }
  const double fps = media.frames_per_second();
  if (!(fps >= 0 && fps <= 1000)) {
    return Invalid(absl::StrCat(field, ".frames_per_second is ", fps,
                                "; use a rate in (0, 1000], or 0 for 24"));
  }
  if (fps != 0 && media.frames_size() == 0) {
    return Invalid(absl::StrCat(field,
                                ".frames_per_second is set without frames; "
                                "a video file's rate comes from the file"));
  }
  if (!media.mime_type().empty() && media.frames_size() > 0) {
    return Invalid(absl::StrCat(field,
                                ".mime_type is set with frames; each frame's "
                                "image format is detected from its bytes"));
  }
  if (!media.mime_type().empty() &&
      !absl::StartsWith(media.mime_type(), "video/") &&
      media.mime_type() != "image/gif") {
    return Invalid(absl::StrCat(field, ".mime_type is '", media.mime_type(),
                                "'; expected video/... or image/gif (or "
                                "empty to detect it from the bytes)"));
  }
  return absl::OkStatus();
}

// `kind` is "image", "audio" or "video": the MIME type's top-level type.
absl::Status CheckMedia(const Media& media, absl::string_view kind,
                        const std::string& field) {
  if (kind == "video") return CheckVideo(media, field);
  if (media.frames_size() > 0 || media.frames_per_second() != 0) {
    return Invalid(absl::StrCat(field, ".frames is only for videos; send the ",
                                kind, " file in data"));
  }
  if (media.data().empty()) {
    return Invalid(absl::StrCat(field, ".data is empty; send the ", kind,
                                " file's bytes (not base64)"));
  }
  if (!media.mime_type().empty() &&
      !absl::StartsWith(media.mime_type(), absl::StrCat(kind, "/"))) {
    return Invalid(absl::StrCat(field, ".mime_type is '", media.mime_type(),
                                "'; expected ", kind,
                                "/... (or empty to "
                                "detect it from the bytes)"));
  }
  return absl::OkStatus();
}

absl::Status CheckJson(const std::string& text, bool must_be_object,
                       const std::string& field) {
  nlohmann::json parsed = nlohmann::json::parse(text, nullptr,
                                                /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return Invalid(absl::StrCat(field, " is not valid JSON"));
  }
  if (must_be_object && !parsed.is_object()) {
    return Invalid(absl::StrCat(field, " must be a JSON object ({...})"));
  }
  return absl::OkStatus();
}

bool IsToolName(absl::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!(absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_')) {
      return false;
    }
  }
  return true;
}

absl::Status CheckToolName(const std::string& name, const std::string& field) {
  if (!IsToolName(name)) {
    return Invalid(absl::StrCat(field, " is '", name,
                                "'; tool names are non-empty and use only "
                                "letters, digits and '_'"));
  }
  return absl::OkStatus();
}

absl::Status CheckMessage(const ChatMessage& message,
                          const std::string& field) {
  // A system message after the first renders as an ordinary turn (chat
  // template rule), so every position accepts every role.
  const std::string& role = message.role();
  if (role != "system" && role != "developer" && role != "user" &&
      role != "assistant" && role != "model" && role != "tool") {
    return Invalid(absl::StrCat(field, ".role is '", role,
                                "'; use system, developer, user, assistant "
                                "or tool"));
  }
  for (int i = 0; i < message.parts_size(); ++i) {
    const ContentPart& part = message.parts(i);
    const std::string part_field = absl::StrCat(field, ".parts[", i, "]");
    switch (part.kind_case()) {
      case ContentPart::kText:
        GEMMA_RETURN_IF_ERROR(
            CheckText(part.text(), absl::StrCat(part_field, ".text")));
        break;
      case ContentPart::kImage:
        GEMMA_RETURN_IF_ERROR(CheckMedia(part.image(), "image",
                                         absl::StrCat(part_field, ".image")));
        break;
      case ContentPart::kAudio:
        GEMMA_RETURN_IF_ERROR(CheckMedia(part.audio(), "audio",
                                         absl::StrCat(part_field, ".audio")));
        break;
      case ContentPart::kVideo:
        GEMMA_RETURN_IF_ERROR(CheckMedia(part.video(), "video",
                                         absl::StrCat(part_field, ".video")));
        break;
      default:
        return Invalid(absl::StrCat(part_field,
                                    " is empty; set text, image, audio or "
                                    "video"));
    }
  }
  const bool is_assistant = role == "assistant" || role == "model";
  if (!is_assistant &&
      (message.tool_calls_size() > 0 || message.tool_responses_size() > 0 ||
       !message.reasoning().empty())) {
    return Invalid(absl::StrCat(field, " has role '", role,
                                "'; only assistant messages carry "
                                "tool_calls, tool_responses or reasoning"));
  }
  for (int i = 0; i < message.tool_calls_size(); ++i) {
    const std::string f = absl::StrCat(field, ".tool_calls[", i, "]");
    GEMMA_RETURN_IF_ERROR(
        CheckToolName(message.tool_calls(i).name(), absl::StrCat(f, ".name")));
    GEMMA_RETURN_IF_ERROR(CheckJson(message.tool_calls(i).arguments_json(),
                                    /*must_be_object=*/true,
                                    absl::StrCat(f, ".arguments_json")));
  }
  for (int i = 0; i < message.tool_responses_size(); ++i) {
    const std::string f = absl::StrCat(field, ".tool_responses[", i, "]");
    GEMMA_RETURN_IF_ERROR(CheckToolName(message.tool_responses(i).name(),
                                        absl::StrCat(f, ".name")));
    GEMMA_RETURN_IF_ERROR(CheckJson(message.tool_responses(i).response_json(),
                                    /*must_be_object=*/false,
                                    absl::StrCat(f, ".response_json")));
  }
  GEMMA_RETURN_IF_ERROR(
      CheckText(message.reasoning(), absl::StrCat(field, ".reasoning")));
  if (role == "tool" && !message.name().empty()) {
    GEMMA_RETURN_IF_ERROR(
        CheckToolName(message.name(), absl::StrCat(field, ".name")));
  }
  return absl::OkStatus();
}

absl::Status CheckChat(const ChatPrompt& chat, const std::string& field) {
  if (chat.messages_size() == 0) {
    return Invalid(absl::StrCat(field, ".messages is empty"));
  }
  int media = 0;
  for (int i = 0; i < chat.messages_size(); ++i) {
    GEMMA_RETURN_IF_ERROR(CheckMessage(
        chat.messages(i), absl::StrCat(field, ".messages[", i, "]")));
    for (const ContentPart& part : chat.messages(i).parts()) {
      if (part.has_image() || part.has_audio() || part.has_video()) ++media;
    }
  }
  if (media > kMaxMediaPerPrompt) {
    return Invalid(absl::StrCat(field, " has ", media,
                                " images, audio clips and videos; at most ",
                                kMaxMediaPerPrompt));
  }
  for (int i = 0; i < chat.tools_size(); ++i) {
    const std::string f = absl::StrCat(field, ".tools[", i, "]");
    GEMMA_RETURN_IF_ERROR(
        CheckToolName(chat.tools(i).name(), absl::StrCat(f, ".name")));
    GEMMA_RETURN_IF_ERROR(CheckText(chat.tools(i).description(),
                                    absl::StrCat(f, ".description")));
    if (!chat.tools(i).parameters_json_schema().empty()) {
      GEMMA_RETURN_IF_ERROR(CheckJson(
          chat.tools(i).parameters_json_schema(),
          /*must_be_object=*/true, absl::StrCat(f, ".parameters_json_schema")));
    }
  }
  return absl::OkStatus();
}

}  // namespace

int CountOccurrences(absl::string_view text, absl::string_view needle) {
  int count = 0;
  size_t pos = 0;
  while ((pos = text.find(needle, pos)) != absl::string_view::npos) {
    ++count;
    pos += needle.size();
  }
  return count;
}

absl::Status ValidatePrompt(const Prompt& prompt, const std::string& field) {
  switch (prompt.input_case()) {
    case Prompt::kText: {
      const gemma4::v1::TextPrompt& text = prompt.text();
      const std::string f = absl::StrCat(field, ".text");
      GEMMA_RETURN_IF_ERROR(CheckText(text.text(), absl::StrCat(f, ".text")));
      const int parts =
          text.images_size() + text.audio_size() + text.videos_size();
      if (parts > kMaxMediaPerPrompt) {
        return Invalid(absl::StrCat(f, " has ", parts,
                                    " images, audio clips and videos; at "
                                    "most ",
                                    kMaxMediaPerPrompt));
      }
      const int image_marks = CountOccurrences(text.text(), kImagePlaceholder);
      if (image_marks != text.images_size()) {
        return Invalid(absl::StrCat(
            f, ".text has ", image_marks, " ", kImagePlaceholder,
            " placeholders but ", text.images_size(),
            " images were sent; put one placeholder where each image goes"));
      }
      const int audio_marks = CountOccurrences(text.text(), kAudioPlaceholder);
      if (audio_marks != text.audio_size()) {
        return Invalid(absl::StrCat(
            f, ".text has ", audio_marks, " ", kAudioPlaceholder,
            " placeholders but ", text.audio_size(),
            " audio clips were sent; put one placeholder where each clip "
            "goes"));
      }
      const int video_marks = CountOccurrences(text.text(), kVideoPlaceholder);
      if (video_marks != text.videos_size()) {
        return Invalid(absl::StrCat(
            f, ".text has ", video_marks, " ", kVideoPlaceholder,
            " placeholders but ", text.videos_size(),
            " videos were sent; put one placeholder where each video goes"));
      }
      if (text.text().empty()) {
        return Invalid(absl::StrCat(f, ".text is empty"));
      }
      for (int i = 0; i < text.images_size(); ++i) {
        GEMMA_RETURN_IF_ERROR(CheckMedia(text.images(i), "image",
                                         absl::StrCat(f, ".images[", i, "]")));
      }
      for (int i = 0; i < text.audio_size(); ++i) {
        GEMMA_RETURN_IF_ERROR(CheckMedia(text.audio(i), "audio",
                                         absl::StrCat(f, ".audio[", i, "]")));
      }
      for (int i = 0; i < text.videos_size(); ++i) {
        GEMMA_RETURN_IF_ERROR(CheckMedia(text.videos(i), "video",
                                         absl::StrCat(f, ".videos[", i, "]")));
      }
      return absl::OkStatus();
    }
    case Prompt::kChat:
      return CheckChat(prompt.chat(), absl::StrCat(field, ".chat"));
    case Prompt::kTokenIds:
      if (prompt.token_ids().ids_size() == 0) {
        return Invalid(absl::StrCat(field, ".token_ids.ids is empty"));
      }
      return absl::OkStatus();
    default:
      return Invalid(
          absl::StrCat(field, " has no input; set text, chat or token_ids"));
  }
}

absl::Status ValidatePrompts(
    const std::string& model,
    const google::protobuf::RepeatedPtrField<Prompt>& prompts) {
  if (model.empty()) {
    return Invalid("model is empty; ListModels gives the served names");
  }
  if (prompts.empty()) {
    return Invalid("prompts is empty; send at least one prompt");
  }
  if (prompts.size() > kMaxPromptsPerRequest) {
    return Invalid(absl::StrCat("prompts has ", prompts.size(),
                                " entries; at most ", kMaxPromptsPerRequest,
                                " per request"));
  }
  for (int i = 0; i < prompts.size(); ++i) {
    GEMMA_RETURN_IF_ERROR(
        ValidatePrompt(prompts.Get(i), absl::StrCat("prompts[", i, "]")));
  }
  return absl::OkStatus();
}

absl::Status CheckModalities(const engine::ModelInfo& model,
                             const Prompt& prompt, const std::string& field) {
  int images = 0, audio = 0, videos = 0;
  if (prompt.has_text()) {
    images = prompt.text().images_size();
    audio = prompt.text().audio_size();
    videos = prompt.text().videos_size();
  } else if (prompt.has_chat()) {
    for (const ChatMessage& m : prompt.chat().messages()) {
      for (const ContentPart& p : m.parts()) {
        images += p.has_image();
        audio += p.has_audio();
        videos += p.has_video();
      }
    }
  }
  if (videos > 0 && !model.video) {
    return Invalid(absl::StrCat(field, " has ", videos, " video(s) but model '",
                                model.name, "' takes no video"));
  }
  if (images > 0 && !model.image) {
    return Invalid(absl::StrCat(field, " has ", images, " image(s) but model '",
                                model.name, "' takes no images"));
  }
  if (audio > 0 && !model.audio) {
    return Invalid(absl::StrCat(field, " has ", audio,
                                " audio clip(s) but model '", model.name,
                                "' takes no audio"));
  }
  return absl::OkStatus();
}

}  // namespace gemma::server
