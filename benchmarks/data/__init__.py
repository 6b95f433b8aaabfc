"""Input generators for the benchmarks and the fuzz tests (nothing big is stored here: data is made at run time).

- :mod:`benchmarks.data.pgss_export` realistic pg_stat_statements CSV exports of any size (scale benchmark);
- :mod:`benchmarks.data.fuzz_corpus` the valid exports fuzzing starts from, and an independent oracle;
- :mod:`benchmarks.data.fuzz_mutations` the mutations, each with what ingest must answer;
- :mod:`benchmarks.data.fuzz_checks` runs a mutated input and checks every property of the outcome.
"""
