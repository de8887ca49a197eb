// The baseline of the benchmark: what `deno run` costs before any code of ours runs.
