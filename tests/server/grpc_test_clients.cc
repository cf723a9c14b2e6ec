#include "tests/server/grpc_test_clients.h"

#include <chrono>

#include "grpcpp/generic/generic_stub.h"
#include "server/status_conversion.h"

namespace gemma::testing {
namespace {

constexpr char kReflectionMethod[] =
    "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo";

bool Wait(grpc::CompletionQueue& cq, void* expected) {
  void* tag = nullptr;
  bool ok = false;
  const auto deadline =
      std::chrono::system_clock::now() + std::chrono::seconds(10);
  if (cq.AsyncNext(&tag, &ok, deadline) !=
      grpc::CompletionQueue::NextStatus::GOT_EVENT) {
    return false;
  }
  return ok && tag == expected;
}

// Reads a base-128 varint at `pos`; false at the end of the buffer.
bool ReadVarint(const std::string& bytes, size_t& pos, uint64_t& value) {
  value = 0;
  for (int shift = 0; pos < bytes.size() && shift < 64; shift += 7) {
    const uint8_t b = bytes[pos++];
    value |= static_cast<uint64_t>(b & 0x7F) << shift;
    if ((b & 0x80) == 0) return true;
  }
  return false;
}

// ServerReflectionResponse.list_services_response (field 6) holds
// ListServiceResponse, whose `service` (field 1) entries are
// ServiceResponse{name = 1}.
std::vector<std::string> ParseServiceNames(const std::string& response) {
  std::vector<std::string> names;
  auto fields = [](const std::string& bytes, int wanted) {
    std::vector<std::string> out;
    size_t pos = 0;
    uint64_t key = 0, len = 0;
    while (ReadVarint(bytes, pos, key)) {
      const int field = static_cast<int>(key >> 3);
      const int type = static_cast<int>(key & 7);
      if (type == 0) {
        if (!ReadVarint(bytes, pos, len)) break;
      } else if (type == 2) {
        if (!ReadVarint(bytes, pos, len) || pos + len > bytes.size()) break;
        if (field == wanted) out.push_back(bytes.substr(pos, len));
        pos += len;
      } else {
        break;  // Not produced by this message.
      }
    }
    return out;
  };
  for (const std::string& list : fields(response, 6)) {
    for (const std::string& service : fields(list, 1)) {
      for (const std::string& name : fields(service, 1)) names.push_back(name);
    }
  }
  return names;
}

}  // namespace

absl::StatusOr<grpc::health::v1::HealthCheckResponse::ServingStatus>
CheckHealth(grpc::Channel& channel, const std::string& service) {
  auto stub = grpc::health::v1::Health::NewStub(
      std::shared_ptr<grpc::Channel>(&channel, [](grpc::Channel*) {}));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  grpc::health::v1::HealthCheckResponse response;
  const grpc::Status status = stub->Check(&context, request, &response);
  if (!status.ok()) return server::FromGrpcStatus(status);
  return response.status();
}

absl::StatusOr<std::vector<std::string>> ListServicesByReflection(
    const std::shared_ptr<grpc::Channel>& channel) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  grpc::CompletionQueue cq;
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call =
      stub.PrepareCall(&context, kReflectionMethod, &cq);
  int tags[5];
  call->StartCall(&tags[0]);
  if (!Wait(cq, &tags[0])) return absl::UnavailableError("start failed");
  // ServerReflectionRequest{list_services = ""}: field 7, length 0.
  const std::string request("\x3a\x00", 2);
  grpc::Slice slice(request);
  grpc::ByteBuffer out(&slice, 1);
  call->Write(out, &tags[1]);
  if (!Wait(cq, &tags[1])) return absl::UnavailableError("write failed");
  call->WritesDone(&tags[2]);
  if (!Wait(cq, &tags[2])) return absl::UnavailableError("close failed");
  grpc::ByteBuffer in;
  call->Read(&in, &tags[3]);
  const bool got = Wait(cq, &tags[3]);
  grpc::Status status;
  call->Finish(&status, &tags[4]);
  Wait(cq, &tags[4]);
  cq.Shutdown();
  void* tag;
  bool ok;
  while (cq.Next(&tag, &ok)) {
  }
  if (!status.ok()) return server::FromGrpcStatus(status);
  if (!got) return absl::DataLossError("no reflection response");
  std::vector<grpc::Slice> slices;
  if (!in.Dump(&slices).ok()) return absl::DataLossError("unreadable");
  std::string bytes;
  for (const grpc::Slice& s : slices) {
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return ParseServiceNames(bytes);
}

}  // namespace gemma::testing
