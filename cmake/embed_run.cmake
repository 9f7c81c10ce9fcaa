# Script mode helper for embed.cmake: writes IN's bytes as a C array.
file(READ ${IN} hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
string(LENGTH "${hex}" n)
math(EXPR n "${n} / 2")
file(WRITE ${OUT} "/* Generated from ${IN}; do not edit. */\n#include <stddef.h>\n"
  "extern const char ${SYM}[];\nextern const size_t ${SYM}_len;\n"
  "const char ${SYM}[] = {${body}0};\nconst size_t ${SYM}_len = ${n};\n")
