// ---
// id: moe_pack_serial
// op: moe_pack
// backend: cpu
// summary: plain serial counting sort in one block (grid 1, so THREADS is absent) - histogram into expert_offsets, prefix sum, stable scatter using the offsets as cursors, shift back; UNROLL slots per loop step
// knobs:
//   UNROLL: [1, 2, 4, 8]
// launch:
//   grid: 1
//   threads: 1
// ---
static inline void kernel(int64_t block, int64_t num_blocks, const int32_t* FOUNDRY_RESTRICT expert_ids,
                          int32_t* FOUNDRY_RESTRICT expert_offsets, int32_t* FOUNDRY_RESTRICT sorted_slots,
                          int64_t tokens, int64_t experts, int64_t topk) {
  (void)block;
  (void)num_blocks;
  const int64_t n = tokens * topk;
  for (int64_t e = 0; e <= experts; ++e) expert_offsets[e] = 0;
  int64_t s = 0;
  for (; s + {{UNROLL}} <= n; s += {{UNROLL}})
    for (int u = 0; u < {{UNROLL}}; ++u) ++expert_offsets[expert_ids[s + u] + 1];
  for (; s < n; ++s) ++expert_offsets[expert_ids[s] + 1];
  for (int64_t e = 0; e < experts; ++e) expert_offsets[e + 1] += expert_offsets[e];
  // expert_offsets[e] is now the start of group e; use it as e's cursor.
  for (s = 0; s + {{UNROLL}} <= n; s += {{UNROLL}})
    for (int u = 0; u < {{UNROLL}}; ++u) sorted_slots[expert_offsets[expert_ids[s + u]]++] = (int32_t)(s + u);
  for (; s < n; ++s) sorted_slots[expert_offsets[expert_ids[s]]++] = (int32_t)s;
  // Each cursor stopped at the start of the next group: shift back by one.
  for (int64_t e = experts; e > 0; --e) expert_offsets[e] = expert_offsets[e - 1];
  expert_offsets[0] = 0;
}
