# Smoke test of grpc_load_bench: a tiny model at levels 1 and 2 with a few
# tokens, with each baseline (a one-at-a-time engine, and one-at-a-time
# requests to the batched engine). Fails when the benchmark exits non-zero
# or does not print its table (one row per engine and level), its ratios,
# both target lines and the peak RSS.
# Usage: cmake -DBENCH=<grpc_load_bench> -DTOKENIZER_DIR=<dir> -P <this>
foreach(baseline engine client)
  execute_process(
    COMMAND ${BENCH} --config=tiny --tokenizer_dir=${TOKENIZER_DIR}
      --threads=2 --levels=1,2 --prompt_tokens=24 --new_tokens=4
      --target_level=2 --baseline=${baseline}
    OUTPUT_VARIABLE out
    ERROR_VARIABLE err
    RESULT_VARIABLE rc)
  message("--baseline=${baseline}:\n${out}")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "grpc_load_bench exited with ${rc}:\n${err}")
  endif()
  foreach(pattern
      "level +engine +streams +tokens +tok/s +decode/s +ttft_p50 +ttft_p99 +itl_p50 +itl_p99"
      "\n +1 +one-at-a-time +1 +4 "
      "\n +1 +batched +1 +4 "
      "\n +2 +one-at-a-time +2 +8 "
      "\n +2 +batched +2 +8 "
      "\n +2 +[0-9.]+x +[0-9.]+x +[0-9.]+x +[0-9.]+x\n"
      "\n(PASS|FAIL): decode throughput at 2 streams"
      "\n(PASS|FAIL): p99 inter-token latency at 2 streams"
      "\npeak RSS [0-9]+ MiB")
    if(NOT out MATCHES "${pattern}")
      message(FATAL_ERROR
        "grpc_load_bench --baseline=${baseline} output lacks /${pattern}/")
    endif()
  endforeach()
endforeach()
