// ---
// id: moe_pack_experts
// op: moe_pack
// backend: cpu
// summary: blocks own EXPERTS_PER_BLOCK experts and never wait on each other - each scans all ids (vectorised count of ids below its range, HIST_COPIES interleaved histograms of its range), writes its offsets, then scatters its slots in slot order (stable); BRANCHLESS routes out-of-range ids to dummy bins instead of branching
// knobs:
//   EXPERTS_PER_BLOCK: [4, 16, 64, 256]
//   HIST_COPIES: [1, 2, 4]
//   BRANCHLESS: [0, 1]
//   THREADS: [1, 2, 4]
// launch:
//   grid: cdiv(experts, EXPERTS_PER_BLOCK)
//   threads: THREADS
// ---
#define EPB {{EXPERTS_PER_BLOCK}}
#define HC {{HIST_COPIES}}

static inline void kernel(int64_t block, int64_t num_blocks, const int32_t* FOUNDRY_RESTRICT expert_ids,
                          int32_t* FOUNDRY_RESTRICT expert_offsets, int32_t* FOUNDRY_RESTRICT sorted_slots,
                          int64_t tokens, int64_t experts, int64_t topk) {
  (void)num_blocks;
  const int64_t n = tokens * topk;
  const int32_t e0 = (int32_t)(block * EPB);
  if (e0 >= experts) return;
  const int32_t e1 = e0 + EPB < experts ? e0 + EPB : (int32_t)experts;
  const uint32_t span = (uint32_t)(e1 - e0);

  // Slots of experts before this range: a plain compare-and-add the compiler vectorises.
  int32_t below = 0;
  if (e0 > 0)
    for (int64_t s = 0; s < n; ++s) below += expert_ids[s] < e0;

  // Histogram of this range; bin EPB (one per copy) swallows ids outside it.
  int32_t hist[HC][EPB + 1];
  memset(hist, 0, sizeof(hist));
  int64_t s = 0;
  for (; s + HC <= n; s += HC)
    for (int c = 0; c < HC; ++c) {
      const uint32_t d = (uint32_t)(expert_ids[s + c] - e0);
#if {{BRANCHLESS}}
      ++hist[c][d < span ? d : EPB];
#else
      if (d < span) ++hist[c][d];
#endif
    }
  for (; s < n; ++s) {
    const uint32_t d = (uint32_t)(expert_ids[s] - e0);
    if (d < span) ++hist[0][d];
  }

  // Offsets of this range, and each expert's cursor; the last block also closes the table.
  int32_t cursor[EPB + 4];
  int32_t run = below;
  for (uint32_t d = 0; d < span; ++d) {
    expert_offsets[e0 + d] = run;
    cursor[d] = run;
    for (int c = 0; c < HC; ++c) run += hist[c][d];
  }
  if (e1 == experts) expert_offsets[experts] = (int32_t)n;

  // Stable scatter: slots in increasing order.
#if {{BRANCHLESS}}
  // Out-of-range slots go to one of four dummy cursors (always 0) and a junk word.
  for (int i = 0; i < 4; ++i) cursor[EPB + i] = 0;
  int32_t junk[1];
  for (s = 0; s < n; ++s) {
    const uint32_t d = (uint32_t)(expert_ids[s] - e0);
    const int in = d < span;
    const uint32_t dd = in ? d : EPB + (uint32_t)(s & 3);
    const int32_t pos = cursor[dd];
    int32_t* dst = in ? sorted_slots + pos : junk;
    *dst = (int32_t)s;
    cursor[dd] = pos + in;
  }
  (void)junk;
#else
  for (s = 0; s < n; ++s) {
    const uint32_t d = (uint32_t)(expert_ids[s] - e0);
    if (d < span) sorted_slots[cursor[d]++] = (int32_t)s;
  }
#endif
}
