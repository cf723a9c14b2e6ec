#!/usr/bin/env python3
"""A minimal Python client for gemma4-server (gemma4.v1.Gemma).

Uses Debian's python3-grpcio, protoc and grpc_python_plugin (packages
python3-grpcio, protobuf-compiler, protobuf-compiler-grpc; scripts/setup
installs them). The stubs are generated at run time from proto/ into a
temporary directory, so nothing generated is checked in. (Debian's
python3-grpc-tools bundles a protoc too old for proto3 `optional` fields,
so the system protoc is used.) Run it with the system interpreter that has
those packages:

  python3 examples/python_client.py --target localhost:50051 health
  python3 examples/python_client.py --target localhost:50051 models
  python3 examples/python_client.py --target localhost:50051 generate \
      --model gemma4-e2b --prompt "Why is the sky blue?" --max-new-tokens 64
  python3 examples/python_client.py --target localhost:50051 stream \
      --model gemma4-e2b --chat "Write a haiku about CPUs." --thinking
  python3 examples/python_client.py --target localhost:50051 generate \
      --model gemma4-e2b --prompt "Describe <|image|>" --image cat.png

To generate the stubs yourself instead:

  protoc -I. --python_out=OUT --grpc_python_out=OUT \
      --plugin=protoc-gen-grpc_python=$(command -v grpc_python_plugin) \
      proto/gemma4_service.proto proto/grpc/health/v1/health.proto
"""

import argparse
import importlib
import json
import mimetypes
import os
import shutil
import subprocess
import sys
import tempfile

import grpc

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROTOS = ["proto/gemma4_service.proto", "proto/grpc/health/v1/health.proto"]


def load_stubs(out_dir):
    """Generates the Python stubs into out_dir and imports them."""
    protoc = shutil.which("protoc")
    plugin = shutil.which("grpc_python_plugin")
    if not protoc or not plugin:
        sys.exit("protoc and grpc_python_plugin are needed (Debian packages "
                 "protobuf-compiler and protobuf-compiler-grpc)")
    result = subprocess.run(
        [protoc, "-I" + REPO, "--python_out=" + out_dir,
         "--grpc_python_out=" + out_dir,
         "--plugin=protoc-gen-grpc_python=" + plugin] + PROTOS,
        cwd=REPO, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit("generating the stubs failed:\n" + result.stderr)
    sys.path.insert(0, out_dir)
    modules = {}
    for name in ["proto.gemma4_service_pb2", "proto.gemma4_service_pb2_grpc",
                 "proto.grpc.health.v1.health_pb2",
                 "proto.grpc.health.v1.health_pb2_grpc"]:
        modules[name.split(".")[-1]] = importlib.import_module(name)
    return modules


def media(pb2, path, kind):
    mime = mimetypes.guess_type(path)[0] or ""
    if not mime.startswith(kind + "/"):
        mime = ""  # Let the server detect it.
    with open(path, "rb") as f:
        return pb2.Media(mime_type=mime, data=f.read())


def build_request(pb2, args):
    prompt = pb2.Prompt()
    if args.token_ids:
        prompt.token_ids.ids.extend(int(i) for i in args.token_ids.split(","))
    elif args.chat is not None:
        message = pb2.ChatMessage(role="user",
                                  parts=[pb2.ContentPart(text=args.chat)])
        prompt.chat.messages.append(message)
        prompt.chat.enable_thinking = args.thinking
    else:
        prompt.text.text = args.prompt
        prompt.text.images.extend(media(pb2, p, "image") for p in args.image)
        prompt.text.audio.extend(media(pb2, p, "audio") for p in args.audio)
    options = pb2.GenerationOptions(strip_prompt=args.strip_prompt,
                                    top_logprobs=args.top_logprobs)
    if args.max_new_tokens is not None:
        options.max_new_tokens = args.max_new_tokens
    if args.max_length is not None:
        options.max_length = args.max_length
    if args.stop_token_ids == "none":
        options.stop_tokens.mode = pb2.StopTokens.MODE_NONE
    elif args.stop_token_ids != "auto":
        options.stop_tokens.mode = pb2.StopTokens.MODE_EXPLICIT
        options.stop_tokens.ids.extend(
            int(i) for i in args.stop_token_ids.split(","))
    options.stop_strings.extend(args.stop)
    sampler = pb2.SamplerOptions(
        type=pb2.SamplerType.Value("SAMPLER_TYPE_" + args.sampler.upper()))
    if args.temperature is not None:
        sampler.temperature = args.temperature
    if args.k is not None:
        sampler.k = args.k
    if args.p is not None:
        sampler.p = args.p
    options.sampler.CopyFrom(sampler)
    if args.seed is not None:
        options.seed = args.seed
    return pb2.GenerateRequest(model=args.model, prompts=[prompt],
                               options=options)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", default="localhost:50051")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("action",
                        choices=["health", "models", "generate", "stream"])
    parser.add_argument("--model")
    parser.add_argument("--prompt", default="")
    parser.add_argument("--chat", help="one user message, sent as chat")
    parser.add_argument("--thinking", action="store_true")
    parser.add_argument("--token-ids")
    parser.add_argument("--image", action="append", default=[])
    parser.add_argument("--audio", action="append", default=[])
    parser.add_argument("--max-new-tokens", type=int)
    parser.add_argument("--max-length", type=int)
    parser.add_argument("--stop-token-ids", default="auto")
    parser.add_argument("--stop", action="append", default=[])
    parser.add_argument("--strip-prompt", action="store_true")
    parser.add_argument("--sampler", default="greedy",
                        choices=["greedy", "random", "top_k", "top_p", "beam",
                                 "contrastive"])
    parser.add_argument("--temperature", type=float)
    parser.add_argument("--k", type=int)
    parser.add_argument("--p", type=float)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--top-logprobs", type=int, default=0)
    parser.add_argument("--format", choices=["text", "json"], default="text")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as out_dir:
        m = load_stubs(out_dir)
        pb2, pb2_grpc = m["gemma4_service_pb2"], m["gemma4_service_pb2_grpc"]
        channel = grpc.insecure_channel(args.target, options=[
            ("grpc.max_receive_message_length", 64 << 20),
            ("grpc.max_send_message_length", 64 << 20)])
        try:
            if args.action == "health":
                health = m["health_pb2_grpc"].HealthStub(channel)
                reply = health.Check(m["health_pb2"].HealthCheckRequest(),
                                     timeout=10)
                name = m["health_pb2"].HealthCheckResponse.ServingStatus.Name(
                    reply.status)
                print(name)
                return 0 if name == "SERVING" else 1
            stub = pb2_grpc.GemmaStub(channel)
            if args.action == "models":
                for model in stub.ListModels(pb2.ListModelsRequest(),
                                             timeout=10).models:
                    print(model.name, model.family, model.dtype,
                          "context=%d" % model.context_length,
                          ",".join(model.modalities))
                return 0
            if not args.model:
                parser.error("--model is required for " + args.action)
            request = build_request(pb2, args)
            if args.action == "generate":
                c = stub.Generate(request, timeout=args.timeout).completions[0]
                if args.format == "json":
                    print(json.dumps({"token_ids": list(c.token_ids),
                                      "text": c.text}, ensure_ascii=False))
                elif c.HasField("chat"):
                    if c.chat.thought:
                        print("[thought]", c.chat.thought, file=sys.stderr)
                    print(c.chat.content)
                    for call in c.chat.tool_calls:
                        print("[tool_call]", call.name, call.arguments_json)
                else:
                    print(c.text)
                return 0
            ids, text = [], ""
            for chunk in stub.StreamGenerate(request, timeout=args.timeout):
                ids.extend(chunk.token_ids)
                text += chunk.text
                if args.format == "text":
                    delta = chunk.chat.content if args.chat else chunk.text
                    print(delta, end="", flush=True)
                    if chunk.chat.thought:
                        print(chunk.chat.thought, end="", file=sys.stderr)
            if args.format == "json":
                print(json.dumps({"token_ids": ids, "text": text},
                                 ensure_ascii=False))
            else:
                print()
            return 0
        except grpc.RpcError as e:
            print("error: %s: %s" % (e.code().name, e.details()),
                  file=sys.stderr)
            return 1


if __name__ == "__main__":
    sys.exit(main())
