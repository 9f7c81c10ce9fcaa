# lab_embed(FILE SYMBOL OUTPUT): generates OUTPUT, a C file defining
# `const char SYMBOL[]` (NUL-terminated) and `const size_t SYMBOL_len`
# holding FILE's bytes, regenerated whenever FILE changes.
function(lab_embed file symbol output)
  add_custom_command(OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -DIN=${file} -DOUT=${output} -DSYM=${symbol}
            -P ${CMAKE_SOURCE_DIR}/cmake/embed_run.cmake
    DEPENDS ${file} ${CMAKE_SOURCE_DIR}/cmake/embed_run.cmake
    COMMENT "Embedding ${file}")
endfunction()
