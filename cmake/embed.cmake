# Writes the text of the given headers into a C++ source as raw string literals.
function(embed_one var path out_var)
  file(READ ${path} content)
  set(${out_var} "extern const char* const ${var};\nconst char* const ${var} = R\"FOUNDRY_EMBED(${content})FOUNDRY_EMBED\";\n" PARENT_SCOPE)
endfunction()
embed_one(kEmbeddedPhilox ${PHILOX} a)
embed_one(kEmbeddedCpuPrelude ${CPU_PRELUDE} b)
embed_one(kEmbeddedCudaPrelude ${CUDA_PRELUDE} c)
file(WRITE ${OUT} "// Generated at build time; do not edit.\nnamespace foundry {\n${a}${b}${c}}\n")
