// ---
// id: dequantize_rowloop
// op: dequantize
// backend: cpu
// summary: plain row loop, y = q * scale[r] in float, ROWS_PER_BLOCK rows per block
// knobs:
//   ROWS_PER_BLOCK: [1, 2, 4, 8]
//   THREADS: [1, 2, 4]
// launch:
//   grid: cdiv(rows, ROWS_PER_BLOCK)
//   threads: THREADS
// ---
static inline void kernel(int64_t block, int64_t num_blocks, const int8_t* FOUNDRY_RESTRICT q,
                          const float* FOUNDRY_RESTRICT scale, T* FOUNDRY_RESTRICT y, int64_t rows, int64_t cols) {
  (void)num_blocks;
  const int64_t r_begin = block * {{ROWS_PER_BLOCK}};
  const int64_t r_end = r_begin + {{ROWS_PER_BLOCK}} < rows ? r_begin + {{ROWS_PER_BLOCK}} : rows;
  for (int64_t r = r_begin; r < r_end; ++r) {
    const int8_t* qr = q + r * cols;
    T* yr = y + r * cols;
    const float s = scale[r];
    for (int64_t c = 0; c < cols; ++c) yr[c] = from_f((float)qr[c] * s);
  }
}
