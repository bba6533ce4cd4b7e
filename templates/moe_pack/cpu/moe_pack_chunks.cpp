// ---
// id: moe_pack_chunks
// op: moe_pack
// backend: cpu
// summary: BLOCKS blocks each own an equal run of consecutive slots and never wait on each other - each counts every id (HIST_COPIES interleaved histograms - split at its chunk start, giving both its experts' starting ranks and the group sizes), block 0 writes expert_offsets, then each scatters its own chunk in slot order (stable); one block is the serial sort, two blocks halve the scatter per thread but each still counts every id; stack arrays are reached through an opaque pointer (indexed stack accesses ran about twice as slow here)
// knobs:
//   BLOCKS: [1, 2, 3, 4]
//   HIST_COPIES: [1, 2, 4]
//   THREADS: [1, 2, 4]
// launch:
//   grid: BLOCKS
//   threads: THREADS
// ---
#define HC {{HIST_COPIES}}

static inline void kernel(int64_t block, int64_t num_blocks, const int32_t* FOUNDRY_RESTRICT expert_ids,
                          int32_t* FOUNDRY_RESTRICT expert_offsets, int32_t* FOUNDRY_RESTRICT sorted_slots,
                          int64_t tokens, int64_t experts, int64_t topk) {
  const int64_t n = tokens * topk;
  const int64_t chunk = (n + num_blocks - 1) / num_blocks;
  const int64_t s0 = block * chunk;
  const int64_t s1 = s0 + chunk < n ? s0 + chunk : n;
  // Block 0 always runs (it writes expert_offsets); others may have no slots.
  if (block > 0 && s0 >= n) return;
  // hist[c * experts + e]: copy c of the counts; cursor[e]: where e's next slot goes.
  int32_t* hist = (int32_t*)__builtin_alloca((size_t)(HC + 1) * (size_t)experts * sizeof(int32_t));
  __asm__("" : "+r"(hist));
  int32_t* FOUNDRY_RESTRICT cursor = hist + HC * experts;
  memset(hist, 0, (size_t)HC * (size_t)experts * sizeof(int32_t));

  // Counts of the slots before this chunk ...
  int64_t s = 0;
  for (; s + HC <= s0; s += HC)
    for (int c = 0; c < HC; ++c) ++hist[c * experts + expert_ids[s + c]];
  for (; s < s0; ++s) ++hist[expert_ids[s]];
  for (int64_t e = 0; e < experts; ++e) {
    int32_t v = 0;
    for (int c = 0; c < HC; ++c) v += hist[c * experts + e];
    cursor[e] = v;
  }
  // ... then of the rest, for the group sizes.
  for (; s + HC <= n; s += HC)
    for (int c = 0; c < HC; ++c) ++hist[c * experts + expert_ids[s + c]];
  for (; s < n; ++s) ++hist[expert_ids[s]];

  int32_t run = 0;
  for (int64_t e = 0; e < experts; ++e) {
    if (block == 0) expert_offsets[e] = run;
    cursor[e] += run;
    for (int c = 0; c < HC; ++c) run += hist[c * experts + e];
  }
  if (block == 0) expert_offsets[experts] = run;

  for (s = s0; s < s1; ++s) sorted_slots[cursor[expert_ids[s]]++] = (int32_t)s;
}
